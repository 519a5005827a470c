/**
 * A benchmark target: a server the load generator can start fresh, talk to, measure and stop.
 * @module
 */

import type { Protocol } from "../crowd.ts";

/** The servers the benchmark knows. */
export const TARGET_NAMES = ["chat", "ngircd", "inspircd"] as const;

/** One of {@link TARGET_NAMES}. */
export type TargetName = typeof TARGET_NAMES[number];

/** A server process started for one run. */
export interface RunningServer {
  /** The process to measure (/proc/PID). */
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  /** Stops the process (SIGTERM, then SIGKILL) and frees what was made for it. Idempotent. */
  stop(): Promise<void>;
}

/** How to get a target ready and start it. */
export interface Target {
  readonly name: TargetName;
  readonly protocol: Protocol;
  /**
   * Logins the server can take in progress at once without its listen queue overflowing
   * (SYNs dropped cost a client a 1 s retransmit): about its accept backlog.
   */
  readonly maxPendingLogins: number;
  /**
   * IRC lines each sending client sends after registering and before joining, to lift what
   * flood protection only a command can lift (`{nick}` is the client's nick).
   */
  readonly senderSetup: readonly string[];
  /** Installs what is missing (IRC servers via apt-get); throws TargetUnavailableError. */
  prepare(): Promise<void>;
  /** Starts a fresh server on 127.0.0.1 and returns when it accepts connections. */
  start(maxClients: number): Promise<RunningServer>;
}

/** The target cannot run here (not installed and cannot be installed, or fails to start). */
export class TargetUnavailableError extends Error {
  readonly target: TargetName;
  constructor(target: TargetName, detail: string) {
    super(`${target}: ${detail}`);
    this.name = "TargetUnavailableError";
    this.target = target;
  }
}
