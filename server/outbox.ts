/**
 * One client's outgoing bytes: a queue drained by a single writer, so frames never interleave,
 * a slow reader never blocks whoever enqueues, and its backlog stays bounded.
 * @module
 */

import {
  type Flushable,
  type FlushScheduler,
  FlushSlot,
  processFlushScheduler,
} from "./flush_scheduler.ts";
import { processCounters } from "./metrics/counters.ts";
import { processSharedLog, type SharedLog } from "./shared_log.ts";
import { type Clock, systemClock } from "./clock.ts";

/** Where an outbox writes: a socket, or anything that may accept fewer bytes than offered. */
export interface ByteSink {
  /** Writes some prefix of `bytes`; resolves with how many were taken. */
  write(bytes: Uint8Array): Promise<number>;
}

/**
 * Why an outbox stopped: too many unsent bytes (`overflow`), bytes left unsent too long
 * (`behind`), or the socket failed.
 */
export type OutboxFailure =
  | { kind: "overflow"; pendingBytes: number }
  | { kind: "behind"; pendingBytes: number; behindMs: number }
  | { kind: "write-error"; error: unknown };

/**
 * Below this many unsent bytes a reader is never judged by age: the age check (one clock read per
 * delivery) only runs for readers that are really behind.
 */
export const BEHIND_CHECK_BYTES = 256 * 1024;

/** Largest single write built by copying several queued runs together. */
export const COALESCE_LIMIT_BYTES = 64 * 1024;
/** A queued run at least this long is written from where it lies, without a copy. */
export const ZERO_COPY_MIN_BYTES = 4096;

/**
 * A run of queued bytes: part of one frame for this client only, or consecutive frames of the
 * shared log's arena (which grows at `end` while the run is the last one queued).
 */
interface Segment {
  readonly bytes: Uint8Array;
  start: number;
  end: number;
  readonly shared: boolean;
}

/** What an outbox works with besides its sink; tests give their own. */
export interface OutboxDeps {
  /** Where fanned-out frames are kept once (default: the process's log). */
  log?: SharedLog;
  /** Decides when queued bytes are written (default: the process's scheduler). */
  scheduler?: FlushScheduler;
  /**
   * Longest a byte may wait unsent, in ms, once more than {@link BEHIND_CHECK_BYTES} are
   * pending; past it the outbox stops with `behind` (default: no age limit).
   */
  maxAgeMs?: number;
  /** Time for the age limit (default: the system clock). */
  clock?: Clock;
}

/**
 * A bounded, coalescing send queue. Enqueuing never waits: it records the bytes and asks the
 * {@link FlushScheduler} for a flush, which comes once the current work is done (or, under load,
 * a few milliseconds after this client's previous write), so frames enqueued meanwhile go out in
 * one write, as do frames enqueued while a write is in flight. Frames fanned out to many members
 * are copied once into a {@link SharedLog}; this outbox keeps only byte ranges of it, and a run of
 * consecutive broadcasts is written straight from the log. A reader is too slow when bytes queued
 * more than `maxAgeMs` ago are still unsent (judged while more than {@link BEHIND_CHECK_BYTES} are
 * pending, when more arrive), or when the unsent bytes (queued plus in flight) would pass
 * `limitBytes`, the memory guard: the outbox then drops its backlog, stops, and reports `behind`
 * or `overflow` once: the slow reader is the one to go.
 *
 * The age is tracked with one mark, not a time per frame: the time the reader was first seen
 * behind and the count of bytes enqueued by then. Once those bytes are written the mark moves to
 * the present, so a byte is reported at most `2 * maxAgeMs` after it was queued and never before
 * `maxAgeMs`.
 */
export class Outbox implements Flushable {
  /** The scheduler's bookkeeping for this outbox. */
  readonly flushSlot: FlushSlot = new FlushSlot();
  readonly #sink: ByteSink;
  readonly #limit: number;
  readonly #onFailure: (failure: OutboxFailure) => void;
  readonly #log: SharedLog;
  readonly #scheduler: FlushScheduler;
  #segments: Segment[] = [];
  #head = 0;
  /** Bytes in the segments. */
  #queued = 0;
  /** Bytes queued or in flight. */
  #pending = 0;
  #writing = false;
  #stopped = false;
  #drainWaiters: (() => void)[] | null = null;
  /** The age limit in ms (Infinity: none) and its clock. */
  readonly #maxAge: number;
  readonly #clock: Clock;
  /** Bytes ever enqueued and ever written: positions in this client's stream. */
  #enqueuedTotal = 0;
  #writtenTotal = 0;
  /** When the reader was seen behind (-1: it is not), and the stream position then. */
  #markAt = -1;
  #markUpTo = 0;
  /** Woken once pending bytes fall to `#lowWater` (back-pressure on the client's own reading). */
  #lowWaiter: (() => void) | null = null;
  #lowWater = 0;

  constructor(
    sink: ByteSink,
    limitBytes: number,
    onFailure: (failure: OutboxFailure) => void,
    deps: OutboxDeps = {},
  ) {
    this.#sink = sink;
    this.#limit = limitBytes;
    this.#onFailure = onFailure;
    this.#log = deps.log ?? processSharedLog;
    this.#scheduler = deps.scheduler ?? processFlushScheduler;
    this.#maxAge = deps.maxAgeMs !== undefined && deps.maxAgeMs > 0 ? deps.maxAgeMs : Infinity;
    this.#clock = deps.clock ?? systemClock;
  }

  /** Unsent bytes, queued or in flight. */
  get pendingBytes(): number {
    return this.#pending;
  }

  /** True once the outbox overflowed, failed to write, or was stopped. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Queues bytes for this client. The array is never copied or modified. Returns false if the
   * outbox is stopped or just overflowed.
   */
  enqueue(bytes: Uint8Array): boolean {
    if (!this.#admit(bytes.length)) return false;
    if (bytes.length === 0) return true;
    this.#segments.push({ bytes, start: 0, end: bytes.length, shared: false });
    this.#wake();
    return true;
  }

  /**
   * Queues bytes that are being handed to many outboxes in a row (a room fan-out): they are kept
   * once, in the shared log, and follow this client's previous broadcast without a gap when it
   * missed none. Returns false if the outbox is stopped or just overflowed.
   */
  enqueueShared(bytes: Uint8Array): boolean {
    if (!this.#admit(bytes.length)) return false;
    const span = this.#log.place(bytes);
    const segments = this.#segments;
    const last = segments.length > this.#head ? segments[segments.length - 1] : undefined;
    if (
      last !== undefined && last.shared && last.bytes === span.block && last.end === span.start
    ) {
      last.end = span.end;
    } else {
      segments.push({ bytes: span.block, start: span.start, end: span.end, shared: true });
    }
    this.#wake();
    return true;
  }

  /** Resolves when everything queued so far was written, or the outbox stopped. */
  drained(): Promise<void> {
    if (this.#pending === 0 || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => (this.#drainWaiters ??= []).push(resolve));
  }

  /**
   * Resolves once at most `bytes` are unsent, or the outbox stopped: a session waits on it before
   * reading more requests while its own replies pile up. One waiter at a time.
   */
  below(bytes: number): Promise<void> {
    if (this.#pending <= bytes || this.#stopped) return Promise.resolve();
    this.#lowWater = bytes;
    return new Promise((resolve) => this.#lowWaiter = resolve);
  }

  /** Drops the backlog and refuses further bytes (an in-flight write is left to its socket). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#scheduler.withdraw(this);
    this.#segments = [];
    this.#head = 0;
    this.#queued = 0;
    this.#pending = 0;
    this.#wakeDrainWaiters();
    this.#wakeLowWaiter();
  }

  /** Starts one write of what is queued (the scheduler calls this). */
  flush(): void {
    if (this.#writing || this.#stopped || this.#queued === 0) return;
    this.#writing = true;
    void this.#write(this.#takeChunk());
  }

  /** Counts `length` more unsent bytes, or stops the outbox as too slow. */
  #admit(length: number): boolean {
    if (this.#stopped) return false;
    const pendingBytes = this.#pending + length;
    if (pendingBytes > this.#limit) {
      this.stop();
      this.#onFailure({ kind: "overflow", pendingBytes });
      return false;
    }
    if (pendingBytes > BEHIND_CHECK_BYTES && this.#maxAge !== Infinity) {
      const behindMs = this.#behindMs();
      if (behindMs > this.#maxAge) {
        this.stop();
        this.#onFailure({ kind: "behind", pendingBytes, behindMs });
        return false;
      }
    }
    this.#pending = pendingBytes;
    this.#queued += length;
    this.#enqueuedTotal += length;
    this.#scheduler.noteDelivery(this.flushSlot);
    return true;
  }

  /** How long the mark's bytes have waited (setting the mark when there is none). */
  #behindMs(): number {
    const now = this.#clock.now();
    if (this.#markAt < 0 || this.#writtenTotal >= this.#markUpTo) {
      this.#markAt = now;
      this.#markUpTo = this.#enqueuedTotal;
      return 0;
    }
    return now - this.#markAt;
  }

  /** After a write: once the mark's bytes are out, the mark moves to now (or goes). */
  #moveMark(): void {
    if (this.#markAt < 0 || this.#writtenTotal < this.#markUpTo) return;
    if (this.#pending > BEHIND_CHECK_BYTES) {
      this.#markAt = this.#clock.now();
      this.#markUpTo = this.#enqueuedTotal;
    } else {
      this.#markAt = -1;
    }
  }

  #wake(): void {
    if (!this.#writing) this.#scheduler.request(this);
  }

  /** Writes `chunk` (in several writes if the socket takes part of it), then asks for more. */
  async #write(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    try {
      while (offset < chunk.length) {
        const written = await this.#sink.write(offset === 0 ? chunk : chunk.subarray(offset));
        processCounters.bytesSent += written;
        if (this.#stopped) return;
        offset += written;
      }
    } catch (error) {
      if (!this.#stopped) {
        this.stop();
        this.#onFailure({ kind: "write-error", error });
      }
      return;
    } finally {
      this.#writing = false;
    }
    this.#pending -= chunk.length;
    this.#writtenTotal += chunk.length;
    this.#moveMark();
    if (this.#lowWaiter !== null && this.#pending <= this.#lowWater) this.#wakeLowWaiter();
    if (this.#queued > 0) this.#scheduler.request(this);
    else if (this.#pending === 0) this.#wakeDrainWaiters();
  }

  /**
   * Takes the next write off the queue: a long run (or the only one) as it lies, without a copy;
   * otherwise the queued runs copied into one buffer, up to the coalescing limit.
   */
  #takeChunk(): Uint8Array {
    const segments = this.#segments;
    let head = this.#head;
    const first = segments[head];
    const firstLength = first.end - first.start;
    if (head + 1 === segments.length || firstLength >= ZERO_COPY_MIN_BYTES) {
      this.#queued -= firstLength;
      this.#advance(head + 1);
      return first.start === 0 && first.end === first.bytes.length
        ? first.bytes
        : first.bytes.subarray(first.start, first.end);
    }
    const size = Math.min(this.#queued, COALESCE_LIMIT_BYTES);
    const chunk = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const segment = segments[head];
      const take = Math.min(segment.end - segment.start, size - at);
      chunk.set(segment.bytes.subarray(segment.start, segment.start + take), at);
      at += take;
      segment.start += take;
      if (segment.start === segment.end) head++;
    }
    this.#queued -= size;
    this.#advance(head);
    return chunk;
  }

  /** Moves the queue's head to `head`, forgetting the segments before it. */
  #advance(head: number): void {
    const segments = this.#segments;
    if (head >= segments.length) {
      segments.length = 0;
      this.#head = 0;
    } else if (head > 64 && head * 2 > segments.length) {
      segments.splice(0, head);
      this.#head = 0;
    } else {
      this.#head = head;
    }
  }

  #wakeLowWaiter(): void {
    const wake = this.#lowWaiter;
    this.#lowWaiter = null;
    wake?.();
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    if (waiters === null) return;
    this.#drainWaiters = null;
    for (const wake of waiters) wake();
  }
}
