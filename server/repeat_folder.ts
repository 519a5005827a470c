/**
 * Folding repeated console lines: a storm of the same error (23,000 "accept failed" a second)
 * must not flood the console or slow the server down with writes.
 * @module
 */

import type { Clock, Timer } from "./clock.ts";

/** How long repeats of one line are counted before one line tells how many there were. */
export const FOLD_WINDOW_MS = 1000;

/** Most distinct lines counted at once; past that, further lines share one count. */
export const FOLD_MAX_KEYS = 64;

/** The line that counts repeats of lines beyond {@link FOLD_MAX_KEYS}. */
export const OTHER_LINES = "other problems";

/**
 * Decides which lines are printed: the first of its text in a window is, the repeats are only
 * counted, and once a second `report(text, count)` tells the count of each text repeated in the
 * last second. A text not repeated for a whole second starts afresh.
 */
export class RepeatFolder {
  readonly #clock: Clock;
  readonly #report: (text: string, repeated: number) => void;
  /** Texts seen in the current window, with how often they were repeated in it. */
  readonly #counts = new Map<string, number>();
  #timer: Timer | null = null;

  constructor(clock: Clock, report: (text: string, repeated: number) => void) {
    this.#clock = clock;
    this.#report = report;
  }

  /** True when `text` should be printed now; false when it was counted as a repeat. */
  first(text: string): boolean {
    const count = this.#counts.get(text);
    if (count !== undefined) {
      this.#counts.set(text, count + 1);
      return false;
    }
    if (this.#counts.size >= FOLD_MAX_KEYS) {
      this.#counts.set(OTHER_LINES, (this.#counts.get(OTHER_LINES) ?? 0) + 1);
      return false;
    }
    this.#counts.set(text, 0);
    this.#timer ??= this.#clock.every(FOLD_WINDOW_MS, () => this.#tick());
    return true;
  }

  /** Reports what is still counted and stops the timer. */
  close(): void {
    this.#tick();
    this.#counts.clear();
    this.#timer?.cancel();
    this.#timer = null;
  }

  #tick(): void {
    for (const [text, count] of this.#counts) {
      if (count > 0) {
        this.#report(text, count);
        this.#counts.set(text, 0);
      } else {
        this.#counts.delete(text);
      }
    }
    if (this.#counts.size === 0) {
      this.#timer?.cancel();
      this.#timer = null;
    }
  }
}
