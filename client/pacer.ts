/**
 * Client-side pacing of outgoing messages. The server drops what a client sends beyond its flood
 * limit (by default 10 a second with bursts of 30), so a pasted block or a piped file would lose
 * lines. Pacing a little under that limit, with a token bucket of our own, delivers every line
 * instead; a server with a higher limit or none just receives them at this pace.
 * @module
 */

/** Messages a second the client sends at most, on average (under the server's default of 10). */
export const DEFAULT_SEND_RATE = 8;
/** Messages the client sends in a burst (under the server's default of 30). */
export const DEFAULT_SEND_BURST = 20;

/**
 * The burst that goes with a rate: the default burst at the default rate and above, and two and
 * a half seconds' worth below it, so `--rate 1` does not start with twenty lines at once.
 */
export function sendBurstFor(rate: number): number {
  if (rate <= 0) return DEFAULT_SEND_BURST;
  return Math.max(1, Math.min(DEFAULT_SEND_BURST, Math.ceil(rate * 2.5)));
}

/** A token bucket over an injected clock; pure apart from that clock. */
export class SendPacer {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #refilledAt: number;

  /** `rate` 0 turns pacing off. `now` returns milliseconds. */
  constructor(rate: number, burst: number, now: () => number = () => performance.now()) {
    this.#rate = Math.max(0, rate);
    this.#burst = Math.max(1, burst);
    this.#now = now;
    this.#tokens = this.#burst;
    this.#refilledAt = now();
  }

  /** Milliseconds until the next message may go (0: now). */
  delay(): number {
    if (this.#rate === 0) return 0;
    this.#refill();
    if (this.#tokens >= 1) return 0;
    return Math.ceil(((1 - this.#tokens) * 1000) / this.#rate);
  }

  /** Counts one message as sent. */
  take(): void {
    if (this.#rate === 0) return;
    this.#refill();
    this.#tokens = Math.max(0, this.#tokens - 1);
  }

  /** A full bucket again: a new connection starts with a fresh server-side bucket too. */
  reset(): void {
    this.#tokens = this.#burst;
    this.#refilledAt = this.#now();
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#refilledAt;
    if (elapsed <= 0) return;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
    this.#refilledAt = now;
  }
}
