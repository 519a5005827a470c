/**
 * Event-loop lag, measured cheaply: a timer asks to run every interval and notes how late it
 * ran. Four wake-ups a second cost nothing next to the server's work, and a late timer is what
 * every client's delivery also waits behind.
 * @module
 */

import type { MetricSource } from "./registry.ts";

/** How often the lag timer runs. */
export const LAG_SAMPLE_MS = 250;
/** The gauge shows the worst lag of the last one to two windows of this length. */
export const LAG_WINDOW_MS = 5000;

/** Samples how late a repeating timer runs. */
export class LoopLagMeter {
  readonly #now: () => number;
  #timer: ReturnType<typeof setInterval> | null;
  #expected: number;
  #windowStart: number;
  #current = 0;
  #previous = 0;

  /** Starts sampling at once; `now` is a monotonic clock in ms (default performance.now). */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#expected = now() + LAG_SAMPLE_MS;
    this.#windowStart = now();
    this.#timer = setInterval(() => this.sample(), LAG_SAMPLE_MS);
  }

  /** Notes one wake-up (the timer calls it; tests may too). */
  sample(): void {
    const now = this.#now();
    const lag = Math.max(0, now - this.#expected);
    this.#expected = now + LAG_SAMPLE_MS;
    if (now - this.#windowStart >= LAG_WINDOW_MS) {
      this.#previous = this.#current;
      this.#current = 0;
      this.#windowStart = now;
    }
    if (lag > this.#current) this.#current = lag;
  }

  /** The worst lag recently seen, in seconds. */
  get lagSeconds(): number {
    return Math.max(this.#current, this.#previous) / 1000;
  }

  /** Stops the timer. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** The gauge. */
  source(): MetricSource {
    return {
      name: "chat_event_loop_lag_seconds",
      help: `Worst delay of a ${LAG_SAMPLE_MS} ms timer over the last ${LAG_WINDOW_MS / 1000} to ${
        (2 * LAG_WINDOW_MS) / 1000
      } s: how long ready work waits for the event loop.`,
      type: "gauge",
      read: () => this.lagSeconds,
    };
  }
}
