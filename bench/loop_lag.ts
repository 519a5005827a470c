/**
 * The load generator's own event-loop lag: how late a 5 ms timer fires. When the generator is
 * busy, replies wait in its socket buffers before they are read and timestamped, so measured
 * latencies include this lag; reporting it keeps the latency columns honest.
 * @module
 */

import { LatencyHistogram } from "./latency.ts";

const INTERVAL_MS = 5;

/** Samples the event loop's lag until stopped. */
export class LoopLagMonitor {
  readonly #lag = new LatencyHistogram();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #expected = 0;

  /** Starts sampling. */
  start(): void {
    this.#expected = performance.now() + INTERVAL_MS;
    this.#timer = setTimeout(() => this.#tick(), INTERVAL_MS);
  }

  /** Stops sampling; returns the lag's p99 and maximum in microseconds. */
  stop(): { p99Micros: number; maxMicros: number } {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    return { p99Micros: this.#lag.percentile(0.99), maxMicros: this.#lag.maxMicros };
  }

  #tick(): void {
    const now = performance.now();
    this.#lag.record(Math.round((now - this.#expected) * 1000));
    this.#expected = now + INTERVAL_MS;
    this.#timer = setTimeout(() => this.#tick(), INTERVAL_MS);
  }
}
