/**
 * One client's outgoing bytes: a queue drained by a single writer, so frames never interleave,
 * a slow reader never blocks whoever enqueues, and its backlog stays bounded.
 * @module
 */

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

/**
 * A bounded, coalescing send queue. `enqueue` never waits: it records the bytes and wakes the
 * writer. While a write is in flight, later frames pile up and go out together in one write.
 * When the unsent bytes (queued plus in flight) would pass `limitBytes`, the outbox drops its
 * backlog, stops, and reports `overflow` once: the slow reader is the one to go.
 */
export class Outbox {
  readonly #sink: ByteSink;
  readonly #limit: number;
  readonly #onFailure: (failure: OutboxFailure) => void;
  #queue: Uint8Array[] = [];
  #pending = 0;
  #writing = false;
  #stopped = false;
  #drainWaiters: (() => void)[] = [];

  constructor(sink: ByteSink, limitBytes: number, onFailure: (failure: OutboxFailure) => void) {
    this.#sink = sink;
    this.#limit = limitBytes;
    this.#onFailure = onFailure;
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
   * Queues bytes for sending. The array is shared, never copied or modified, so one encoded
   * broadcast can sit in many outboxes. Returns false if the outbox is stopped or just overflowed.
   */
  enqueue(bytes: Uint8Array): boolean {
    if (this.#stopped) return false;
    if (this.#pending + bytes.length > this.#limit) {
      const pendingBytes = this.#pending + bytes.length;
      this.stop();
      this.#onFailure({ kind: "overflow", pendingBytes });
      return false;
    }
    this.#queue.push(bytes);
    this.#pending += bytes.length;
    if (!this.#writing) {
      this.#writing = true;
      Outbox.#schedule(this);
    }
    return true;
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

  /** Resolves when everything queued so far was written, or the outbox stopped. */
  drained(): Promise<void> {
    if (this.#pending === 0 || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Drops the backlog and refuses further bytes (an in-flight write is left to its socket). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#queue = [];
    this.#pending = 0;
    this.#wakeDrainWaiters();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.#stopped) {
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

  /** Takes the next write: one frame as is, or several copied into one buffer. */
  #takeChunk(): Uint8Array {
    const queue = this.#queue;
    const first = queue[0];
    if (queue.length === 1 || first.length >= COALESCE_LIMIT_BYTES) {
      queue.shift();
      return first;
    }
    let count = 0;
    let size = 0;
    while (count < queue.length && size + queue[count].length <= COALESCE_LIMIT_BYTES) {
      size += queue[count].length;
      count++;
    }
    if (count === 1) {
      queue.shift();
      return first;
    }
    const chunk = new Uint8Array(size);
    let at = 0;
    for (let i = 0; i < count; i++) {
      chunk.set(queue[i], at);
      at += queue[i].length;
    }
    if (count === queue.length) this.#queue = [];
    else queue.splice(0, count);
    return chunk;
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    if (waiters.length === 0) return;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }
}
