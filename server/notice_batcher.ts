/**
 * When join and leave notices go out. A login storm (10,000 clients arriving within seconds)
 * announced one join at a time is 50 million notices, and a crowd leaving at once as many leave
 * notices; their writes churn the process's memory long after the moment. So joins and leaves
 * are announced one by one while they are rare, and in busy moments gathered for a short window
 * and announced together (`alice, bob, carol and 47 others joined`, `alice and bob left`, see
 * PROTOCOL.md). The room keeps one batcher for joins and one for leaves.
 * @module
 */

import type { Clock, Timer } from "./clock.ts";
import { TokenBucket } from "./token_bucket.ts";

/** Joins (or leaves) announced one by one in a burst before batching starts. */
export const BATCH_BURST = 10;
/** Joins (or leaves) per second announced one by one in the long run. */
export const BATCH_RATE = 5;
/** How long a busy moment's joins (or leaves) are gathered before they are announced together. */
export const BATCH_WINDOW_MS = 500;

/** How notices are batched; tests and the room's owner may change the numbers. */
export interface BatchOptions {
  /** Where time comes from (the window's timer). */
  clock: Clock;
  /** Notices announced one by one in a burst (default {@link BATCH_BURST}). */
  burst?: number;
  /** Long-run rate of single announcements per second (default {@link BATCH_RATE}). */
  rate?: number;
  /** The gathering window in milliseconds (default {@link BATCH_WINDOW_MS}). */
  windowMs?: number;
}

/**
 * Decides, event by event (a join, a leave), whether to announce now or to gather. A token
 * bucket (`burst`, `rate`) admits single announcements; an event that finds it empty starts (or
 * joins) a batch that is handed to `flush` when the window ends. The owner also drains the batch
 * itself before anything else it sends, so a gathered event is never announced after what
 * happened next.
 */
export class NoticeBatcher<T> {
  readonly #clock: Clock;
  readonly #flush: () => void;
  readonly #singles: TokenBucket;
  readonly #windowMs: number;
  #pending: T[] = [];
  #timer: Timer | null = null;
  #closed = false;

  constructor(options: BatchOptions, flush: () => void) {
    this.#clock = options.clock;
    this.#flush = flush;
    this.#singles = new TokenBucket(
      options.rate ?? BATCH_RATE,
      options.burst ?? BATCH_BURST,
      options.clock,
    );
    this.#windowMs = Math.max(0, options.windowMs ?? BATCH_WINDOW_MS);
  }

  /** Events gathered and not yet announced. */
  get pending(): number {
    return this.#pending.length;
  }

  /**
   * An event: true means announce it on its own now (nothing is pending then); false means it
   * was gathered and `flush` will be called when the window ends.
   */
  admit(event: T): boolean {
    if (this.#closed) return true;
    if (this.#pending.length === 0 && this.#singles.take()) return true;
    this.#pending.push(event);
    this.#timer ??= this.#clock.after(this.#windowMs, () => {
      this.#timer = null;
      this.#flush();
    });
    return false;
  }

  /** Takes the gathered events, oldest first, and calls off the window's timer. */
  drain(): T[] {
    this.#timer?.cancel();
    this.#timer = null;
    const batch = this.#pending;
    if (batch.length > 0) this.#pending = [];
    return batch;
  }

  /**
   * No more gathering (the server is shutting down): later events are announced at once. The
   * owner drains what is pending first.
   */
  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = null;
  }
}
