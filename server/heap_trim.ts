/**
 * Giving memory back once a crowd has arrived or left. A login storm (10,000 clients within
 * seconds) makes V8 grow its young generation to its maximum (about 50 MiB) and leaves promoted
 * garbage in old space; an idle server runs no further collection, so the process keeps that
 * memory for as long as the clients stay idle. After many joins or leaves followed by a quiet
 * second, the server asks V8 once for a full, memory-reducing collection, which shrinks the young
 * generation and returns freed pages to the system (idle-10k, join notices gathered: about 12.7
 * KiB per idle connection without it, 7.1 with it; see docs/performance.md). The same happens
 * when the heap has grown by a good deal without any join or leave (8,000 connections each sending
 * a partial frame, say) and the room then falls quiet: the garbage their reads left would
 * otherwise stay committed.
 * @module
 */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Clock, Timer } from "./clock.ts";

/** Runs one full garbage collection that gives freed memory back to the system. */
export type CollectGarbage = () => void;

/** How long the room must be quiet (no joins, leaves or messages) before a collection. */
export const TRIM_QUIET_MS = 1000;
/** Joins and leaves since the last collection that make another one worth its pause. */
export const TRIM_MIN_CHANGES = 1000;
/** Growth of the committed heap since the last collection that makes another one worth it. */
export const TRIM_GROWTH_BYTES = 8 * 1024 * 1024;
/** The fewest milliseconds between two collections the heap's growth asks for. */
export const TRIM_GROWTH_INTERVAL_MS = 5000;
/** How often the heap's growth is looked at (one cheap read of V8's statistics). */
export const TRIM_CHECK_MS = 1000;

type GcFunction = (options: { type: string; execution: string; flavor: string }) => void;

let collector: CollectGarbage | null | undefined;

/**
 * V8's last-resort collection (the one behind a low-memory notification: full, compacting,
 * young generation shrunk), or null if the runtime does not offer it. Deno exposes no `gc`, so
 * the `--expose-gc` flag is set at run time and the function taken from a new context, where
 * V8 installs it; the server's own global scope is left as it is. Resolved once per process.
 */
export function lastResortCollector(): CollectGarbage | null {
  if (collector !== undefined) return collector;
  collector = null;
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("typeof gc === 'function' ? gc : undefined");
    if (typeof gc === "function") {
      const run = gc as GcFunction;
      collector = () => run({ type: "major", execution: "sync", flavor: "last-resort" });
    }
  } catch {
    // No such flag or no vm module: the server simply keeps what V8 keeps.
  }
  return collector;
}

/** Options for a {@link HeapTrimmer}; tests use small numbers. */
export interface HeapTrimOptions {
  /** Quiet milliseconds before a collection (default {@link TRIM_QUIET_MS}). */
  quietMs?: number;
  /** Joins and leaves that arm a collection (default {@link TRIM_MIN_CHANGES}). */
  minChanges?: number;
  /** Heap growth that asks for a collection (default {@link TRIM_GROWTH_BYTES}). */
  growthBytes?: number;
  /** Fewest ms between growth-asked collections (default {@link TRIM_GROWTH_INTERVAL_MS}). */
  growthIntervalMs?: number;
}

/** The committed JavaScript heap, in bytes (V8's total heap size). */
export type HeapSize = () => number;

/** The process's committed heap, from V8's statistics. */
export const committedHeap: HeapSize = () => Deno.memoryUsage().heapTotal;

/**
 * Decides when a collection is worth it: after at least `minChanges` joins and leaves, once the
 * room has had no event for `quietMs`. A busy room postpones it (a collection pauses the server
 * for tens of milliseconds), and a small room never arms it. One timer at most, armed only when
 * a collection is due. Given the heap's size, {@link HeapTrimmer.checkGrowth} (called
 * periodically by the owner) also collects when the heap grew by `growthBytes` since the last
 * collection and the room is quiet, at most once per `growthIntervalMs`.
 */
export class HeapTrimmer {
  readonly #clock: Clock;
  readonly #collect: CollectGarbage;
  readonly #quietMs: number;
  readonly #minChanges: number;
  #changes = 0;
  #lastEventAt = 0;
  #timer: Timer | null = null;
  #collections = 0;
  #stopped = false;
  readonly #heapSize: HeapSize | null;
  readonly #growthBytes: number;
  readonly #growthIntervalMs: number;
  /** The heap's size right after the last collection (or at the start). */
  #heapAfter = 0;
  #lastCollectionAt: number;

  constructor(
    clock: Clock,
    collect: CollectGarbage,
    options: HeapTrimOptions = {},
    heapSize: HeapSize | null = null,
  ) {
    this.#clock = clock;
    this.#collect = collect;
    this.#quietMs = options.quietMs ?? TRIM_QUIET_MS;
    this.#minChanges = options.minChanges ?? TRIM_MIN_CHANGES;
    this.#heapSize = heapSize;
    this.#growthBytes = options.growthBytes ?? TRIM_GROWTH_BYTES;
    this.#growthIntervalMs = options.growthIntervalMs ?? TRIM_GROWTH_INTERVAL_MS;
    this.#heapAfter = heapSize?.() ?? 0;
    this.#lastCollectionAt = clock.now();
  }

  /** Collections run so far. */
  get collections(): number {
    return this.#collections;
  }

  /** A room event: every event postpones a collection; joins and leaves count toward one. */
  note(membershipChange: boolean): void {
    if (this.#stopped) return;
    this.#lastEventAt = this.#clock.now();
    if (membershipChange) this.#changes++;
    if (this.#timer === null && this.#changes >= this.#minChanges) this.#arm(this.#quietMs);
  }

  /**
   * Collects if the heap grew by the configured amount since the last collection, the room has
   * been quiet for `quietMs` and the last collection is `growthIntervalMs` old; nothing without
   * a heap size, or while a collection for joins and leaves is already due.
   */
  checkGrowth(): void {
    if (this.#stopped || this.#timer !== null || this.#heapSize === null) return;
    const now = this.#clock.now();
    if (now - this.#lastEventAt < this.#quietMs) return;
    if (now - this.#lastCollectionAt < this.#growthIntervalMs) return;
    if (this.#heapSize() - this.#heapAfter < this.#growthBytes) return;
    this.#run();
  }

  /** Cancels a pending collection for good (server shutdown). */
  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
  }

  #arm(ms: number): void {
    this.#timer = this.#clock.after(ms, () => this.#check());
  }

  #check(): void {
    this.#timer = null;
    if (this.#stopped) return;
    const quietFor = this.#clock.now() - this.#lastEventAt;
    if (quietFor < this.#quietMs) {
      this.#arm(this.#quietMs - quietFor);
      return;
    }
    this.#run();
  }

  #run(): void {
    this.#changes = 0;
    this.#collections++;
    this.#collect();
    this.#lastCollectionAt = this.#clock.now();
    this.#heapAfter = this.#heapSize?.() ?? 0;
  }
}
