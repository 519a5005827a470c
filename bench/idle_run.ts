/**
 * One run of the idle profile: read the server's memory with no clients, log N clients in at a
 * bounded rate (everyone sees everyone's join), wait for the join storm to end, hold idle, and
 * read the memory again.
 * @module
 */

import { Crowd, sleep } from "./crowd.ts";
import { listenOverflows, ownCpuSeconds } from "../kit/proc.ts";
import type { Profile } from "./profiles.ts";
import type { IdleResult } from "./results.ts";
import type { Protocol, StartedTarget } from "./targets/target.ts";
import { ServerMeter } from "./server_meter.ts";
import { describeFailures, type RunSettings } from "./traffic_run.ts";

/** Longest login phase (plus the time the connect rate needs): a server slower than this is
 * reported with the logins it managed. */
const LOGIN_MAX_MS = 60_000;
/** Longest wait for the join storm to end after the last login. */
const STORM_MAX_MS = 60_000;

/** How long after the stalled clients are gone the server's memory is read again. */
const AFTER_CLOSE_MS = 3000;

/**
 * The start of a message that promises `declared` bytes and holds `sent` of them: a chat frame
 * header and the first bytes of its body, or for IRC a PRIVMSG line without its end.
 */
export function stallBytes(protocol: Protocol, declared: number, sent: number): Uint8Array {
  if (protocol === "irc") {
    return new TextEncoder().encode(`PRIVMSG #bench :${"x".repeat(sent)}`);
  }
  const bytes = new Uint8Array(6 + sent).fill(0x78, 6);
  new DataView(bytes.buffer).setUint32(2, declared);
  return bytes;
}

/** Runs the idle profile against `server`, speaking `protocol` (stalling, if it says so). */
export async function runIdle(
  server: StartedTarget,
  protocol: Protocol,
  profile: Profile,
  settings: RunSettings,
): Promise<IdleResult> {
  const crowd = new Crowd({
    host: server.host,
    port: server.port,
    addresses: server.addresses,
    protocol,
    clients: profile.clients,
    senders: 0,
    payloadBytes: 0,
    connectRate: settings.connectRate,
    maxPendingLogins: settings.maxPendingLogins,
    bufferBytes: profile.clients > 2000 ? 8 * 1024 : 16 * 1024,
  });
  try {
    await sleep(500);
    const meter = new ServerMeter(server, settings.ticksPerSecond);
    const baseline = (await meter.memory()).rssBytes;
    const serverCpu0 = await meter.cpu();
    const selfCpu0 = ownCpuSeconds();
    const t0 = performance.now();
    const overflows0 = await listenOverflows();
    await crowd.open(LOGIN_MAX_MS + (profile.clients * 1000) / settings.connectRate);
    const synDrops = (await listenOverflows()) - overflows0;
    const notes: string[] = [];
    if (!await crowd.quiet(1000, STORM_MAX_MS)) {
      notes.push(`join notices still arriving ${STORM_MAX_MS / 1000} s after the logins`);
    }
    const serverCpu1 = await meter.cpu();
    const selfCpu1 = ownCpuSeconds();
    const t1 = performance.now();
    if (profile.stall !== undefined) {
      const bytes = stallBytes(protocol, profile.stall.declaredBytes, profile.stall.sentBytes);
      for (const client of crowd.clients) client.send(bytes);
    }
    await sleep(profile.durationSeconds * 1000);
    const mem = await meter.memory();
    let afterCloseRssBytes: number | undefined;
    if (profile.stall !== undefined) {
      await crowd.close();
      await sleep(AFTER_CLOSE_MS);
      afterCloseRssBytes = (await meter.memory()).rssBytes;
    }
    const redisCpu = meter.redisSpan(serverCpu0, serverCpu1);
    const loggedIn = crowd.loggedInCount;
    return {
      kind: "idle",
      clients: profile.clients,
      serverProcesses: meter.processes,
      ...(redisCpu === null ? {} : { redisCpuSeconds: redisCpu }),
      loggedIn,
      loginSeconds: crowd.loginSpanMicros / 1e6,
      joinNotices: crowd.joinNoticeCount,
      expectedJoinNotices: (loggedIn * (loggedIn - 1)) / 2,
      replays: crowd.replayCount,
      baselineRssBytes: baseline,
      idleRssBytes: mem.rssBytes,
      bytesPerIdleConnection: loggedIn === 0 ? 0 : (mem.rssBytes - baseline) / loggedIn,
      ...(afterCloseRssBytes === undefined ? {} : { afterCloseRssBytes }),
      serverCpuSeconds: serverCpu1.server - serverCpu0.server,
      generatorCpuPercent: ((selfCpu1 - selfCpu0) / ((t1 - t0) / 1000)) * 100,
      serverPeakRssBytes: mem.peakBytes,
      loginFailures: profile.clients - loggedIn,
      drops: crowd.droppedCount,
      synDrops,
      notes: [
        ...notes,
        ...describeFailures(crowd.loginFailures, crowd.drops, synDrops),
        ...(afterCloseRssBytes === undefined ? [] : [
          `server RSS ${mib(baseline)} MiB before, ${mib(mem.rssBytes)} MiB with ${loggedIn} ` +
          `stalled bodies, ${mib(afterCloseRssBytes)} MiB ${
            AFTER_CLOSE_MS / 1000
          } s after they closed`,
        ]),
      ],
    };
  } finally {
    await crowd.close();
  }
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
