/**
 * What one run measures, for the traffic profiles and for the idle profile, and the report of a
 * whole invocation.
 * @module
 */

import type { ProfileName } from "./profiles.ts";
import type { TargetName } from "./targets/target.ts";

/** Figures shared by every kind of run. */
interface RunBase {
  /** Clients the profile opens (N). */
  clients: number;
  /** Server processes measured: 1, or a cluster's instances (CPU and memory summed over them). */
  serverProcesses: number;
  /**
   * A cluster: CPU seconds of its Redis over the same span as serverCpuSeconds (not included in
   * it); absent for a single server.
   */
  redisCpuSeconds?: number;
  /** The server's (a cluster: every instance's, summed) peak resident memory (VmHWM) at the end of the run, bytes. */
  serverPeakRssBytes: number;
  /** Clients that could not log in. */
  loginFailures: number;
  /** Clients dropped by the server after logging in. */
  drops: number;
  /** From the first connect to the last successful login, seconds. */
  loginSeconds: number;
  /** Rise of the kernel's ListenOverflows counter during the logins (SYNs dropped). */
  synDrops: number;
  /** Why logins failed or clients were dropped, for the notes under the table. */
  notes: string[];
}

/** One run of a traffic profile. */
export interface TrafficResult extends RunBase {
  kind: "traffic";
  /** Deliveries received in the window per second, summed over all receivers. */
  deliveriesPerSecond: number;
  /** Deliveries received in the window. */
  windowDeliveries: number;
  windowSeconds: number;
  p50Micros: number;
  p99Micros: number;
  maxMicros: number;
  /** Messages sent over the whole run (warm-up, window). */
  sent: number;
  /** Deliveries expected for them: each to every client but its sender. */
  expected: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  corrupt: number;
  /** Server CPU seconds (user + system) during the window. */
  serverCpuSeconds: number;
  /** Server CPU microseconds per delivery in the window. */
  serverCpuMicrosPerDelivery: number;
  /** The load generator's own CPU use during the window, in percent of one core. */
  generatorCpuPercent: number;
  /**
   * Deliveries per socket read during the window: about 1 means the server wrote each message
   * to each recipient separately; more means it coalesced (or the reader fell behind).
   */
  deliveriesPerRead: number;
  /** How late the generator's own 5 ms timer fired during the window (p99), microseconds:
   * latencies include roughly this much of the generator's own delay. */
  generatorLagP99Micros: number;
}

/** One run of the idle profile. */
export interface IdleResult extends RunBase {
  kind: "idle";
  loggedIn: number;
  /** Users announced as joining, summed over receivers. */
  joinNotices: number;
  /** What every client seeing every later login adds up to: L(L-1)/2. */
  expectedJoinNotices: number;
  /** History replays received whole (one per client when the server replays history). */
  replays: number;
  /** Server VmRSS before any client connected. */
  baselineRssBytes: number;
  /** Server VmRSS with every client logged in and idle. */
  idleRssBytes: number;
  /** (idle RSS - baseline RSS) / logged-in clients (stalled-bodies: per stalled connection). */
  bytesPerIdleConnection: number;
  /**
   * stalled-bodies: server VmRSS once the server was idle after every client closed (plus 2 s),
   * to show the memory is given back (compare with the baseline).
   */
  afterCloseRssBytes?: number;
  /**
   * stalled-bodies: a second wave of as many stalled clients after the first closed, its VmRSS
   * with them and after they closed: memory the first wave left and the second reused
   * (rather than added to) shows as a second wave that ends where the first did.
   */
  secondWave?: { stalledRssBytes: number; afterCloseRssBytes: number };
  /** Server CPU seconds from the first connect until the join storm was over. */
  serverCpuSeconds: number;
  generatorCpuPercent: number;
}

/** A run that could not complete (the server failed to start, crashed, ...). */
export interface FailedRun {
  kind: "failed";
  error: string;
}

/**
 * A profile the target cannot take part in by its nature (an IRC server has no WebSocket for
 * fanout-web): not a failure, and not run.
 */
export interface NotApplicableRun {
  kind: "not applicable";
  reason: string;
}

/** Any run's outcome. */
export type RunResult = TrafficResult | IdleResult | FailedRun | NotApplicableRun;

/** True for a run that measured something (not failed, not applicable). */
export function isMeasured(run: RunResult): run is TrafficResult | IdleResult {
  return run.kind === "traffic" || run.kind === "idle";
}

/** All runs of one profile against one target. */
export interface ReportRow {
  profile: ProfileName;
  target: TargetName;
  runs: RunResult[];
}

/** One invocation's results. */
export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: { cores: number; cpu: string; kernel: string; memoryGiB: number };
  command: string;
  rows: ReportRow[];
}
