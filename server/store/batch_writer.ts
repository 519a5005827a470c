/**
 * Batched, never-blocking writes for a store backend: appends gather until the current
 * event-loop turn ends (and at least a few milliseconds after the previous batch) and are written
 * in one transaction (or one round trip). A batch that
 * fails is kept and retried; the room never waits for it. Past a bound, the oldest unsaved lines
 * are given up and counted as a gap, which is written with the first batch that succeeds.
 * @module
 */

import type { HistoryLine } from "../../protocol/mod.ts";
import type { Clock, Timer } from "../clock.ts";
import type { HistoryGap, StoreReport } from "./store.ts";
import { processCounters } from "../metrics/counters.ts";

/** What a backend does with one batch: write `gap` (if any) then `lines`, all or nothing. */
export type WriteBatch = (lines: readonly HistoryLine[], gap: HistoryGap | null) => unknown;

/** Unsaved lines kept for a retry while writes fail (about 10 s of a busy room). */
export const DEFAULT_PENDING_LIMIT = 10_000;
/** ...and at most this many characters of text, so a failing disk cannot fill the memory. */
export const DEFAULT_PENDING_CHARS = 8 * 1024 * 1024;
/** Pause before a failed batch is tried again. */
export const RETRY_MS = 1000;
/**
 * Least time between two batches: a commit costs about as much as a hundred appends, so under
 * load the turns of a few milliseconds share one, and commits stay a small part of the work.
 */
export const MIN_BATCH_INTERVAL_MS = 5;

/** How a BatchWriter runs. */
export interface BatchWriterOptions {
  /** The backend's write (a throw or a rejection is a failed batch). */
  readonly write: WriteBatch;
  /** Where failures and recoveries are told, one line each. */
  readonly report: StoreReport;
  /** Time for the retry pause. */
  readonly clock: Clock;
  /** Most unsaved lines kept while writes fail (default {@link DEFAULT_PENDING_LIMIT}). */
  readonly pendingLimit?: number;
  /** Most characters of unsaved text kept (default {@link DEFAULT_PENDING_CHARS}). */
  readonly pendingChars?: number;
}

/** Gathers appends and writes them in batches, retrying failed ones. */
export class BatchWriter {
  readonly #options: BatchWriterOptions;
  readonly #limit: number;
  readonly #charLimit: number;
  #pending: HistoryLine[] = [];
  /** Characters of text in `#pending`. */
  #pendingChars = 0;
  #lost: HistoryGap | null = null;
  #turn: ReturnType<typeof setTimeout> | null = null;
  #retry: Timer | null = null;
  #writing: Promise<void> | null = null;
  /** When the last batch was written (performance.now()), to space batches out. */
  #lastWriteAt = -Infinity;
  #failing = false;
  #closed = false;

  constructor(options: BatchWriterOptions) {
    this.#options = options;
    this.#limit = Math.max(1, options.pendingLimit ?? DEFAULT_PENDING_LIMIT);
    this.#charLimit = Math.max(1, options.pendingChars ?? DEFAULT_PENDING_CHARS);
  }

  /** Lines queued and not yet written. */
  get pending(): number {
    return this.#pending.length;
  }

  /** True while the last batch failed and no later one succeeded. */
  get failing(): boolean {
    return this.#failing;
  }

  /** Queues a line for the batch of this turn. */
  add(line: HistoryLine): void {
    if (this.#closed) return;
    this.#pending.push(line);
    this.#pendingChars += line.text.length;
    this.#bound();
    this.#schedule();
  }

  /** Writes what is queued now (after a write in flight); never rejects. */
  async flush(): Promise<void> {
    if (this.#writing !== null) await this.#writing;
    this.#cancelTurn();
    if (this.#pending.length > 0 || this.#lost !== null) await this.#run();
  }

  /** A last flush; later appends are ignored and no timer is left. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    this.#cancelTurn();
    this.#retry?.cancel();
    this.#retry = null;
  }

  #schedule(): void {
    if (this.#turn !== null || this.#writing !== null || this.#retry !== null) return;
    // The end of this event-loop turn (or a few milliseconds after the last batch, under load):
    // everything appended meanwhile is one batch.
    const wait = Math.max(0, this.#lastWriteAt + MIN_BATCH_INTERVAL_MS - performance.now());
    this.#turn = setTimeout(() => {
      this.#turn = null;
      void this.#run();
    }, Math.ceil(wait));
  }

  #cancelTurn(): void {
    if (this.#turn !== null) clearTimeout(this.#turn);
    this.#turn = null;
  }

  #run(): Promise<void> {
    const run = this.#write().finally(() => {
      this.#writing = null;
      this.#lastWriteAt = performance.now();
      if (!this.#closed && !this.#failing && this.#pending.length > 0) this.#schedule();
    });
    this.#writing = run;
    return run;
  }

  async #write(): Promise<void> {
    const batch = this.#pending;
    const batchChars = this.#pendingChars;
    const lost = this.#lost;
    this.#pending = [];
    this.#pendingChars = 0;
    this.#lost = null;
    try {
      await this.#options.write(batch, lost);
    } catch (error) {
      processCounters.storeWriteErrors++;
      this.#lost = merge(lost, this.#lost);
      this.#pending = batch.concat(this.#pending);
      this.#pendingChars += batchChars;
      this.#bound();
      if (!this.#failing) {
        this.#failing = true;
        this.#options.report.problem(
          `history: cannot save messages (${describe(error)}); the room goes on, retrying`,
        );
      }
      if (!this.#closed) {
        this.#retry?.cancel();
        this.#retry = this.#options.clock.after(RETRY_MS, () => {
          this.#retry = null;
          if (!this.#closed) void this.#run();
        });
      }
      return;
    }
    if (this.#failing) {
      this.#failing = false;
      const gap = lost === null ? "nothing was lost" : `${lost.lost} message(s) were not saved`;
      this.#options.report.info(`history: saving again; ${gap}`);
    }
  }

  /** Gives up the oldest unsaved lines past the limits, counting them as a gap. */
  #bound(): void {
    const pending = this.#pending;
    let over = Math.max(0, pending.length - this.#limit);
    let chars = this.#pendingChars;
    for (let i = 0; i < over; i++) chars -= pending[i].text.length;
    // Always keep the newest line, whatever its size.
    while (chars > this.#charLimit && over < pending.length - 1) {
      chars -= pending[over].text.length;
      over++;
    }
    if (over === 0) return;
    const dropped = pending.splice(0, over);
    this.#pendingChars = chars;
    const gap = { lost: dropped.length, from: dropped[0].time, to: dropped[over - 1].time };
    this.#lost = merge(this.#lost, gap);
  }
}

/** Two gaps as one (the first is the older). */
function merge(older: HistoryGap | null, newer: HistoryGap | null): HistoryGap | null {
  if (older === null) return newer;
  if (newer === null) return older;
  return { lost: older.lost + newer.lost, from: older.from, to: newer.to };
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0];
}
