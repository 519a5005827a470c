/**
 * When join notices go out. A login storm (10,000 clients arriving within seconds) announced one
 * join at a time is 50 million notices, and their writes churn the process's memory long after
 * the storm. So joins are announced one by one while they are rare, and in busy moments gathered
 * for a short window and announced together (`alice, bob, carol and 47 others joined`, see
 * PROTOCOL.md). Every join is still announced to everyone who was online before it.
 * @module
 */

import type { Clock, Timer } from "./clock.ts";
import { TokenBucket } from "./token_bucket.ts";

/** Joins announced one by one in a burst before batching starts. */
export const JOIN_BURST = 10;
/** Joins per second announced one by one in the long run. */
export const JOIN_RATE = 5;
/** How long a busy moment's joins are gathered before they are announced together. */
export const JOIN_BATCH_MS = 500;

/** How joins are batched; tests and the room's owner may change the numbers. */
export interface JoinBatchOptions {
  /** Where time comes from (the window's timer). */
  clock: Clock;
  /** Joins announced one by one in a burst (default {@link JOIN_BURST}). */
  burst?: number;
  /** Long-run rate of single announcements per second (default {@link JOIN_RATE}). */
  rate?: number;
  /** The gathering window in milliseconds (default {@link JOIN_BATCH_MS}). */
  windowMs?: number;
}

/**
 * Decides, join by join, whether to announce now or to gather. A token bucket (`burst`,
 * `rate`) admits single announcements; a join that finds it empty starts (or joins) a batch
 * that is handed to `flush` when the window ends. The owner also drains the batch itself
 * before anything else it sends, so a batched join is never announced after what the newcomer
 * did next.
 */
export class JoinBatcher<T> {
  readonly #clock: Clock;
  readonly #flush: () => void;
  readonly #singles: TokenBucket;
  readonly #windowMs: number;
  #pending: T[] = [];
  #timer: Timer | null = null;
  #closed = false;

  constructor(options: JoinBatchOptions, flush: () => void) {
    this.#clock = options.clock;
    this.#flush = flush;
    this.#singles = new TokenBucket(
      options.rate ?? JOIN_RATE,
      options.burst ?? JOIN_BURST,
      options.clock,
    );
    this.#windowMs = Math.max(0, options.windowMs ?? JOIN_BATCH_MS);
  }

  /** Joins gathered and not yet announced. */
  get pending(): number {
    return this.#pending.length;
  }

  /**
   * A join: true means announce it on its own now (nothing is pending then); false means it was
   * gathered and `flush` will be called when the window ends.
   */
  admit(joiner: T): boolean {
    if (this.#closed) return true;
    if (this.#pending.length === 0 && this.#singles.take()) return true;
    this.#pending.push(joiner);
    this.#timer ??= this.#clock.after(this.#windowMs, () => {
      this.#timer = null;
      this.#flush();
    });
    return false;
  }

  /** Takes the gathered joins, oldest first, and calls off the window's timer. */
  drain(): T[] {
    this.#timer?.cancel();
    this.#timer = null;
    const batch = this.#pending;
    if (batch.length > 0) this.#pending = [];
    return batch;
  }

  /**
   * No more gathering (the server is shutting down): later joins are announced at once. The
   * owner drains what is pending first.
   */
  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = null;
  }
}
