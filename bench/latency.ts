/**
 * A latency histogram with fixed memory: exact to the microsecond below 100 ms and to 100 µs up
 * to 100 s, so half a million deliveries a second cost one array increment each.
 * @module
 */

const FINE_LIMIT_US = 100_000;
const COARSE_STEP_US = 100;
const MAX_TRACKED_US = 100_000_000;
const BUCKETS = FINE_LIMIT_US + (MAX_TRACKED_US - FINE_LIMIT_US) / COARSE_STEP_US + 1;

/** Counts latencies so percentiles can be read at the end without keeping every sample. */
export class LatencyHistogram {
  readonly #buckets = new Uint32Array(BUCKETS);
  #count = 0;
  #max = 0;

  /** Number of samples recorded. */
  get count(): number {
    return this.#count;
  }

  /** The largest sample, in microseconds (exact, even past the tracked range). */
  get maxMicros(): number {
    return this.#max;
  }

  /** Adds one sample; negative values (clock noise) count as zero. */
  record(micros: number): void {
    const us = micros < 0 ? 0 : micros;
    if (us > this.#max) this.#max = us;
    this.#count++;
    let index: number;
    if (us < FINE_LIMIT_US) index = us | 0;
    else if (us >= MAX_TRACKED_US) index = BUCKETS - 1;
    else index = FINE_LIMIT_US + (((us - FINE_LIMIT_US) / COARSE_STEP_US) | 0);
    this.#buckets[index]++;
  }

  /** The latency at or below which `fraction` (0..1) of samples fall, in microseconds. */
  percentile(fraction: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(fraction * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#buckets[i];
      if (seen >= rank) {
        const value = i < FINE_LIMIT_US ? i : FINE_LIMIT_US + (i - FINE_LIMIT_US) * COARSE_STEP_US;
        return Math.min(value, this.#max);
      }
    }
    return this.#max;
  }
}
