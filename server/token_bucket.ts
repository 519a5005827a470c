/**
 * A token bucket on the server's clock: the flood gate and the join batcher both allow bursts up
 * to a size and a steady rate after that.
 * @module
 */

import type { Clock } from "./clock.ts";

/** Up to `burst` takes at once, refilled at `rate` per second (fractions accumulate). */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #refilledAt: number;

  constructor(rate: number, burst: number, clock: Clock) {
    this.#rate = Math.max(0, rate);
    this.#burst = Math.max(0, burst);
    this.#clock = clock;
    this.#tokens = this.#burst;
    this.#refilledAt = clock.now();
  }

  /** Takes `count` tokens (default one) if there are that many; never more than the burst. */
  take(count = 1): boolean {
    const now = this.#clock.now();
    const elapsed = now - this.#refilledAt;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
      this.#refilledAt = now;
    }
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }
}
