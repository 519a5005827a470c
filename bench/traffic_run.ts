/**
 * One run of a traffic profile against a started server: log everyone in, let the join notices
 * settle, send for the warm-up, measure for D seconds, stop sending, drain, and score.
 * @module
 */

import { Crowd, type FailureCounts, sleep } from "./crowd.ts";
import { LoopLagMonitor } from "./loop_lag.ts";
import { listenOverflows, ownCpuSeconds } from "../kit/proc.ts";
import type { Profile } from "./profiles.ts";
import type { TrafficResult } from "./results.ts";
import { SendLoop } from "./send_loop.ts";
import type { Protocol, StartedTarget } from "./targets/target.ts";
import { rssOverTime, ServerMeter } from "./server_meter.ts";

/** Generator settings that are not part of the workload. */
export interface RunSettings {
  connectRate: number;
  /** Logins in progress at once at most (the target's bound unless overridden). */
  maxPendingLogins: number;
  inFlight: number;
  /** Clock ticks per second for /proc CPU times. */
  ticksPerSecond: number;
  /** IRC lines senders send after registering (the target's). */
  senderSetup: readonly string[];
}

/** Windows at least this long note the server's RSS over time (a ceiling or a climb). */
const RSS_SERIES_MIN_SECONDS = 30;

/** Longest wait for the last deliveries after sending stops. */
const DRAIN_MAX_MS = 15_000;
/** The drain ends early when nothing new arrives for this long. */
const DRAIN_STALL_MS = 2_000;

/** Runs `profile` against `server`, speaking `protocol`. */
export async function runTraffic(
  server: StartedTarget,
  protocol: Protocol,
  profile: Profile,
  settings: RunSettings,
): Promise<TrafficResult> {
  const crowd = new Crowd({
    host: server.host,
    port: server.port,
    addresses: server.addresses,
    protocol,
    clients: profile.clients,
    senders: profile.senders,
    payloadBytes: profile.payloadBytes,
    connectRate: settings.connectRate,
    maxPendingLogins: settings.maxPendingLogins,
    // Large enough that one read takes what a busy server coalesced (a read is an op and costs
    // more than the bytes it brings); 1,000 clients and more stay at 16 KiB each.
    bufferBytes: profile.clients > 500 ? 16 * 1024 : 128 * 1024,
    senderSetup: settings.senderSetup,
    ...(server.webPort === undefined ? {} : {
      webUrl: `ws://${server.host}:${server.webPort}/ws`,
      webShare: profile.webShare ?? 0,
    }),
  });
  try {
    const overflows0 = await listenOverflows();
    await crowd.open(30_000 + (profile.clients * 1000) / settings.connectRate);
    const synDrops = (await listenOverflows()) - overflows0;
    await crowd.quiet(500, 30_000);
    const loop = new SendLoop(crowd, {
      rate: profile.rate,
      inFlight: settings.inFlight,
      payloadBytes: profile.payloadBytes,
    });
    loop.start();
    await sleep(profile.warmupSeconds * 1000);

    const ledger = crowd.ledger;
    const meter = new ServerMeter(server, settings.ticksPerSecond);
    const serverCpu0 = await meter.cpu();
    const selfCpu0 = ownCpuSeconds();
    const reads0 = crowd.reads;
    const lag = new LoopLagMonitor();
    const rss = profile.durationSeconds >= RSS_SERIES_MIN_SECONDS ? meter.trackRss(1000) : null;
    const t0 = performance.now();
    ledger.openWindow();
    lag.start();
    await sleep(profile.durationSeconds * 1000);
    const lagFigures = lag.stop();
    ledger.closeWindow();
    const t1 = performance.now();
    const windowReads = crowd.reads - reads0;
    const rssSeries = rss === null ? null : await rss();
    const serverCpu1 = await meter.cpu();
    const selfCpu1 = ownCpuSeconds();
    loop.stop();

    await drain(crowd);
    const peak = (await meter.memory()).peakBytes;
    const totals = ledger.totals();
    const windowSeconds = (t1 - t0) / 1000;
    const deliveries = ledger.windowDeliveries;
    const serverCpu = serverCpu1.server - serverCpu0.server;
    const redisCpu = meter.redisSpan(serverCpu0, serverCpu1);
    return {
      kind: "traffic",
      clients: profile.clients,
      serverProcesses: meter.processes,
      ...(redisCpu === null ? {} : { redisCpuSeconds: redisCpu }),
      deliveriesPerSecond: deliveries / windowSeconds,
      windowDeliveries: deliveries,
      windowSeconds,
      p50Micros: ledger.latency.percentile(0.5),
      p99Micros: ledger.latency.percentile(0.99),
      maxMicros: ledger.latency.maxMicros,
      sent: totals.sent,
      expected: totals.expected,
      lost: totals.lost,
      duplicated: totals.duplicated,
      outOfOrder: totals.outOfOrder,
      corrupt: totals.corrupt,
      serverCpuSeconds: serverCpu,
      serverCpuMicrosPerDelivery: deliveries === 0 ? 0 : (serverCpu * 1e6) / deliveries,
      generatorCpuPercent: ((selfCpu1 - selfCpu0) / windowSeconds) * 100,
      deliveriesPerRead: windowReads === 0 ? 0 : deliveries / windowReads,
      generatorLagP99Micros: lagFigures.p99Micros,
      serverPeakRssBytes: peak,
      loginFailures: profile.clients - crowd.loggedInCount,
      drops: crowd.droppedCount,
      loginSeconds: crowd.loginSpanMicros / 1e6,
      synDrops,
      notes: [
        ...describeFailures(crowd.loginFailures, crowd.drops, synDrops),
        ...(redisCpu === null ? [] : [
          `Redis (not in server CPU): ${((redisCpu / windowSeconds) * 100).toFixed(1)}% of a ` +
          `core, ${deliveries === 0 ? 0 : ((redisCpu * 1e6) / deliveries).toFixed(2)} µs/delivery`,
        ]),
        ...(rssSeries === null ? [] : [rssOverTime(rssSeries)]),
        ...(lagFigures.p99Micros > 10_000
          ? [
            `the generator's event loop lagged up to ${
              (lagFigures.p99Micros / 1000).toFixed(0)
            } ms (p99): latencies include it`,
          ]
          : []),
      ],
    };
  } finally {
    await crowd.close();
  }
}

/** Waits until every expected delivery arrived, or nothing arrives for a while. */
async function drain(crowd: Crowd): Promise<void> {
  const ledger = crowd.ledger;
  const deadline = performance.now() + DRAIN_MAX_MS;
  let last = ledger.uniqueDeliveries;
  let lastChange = performance.now();
  while (ledger.uniqueDeliveries < ledger.expectedDeliveries) {
    const now = performance.now();
    if (now >= deadline || now - lastChange >= DRAIN_STALL_MS) return;
    await sleep(20);
    if (ledger.uniqueDeliveries !== last) {
      last = ledger.uniqueDeliveries;
      lastChange = performance.now();
    }
  }
}

/** Failure reasons as note lines: `3 logins failed: closed by the server`. */
export function describeFailures(
  logins: FailureCounts,
  drops: FailureCounts,
  synDrops: number,
): string[] {
  const notes: string[] = [];
  // The counter is system-wide and other programs on a shared machine move it by a few a
  // second, so only a clear rise is worth a note (the exact figure is in the JSON).
  if (synDrops > 10) {
    notes.push(
      `kernel ListenOverflows rose by ${synDrops} during the logins (system-wide: SYNs dropped ` +
        `by some listen queue, possibly another program's)`,
    );
  }
  for (const [reason, n] of logins) notes.push(`${n} login(s) failed: ${reason}`);
  for (const [reason, n] of drops) notes.push(`${n} client(s) dropped: ${reason}`);
  return notes;
}
