/**
 * Flood control: a token bucket per client, and the "N messages dropped" notice at most once
 * per second.
 * @module
 */

import type { Clock, Timer } from "./clock.ts";

/** Shortest gap between two flood notices to the same client. */
export const FLOOD_NOTICE_INTERVAL_MS = 1000;

/**
 * Admits messages at `rate` per second on average with bursts up to `burst`, and counts what it
 * refuses. Call {@link FloodGate.endOfBatch} after each batch of frames read together: the drops
 * are then reported in one notice, at once if none was sent in the last second, otherwise when
 * that second is over. A rate of 0 admits everything.
 */
export class FloodGate {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  readonly #report: (dropped: number) => void;
  #tokens: number;
  #refilledAt: number;
  #dropped = 0;
  #lastNoticeAt = -Infinity;
  #timer: Timer | null = null;

  constructor(rate: number, burst: number, clock: Clock, report: (dropped: number) => void) {
    this.#rate = rate;
    this.#burst = Math.max(1, burst);
    this.#clock = clock;
    this.#report = report;
    this.#tokens = this.#burst;
    this.#refilledAt = clock.now();
  }

  /** Takes a token for one message; false means drop it (and it is counted). */
  allow(): boolean {
    if (this.#rate <= 0) return true;
    const now = this.#clock.now();
    const elapsed = now - this.#refilledAt;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
      this.#refilledAt = now;
    }
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    this.#dropped++;
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
