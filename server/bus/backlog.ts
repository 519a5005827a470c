/**
 * The bound on what the cluster bus has handed to Redis and not yet seen answered: without it,
 * local users who chat faster than Redis takes their messages pile publications up in memory
 * without limit. Past half the bound the bus pushes back (sessions wait before their next
 * request); at the bound it sheds (the sender is told its message reached only this server).
 * @module
 */

import type { Clock, Timer } from "../clock.ts";

/** How much may be in flight to Redis at once, and how long a session waits when it is busy. */
export interface BusBacklogLimits {
  /** Publications sent and not yet answered. */
  readonly maxPublications: number;
  /** Their estimated bytes (text, names, the command around them). */
  readonly maxBytes: number;
  /** Longest one wait for the backlog to fall below half, in ms, before a session goes on. */
  readonly waitMs: number;
}

/** The defaults: 1,024 publications, 4 MiB, 1 s. */
export const DEFAULT_BUS_BACKLOG: BusBacklogLimits = {
  maxPublications: 1024,
  maxBytes: 4 * 1024 * 1024,
  waitMs: 1000,
};

/** What one publication is counted as besides its text: the event's fields, the command, a promise. */
export const PUBLICATION_OVERHEAD_BYTES = 256;

/** Estimated memory of publishing `text` (UTF-16 in memory, then the encoded command). */
export function publicationBytes(text: string): number {
  return PUBLICATION_OVERHEAD_BYTES + 3 * text.length;
}

/** Counts the publications in flight; see the module doc. */
export class BusBacklog {
  readonly #limits: BusBacklogLimits;
  readonly #clock: Clock;
  #count = 0;
  #bytes = 0;
  #highest = 0;
  #shed = 0;
  #wait: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #timer: Timer | null = null;

  constructor(limits: BusBacklogLimits, clock: Clock) {
    this.#limits = limits;
    this.#clock = clock;
  }

  /** Publications in flight now. */
  get publications(): number {
    return this.#count;
  }

  /** The most publications ever in flight at once (for tests and measurements). */
  get highest(): number {
    return this.#highest;
  }

  /** Publications shed so far. */
  get shed(): number {
    return this.#shed;
  }

  /**
   * Counts a publication that may be shed (a chat or private message); false, and counted as
   * shed, when the backlog is full.
   */
  admit(bytes: number): boolean {
    if (
      this.#count + 1 > this.#limits.maxPublications || this.#bytes + bytes > this.#limits.maxBytes
    ) {
      this.#shed++;
      return false;
    }
    this.add(bytes);
    return true;
  }

  /** Counts a publication that is never shed (joins and leaves keep the rosters right). */
  add(bytes: number): void {
    this.#count++;
    this.#bytes += bytes;
    if (this.#count > this.#highest) this.#highest = this.#count;
  }

  /** A publication was answered (or failed). */
  done(bytes: number): void {
    this.#count--;
    this.#bytes -= bytes;
    if (this.#wake !== null && !this.#busy()) this.#release();
  }

  /**
   * Null while the backlog is under half its bound; otherwise a promise (shared by every waiting
   * session) that resolves once it is, or after `waitMs`, whichever comes first.
   */
  pressure(): Promise<void> | null {
    if (!this.#busy()) return null;
    if (this.#wait === null) {
      this.#wait = new Promise((resolve) => this.#wake = resolve);
      this.#timer = this.#clock.after(this.#limits.waitMs, () => this.#release());
    }
    return this.#wait;
  }

  /** Wakes every waiting session and cancels the timer (the bus is closing). */
  close(): void {
    this.#release();
  }

  #busy(): boolean {
    return this.#count * 2 > this.#limits.maxPublications ||
      this.#bytes * 2 > this.#limits.maxBytes;
  }

  #release(): void {
    this.#timer?.cancel();
    this.#timer = null;
    const wake = this.#wake;
    this.#wake = null;
    this.#wait = null;
    wake?.();
  }
}
