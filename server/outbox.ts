/**
 * One client's outgoing bytes: a queue drained by a single writer, so frames never interleave,
 * a slow reader never blocks whoever enqueues, and its backlog stays bounded.
 * @module
 */

import { processSharedLog, type SharedLog } from "./shared_log.ts";

/** Where an outbox writes: a socket, or anything that may accept fewer bytes than offered. */
export interface ByteSink {
  /** Writes some prefix of `bytes`; resolves with how many were taken. */
  write(bytes: Uint8Array): Promise<number>;
}

/** Why an outbox stopped. */
export type OutboxFailure =
  | { kind: "overflow"; pendingBytes: number }
  | { kind: "write-error"; error: unknown };

/** Largest single write built by coalescing queued frames. */
export const COALESCE_LIMIT_BYTES = 256 * 1024;

/** A run of what is queued: consecutive shared-log entries, or one frame for this client only. */
type Segment = { shared: true; from: number; to: number } | { shared: false; bytes: Uint8Array };

/** Reused while building one write (synchronously), so coalescing allocates only the result. */
const parts: Uint8Array[] = [];

/**
 * A bounded, coalescing send queue. Enqueuing never waits: it records the bytes and wakes the
 * writer, which starts once the current work is done, so frames enqueued together go out in one
 * write, as do frames enqueued while a write is in flight. Frames fanned out to many members go
 * through a {@link SharedLog}: this outbox keeps only ranges of positions in it. When the unsent
 * bytes (queued plus in flight) would pass `limitBytes`, the outbox drops its backlog, stops, and
 * reports `overflow` once: the slow reader is the one to go.
 */
export class Outbox {
  readonly #sink: ByteSink;
  readonly #limit: number;
  readonly #onFailure: (failure: OutboxFailure) => void;
  readonly #log: SharedLog;
  #segments: Segment[] = [];
  #pending = 0;
  #writing = false;
  #stopped = false;
  #drainWaiters: (() => void)[] = [];

  constructor(
    sink: ByteSink,
    limitBytes: number,
    onFailure: (failure: OutboxFailure) => void,
    log: SharedLog = processSharedLog,
  ) {
    this.#sink = sink;
    this.#limit = limitBytes;
    this.#onFailure = onFailure;
    this.#log = log;
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
    this.#segments.push({ shared: false, bytes });
    this.#wake();
    return true;
  }

  /**
   * Queues bytes that are being handed to many outboxes in a row (a room fan-out): they are kept
   * once, in the shared log. Returns false if the outbox is stopped or just overflowed.
   */
  enqueueShared(bytes: Uint8Array): boolean {
    if (!this.#admit(bytes.length)) return false;
    const seq = this.#log.ref(bytes);
    const last = this.#segments[this.#segments.length - 1];
    if (last !== undefined && last.shared && last.to === seq) last.to++;
    else this.#segments.push({ shared: true, from: seq, to: seq + 1 });
    this.#wake();
    return true;
  }

  /** Resolves when everything queued so far was written, or the outbox stopped. */
  drained(): Promise<void> {
    if (this.#pending === 0 || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Drops the backlog and refuses further bytes (an in-flight write is left to its socket). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const segment of this.#segments) {
      if (segment.shared) {
        for (let seq = segment.from; seq < segment.to; seq++) this.#log.release(seq);
      }
    }
    this.#segments = [];
    this.#pending = 0;
    this.#wakeDrainWaiters();
  }

  /** Counts `length` more unsent bytes, or overflows. */
  #admit(length: number): boolean {
    if (this.#stopped) return false;
    if (this.#pending + length > this.#limit) {
      const pendingBytes = this.#pending + length;
      this.stop();
      this.#onFailure({ kind: "overflow", pendingBytes });
      return false;
    }
    this.#pending += length;
    return true;
  }

  #wake(): void {
    if (this.#writing) return;
    this.#writing = true;
    Outbox.#schedule(this);
  }

  /** Outboxes with bytes and no writer yet, started together once the current work is done. */
  static #due: Outbox[] = [];
  static #scheduled = false;

  /**
   * Defers starting the writer to a microtask shared by every outbox: frames enqueued by all the
   * reads completed in the same event-loop turn (a burst of logins, many senders at once) then go
   * out in one write per recipient instead of one write per frame.
   */
  static #schedule(outbox: Outbox): void {
    Outbox.#due.push(outbox);
    if (Outbox.#scheduled) return;
    Outbox.#scheduled = true;
    queueMicrotask(Outbox.#startDue);
  }

  static #startDue(): void {
    const due = Outbox.#due;
    Outbox.#due = [];
    Outbox.#scheduled = false;
    for (const outbox of due) void outbox.#drain();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#segments.length > 0 && !this.#stopped) {
        const chunk = this.#takeChunk();
        let offset = 0;
        while (offset < chunk.length) {
          const written = await this.#sink.write(offset === 0 ? chunk : chunk.subarray(offset));
          if (this.#stopped) return;
          offset += written;
        }
        this.#pending -= chunk.length;
        if (this.#pending === 0) this.#wakeDrainWaiters();
      }
    } catch (error) {
      if (!this.#stopped) {
        this.stop();
        this.#onFailure({ kind: "write-error", error });
      }
    } finally {
      this.#writing = false;
    }
  }

  /**
   * Takes the next write off the queue, up to the coalescing limit (or one larger frame): a lone
   * frame as is, several copied into one buffer. Shared-log entries are released as they are
   * taken, since the chunk now holds their bytes.
   */
  #takeChunk(): Uint8Array {
    const segments = this.#segments;
    const log = this.#log;
    let size = 0;
    let taken = 0;
    fill: while (taken < segments.length) {
      const segment = segments[taken];
      if (!segment.shared) {
        if (parts.length > 0 && size + segment.bytes.length > COALESCE_LIMIT_BYTES) break;
        parts.push(segment.bytes);
        size += segment.bytes.length;
        taken++;
        continue;
      }
      while (segment.from < segment.to) {
        const frame = log.frame(segment.from);
        if (parts.length > 0 && size + frame.length > COALESCE_LIMIT_BYTES) break fill;
        parts.push(frame);
        size += frame.length;
        log.release(segment.from);
        segment.from++;
      }
      taken++;
    }
    if (taken === segments.length) this.#segments = [];
    else if (taken > 0) segments.splice(0, taken);
    if (parts.length === 1) {
      const only = parts[0];
      parts.length = 0;
      return only;
    }
    const chunk = new Uint8Array(size);
    let at = 0;
    for (const part of parts) {
      chunk.set(part, at);
      at += part.length;
    }
    parts.length = 0;
    return chunk;
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    if (waiters.length === 0) return;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }
}
