/**
 * Flood control: a token bucket per client, and the "N messages dropped" notice at most once
 * per second.
 * @module
 */

import type { Clock, Timer } from "./clock.ts";
import { processCounters } from "./metrics/counters.ts";
import { TokenBucket } from "./token_bucket.ts";

/** Shortest gap between two flood notices to the same client. */
export const FLOOD_NOTICE_INTERVAL_MS = 1000;

/**
 * Admits messages at `rate` per second on average with bursts up to `burst`, and counts what it
 * refuses. Call {@link FloodGate.endOfBatch} after each batch of frames read together: the drops
 * are then reported in one notice, at once if none was sent in the last second, otherwise when
 * that second is over. A rate of 0 admits everything.
 */
export class FloodGate {
  readonly #bucket: TokenBucket | null;
  readonly #clock: Clock;
  readonly #report: (dropped: number) => void;
  #dropped = 0;
  #lastNoticeAt = -Infinity;
  #timer: Timer | null = null;

  constructor(rate: number, burst: number, clock: Clock, report: (dropped: number) => void) {
    this.#bucket = rate > 0 ? new TokenBucket(rate, Math.max(1, burst), clock) : null;
    this.#clock = clock;
    this.#report = report;
  }

  /** Takes a token for one message; false means drop it (and it is counted). */
  allow(): boolean {
    if (this.#bucket === null || this.#bucket.take()) return true;
    this.#dropped++;
    processCounters.floodDrops++;
    return false;
  }

  /** Reports the drops counted so far, now or at the end of the current notice interval. */
  endOfBatch(): void {
    if (this.#dropped === 0 || this.#timer !== null) return;
    const wait = this.#lastNoticeAt + FLOOD_NOTICE_INTERVAL_MS - this.#clock.now();
    if (wait <= 0) {
      this.#flush();
    } else {
      this.#timer = this.#clock.after(wait, () => {
        this.#timer = null;
        this.#flush();
      });
    }
  }

  /** Cancels a pending notice; the gate is no longer used. */
  dispose(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }

  #flush(): void {
    if (this.#dropped === 0) return;
    const dropped = this.#dropped;
    this.#dropped = 0;
    this.#lastNoticeAt = this.#clock.now();
    this.#report(dropped);
  }
}
