/**
 * One run of the idle profile: read the server's memory with no clients, log N clients in at a
 * bounded rate (everyone sees everyone's join), wait for the join storm to end, hold idle, and
 * read the memory again. The stalled-bodies profile then closes them, reads the memory, and does
 * it all once more with a second wave.
 * @module
 */

import { Crowd, sleep } from "./crowd.ts";
import { listenOverflows, type MemorySample, ownCpuSeconds } from "../kit/proc.ts";
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

/** After the stalled clients are gone, the server counts as idle below this share of a core... */
const IDLE_CPU_SHARE = 0.05;
/** ...over a span this long; the memory is read once it is idle, plus {@link AFTER_IDLE_MS}... */
const IDLE_SPAN_MS = 500;
/** ...which leaves the server's own quiet-room collection (a second of quiet) time to run. */
const AFTER_IDLE_MS = 2000;
/** Longest wait for the server to go idle after the clients closed. */
const IDLE_MAX_MS = 30_000;

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
  const crowd = openCrowd(server, protocol, profile, settings);
  try {
    await sleep(500);
    const meter = new ServerMeter(server, settings.ticksPerSecond);
    const baseline = (await meter.memory()).rssBytes;
    const serverCpu0 = await meter.cpu();
    const selfCpu0 = ownCpuSeconds();
    const t0 = performance.now();
    const overflows0 = await listenOverflows();
    const notes: string[] = [];
    await logIn(crowd, profile, settings, notes);
    const synDrops = (await listenOverflows()) - overflows0;
    const serverCpu1 = await meter.cpu();
    const selfCpu1 = ownCpuSeconds();
    const t1 = performance.now();
    const mem = await holdStalled(crowd, protocol, profile, meter);
    let afterClose: AfterClose | undefined;
    let secondWave: IdleResult["secondWave"];
    let secondIdle = 0;
    if (profile.stall !== undefined) {
      afterClose = await closeAndRead(crowd, meter);
      const again = openCrowd(server, protocol, profile, settings);
      try {
        await logIn(again, profile, settings, notes);
        const stalledRssBytes = (await holdStalled(again, protocol, profile, meter)).rssBytes;
        const second = await closeAndRead(again, meter);
        secondIdle = second.idleAfterSeconds;
        secondWave = { stalledRssBytes, afterCloseRssBytes: second.rssBytes };
      } finally {
        await again.close();
      }
    }
    const afterCloseRssBytes = afterClose?.rssBytes;
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
      ...(secondWave === undefined ? {} : { secondWave }),
      serverCpuSeconds: serverCpu1.server - serverCpu0.server,
      generatorCpuPercent: ((selfCpu1 - selfCpu0) / ((t1 - t0) / 1000)) * 100,
      serverPeakRssBytes: mem.peakBytes,
      loginFailures: profile.clients - loggedIn,
      drops: crowd.droppedCount,
      synDrops,
      notes: [
        ...notes,
        ...describeFailures(crowd.loginFailures, crowd.drops, synDrops),
        ...(afterClose === undefined ? [] : [
          `server RSS ${mib(baseline)} MiB before, ${mib(mem.rssBytes)} MiB with ${loggedIn} ` +
          `stalled bodies, ${mib(afterClose.rssBytes)} MiB after they closed (idle ` +
          `${afterClose.idleAfterSeconds.toFixed(1)} s after the close)` +
          (secondWave === undefined
            ? ""
            : `; a second wave: ${mib(secondWave.stalledRssBytes)} MiB with, ${
              mib(secondWave.afterCloseRssBytes)
            } MiB after (idle ${secondIdle.toFixed(1)} s after)`),
        ]),
      ],
    };
  } finally {
    await crowd.close();
  }
}

/** The crowd of one idle run (or of one wave of stalled clients). */
function openCrowd(
  server: StartedTarget,
  protocol: Protocol,
  profile: Profile,
  settings: RunSettings,
): Crowd {
  return new Crowd({
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
}

/** Logs the crowd in and waits for the join storm to end (noting it if it does not). */
async function logIn(
  crowd: Crowd,
  profile: Profile,
  settings: RunSettings,
  notes: string[],
): Promise<void> {
  await crowd.open(LOGIN_MAX_MS + (profile.clients * 1000) / settings.connectRate);
  if (!await crowd.quiet(1000, STORM_MAX_MS)) {
    notes.push(`join notices still arriving ${STORM_MAX_MS / 1000} s after the logins`);
  }
}

/** Stalls every client if the profile says so, holds for D seconds, and reads the memory. */
async function holdStalled(
  crowd: Crowd,
  protocol: Protocol,
  profile: Profile,
  meter: ServerMeter,
): Promise<MemorySample> {
  if (profile.stall !== undefined) {
    const bytes = stallBytes(protocol, profile.stall.declaredBytes, profile.stall.sentBytes);
    for (const client of crowd.clients) client.send(bytes);
  }
  await sleep(profile.durationSeconds * 1000);
  return await meter.memory();
}

/** What a wave left: the server's RSS once it was idle after the clients closed, and when. */
interface AfterClose {
  rssBytes: number;
  /** Seconds from the close until the server was idle (its leave work done). */
  idleAfterSeconds: number;
}

/**
 * Closes every client, waits until the server has done their departures (its CPU below
 * {@link IDLE_CPU_SHARE} of a core over two spans of {@link IDLE_SPAN_MS} in a row) and a little
 * more, and reads its RSS.
 */
async function closeAndRead(crowd: Crowd, meter: ServerMeter): Promise<AfterClose> {
  await crowd.close();
  const start = performance.now();
  let before = await meter.cpu();
  let idleSpans = 0;
  // Two idle spans in a row: one can fall in a pause between bursts of departures.
  while (idleSpans < 2 && performance.now() - start < IDLE_MAX_MS) {
    await sleep(IDLE_SPAN_MS);
    const now = await meter.cpu();
    const busy = (now.server - before.server) / (IDLE_SPAN_MS / 1000);
    before = now;
    idleSpans = busy < IDLE_CPU_SHARE ? idleSpans + 1 : 0;
  }
  const idleAfterSeconds = (performance.now() - start) / 1000;
  await sleep(AFTER_IDLE_MS);
  return { rssBytes: (await meter.memory()).rssBytes, idleAfterSeconds };
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
