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

/** A byte budget besides the message count: its rate per second and its burst. */
export interface ByteLimit {
  /** Bytes per second on average; 0 turns the limit off. */
  readonly rate: number;
  /** Bytes at once; raised to `largest` when smaller, so every allowed message can pass. */
  readonly burst: number;
  /** The largest message (its bytes), which the burst must hold. */
  readonly largest: number;
}

/** A byte bucket for `limit`, or null when the limit is off. */
export function byteBucket(limit: ByteLimit, clock: Clock): TokenBucket | null {
  if (limit.rate <= 0) return null;
  return new TokenBucket(limit.rate, Math.max(limit.burst, limit.largest, 1), clock);
}

/**
 * Admits messages at `rate` per second on average with bursts up to `burst`, and, with a byte
 * limit, their bytes at its rate and burst, and counts what it refuses. Call
 * {@link FloodGate.endOfBatch} after each batch of frames read together: the drops are then
 * reported in one notice, at once if none was sent in the last second, otherwise when that second
 * is over. A rate of 0 admits everything.
 */
export class FloodGate {
  readonly #bucket: TokenBucket | null;
  readonly #bytes: TokenBucket | null;
  readonly #clock: Clock;
  readonly #report: (dropped: number) => void;
  #dropped = 0;
  #lastNoticeAt = -Infinity;
  #timer: Timer | null = null;

  constructor(
    rate: number,
    burst: number,
    clock: Clock,
    report: (dropped: number) => void,
    bytes: ByteLimit | null = null,
  ) {
    this.#bucket = rate > 0 ? new TokenBucket(rate, Math.max(1, burst), clock) : null;
    this.#bytes = rate > 0 && bytes !== null ? byteBucket(bytes, clock) : null;
    this.#clock = clock;
    this.#report = report;
  }

  /**
   * Takes a token for one message of `bytes` bytes (0: a command that costs no bytes); false
   * means drop it (and it is counted).
   */
  allow(bytes = 0): boolean {
    if (this.#bucket === null) return true;
    if (this.#bucket.take() && (bytes === 0 || this.#bytes === null || this.#bytes.take(bytes))) {
      return true;
    }
    this.#dropped++;
    processCounters.floodDrops++;
    return false;
  }

  /** Counts one message dropped for a reason outside this gate (the room's own budget). */
  refused(): void {
    this.#dropped++;
    processCounters.floodDrops++;
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
