/**
 * The up/down history of sent lines, like a shell's: Up recalls older lines, Down newer ones,
 * and going past the newest gives back the line that was being typed when browsing started.
 * @module
 */

/** Lines sent so far and where the user is browsing. */
export class History {
  #lines: string[] = [];
  readonly #limit: number;
  /** Index into #lines while browsing; #lines.length means the line being typed. */
  #index = 0;
  #draft = "";

  /** Keeps at most `limit` lines, dropping the oldest. */
  constructor(limit = 1000) {
    this.#limit = Math.max(1, limit);
  }

  /** The lines, oldest first. */
  get lines(): readonly string[] {
    return this.#lines;
  }

  /** Records a sent line (not an empty one, nor a repeat of the last) and stops browsing. */
  add(line: string): void {
    if (line.length > 0 && this.#lines.at(-1) !== line) {
      this.#lines.push(line);
      if (this.#lines.length > this.#limit) this.#lines.shift();
    }
    this.reset();
  }

  /** Stops browsing: the next Up starts from the newest line again. */
  reset(): void {
    this.#index = this.#lines.length;
    this.#draft = "";
  }

  /**
   * Moves one line older (-1) or newer (+1) from the line `current` being shown; returns the
   * line to show, or undefined when there is nothing further that way.
   */
  move(step: -1 | 1, current: string): string | undefined {
    const target = this.#index + step;
    if (target < 0 || target > this.#lines.length) return undefined;
    if (this.#index === this.#lines.length) this.#draft = current;
    this.#index = target;
    return target === this.#lines.length ? this.#draft : this.#lines[target];
  }
}
