/**
 * `--idle-timeout`: closes logged-in clients that sent nothing for too long, such as a peer that
 * vanished without a FIN (lid closed, Wi-Fi gone, a NAT that forgot the mapping), which TCP
 * would notice only after hours.
 *
 * Cheap at scale: each session keeps one number (when its read loop last got bytes) and one
 * server-wide interval looks at them every quarter of the timeout (at least every second), so
 * 10,000 idle connections cost no timer each. A silent client is closed between the timeout and
 * 1.25 times it after its last byte.
 * @module
 */

import type { Clock, Timer } from "./clock.ts";
import { idleTimeoutNotice, LeaveReason } from "./notices.ts";

/** What the sweep needs of a session. */
export interface IdleCandidate {
  /** Only logged-in sessions are swept; the login timeout governs the others. */
  readonly loggedIn: boolean;
  /** When bytes last arrived from the peer, in the clock's milliseconds. */
  readonly lastReadAt: number;
  /** Ends the session with an error notice; the others are told it left for `reason`. */
  kick(text: string, reason: string): void;
}

/** How often the sweep runs for a timeout of `seconds`: a quarter of it, at least a second. */
export function sweepIntervalMs(seconds: number): number {
  return Math.max(1000, Math.floor(seconds * 1000 / 4));
}

/**
 * Closes every logged-in candidate silent for `timeoutMs` or longer at `now`, with the idle
 * notice and the leave reason `timed out`. Returns how many were closed.
 */
export function sweepIdle(
  candidates: Iterable<IdleCandidate>,
  now: number,
  timeoutSeconds: number,
): number {
  const cutoff = now - timeoutSeconds * 1000;
  // Collected first: kicking changes the room (and may change the collection) as it goes.
  const idle: IdleCandidate[] = [];
  for (const candidate of candidates) {
    if (candidate.loggedIn && candidate.lastReadAt <= cutoff) idle.push(candidate);
  }
  const text = idleTimeoutNotice(timeoutSeconds);
  for (const candidate of idle) candidate.kick(text, LeaveReason.timedOut);
  return idle.length;
}

/**
 * Starts the server-wide sweep for `--idle-timeout SECONDS`; null when it is 0 (off: no timer).
 * The caller cancels the returned timer at shutdown.
 */
export function startIdleSweep(
  clock: Clock,
  timeoutSeconds: number,
  candidates: () => Iterable<IdleCandidate>,
): Timer | null {
  if (timeoutSeconds <= 0) return null;
  return clock.every(
    sweepIntervalMs(timeoutSeconds),
    () => sweepIdle(candidates(), clock.now(), timeoutSeconds),
  );
}
