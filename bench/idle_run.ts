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

/** Runs the idle profile against `server`, speaking `protocol`. */
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
    await sleep(profile.durationSeconds * 1000);
    const mem = await meter.memory();
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
      baselineRssBytes: baseline,
      idleRssBytes: mem.rssBytes,
      bytesPerIdleConnection: loggedIn === 0 ? 0 : (mem.rssBytes - baseline) / loggedIn,
      serverCpuSeconds: serverCpu1.server - serverCpu0.server,
      generatorCpuPercent: ((selfCpu1 - selfCpu0) / ((t1 - t0) / 1000)) * 100,
      serverPeakRssBytes: mem.peakBytes,
      loginFailures: profile.clients - loggedIn,
      drops: crowd.droppedCount,
      synDrops,
      notes: [...notes, ...describeFailures(crowd.loginFailures, crowd.drops, synDrops)],
    };
  } finally {
    await crowd.close();
  }
}
