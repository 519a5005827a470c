/**
 * The input line's history: up recalls earlier lines, down comes back, and what was being typed
 * is kept while browsing.
 * @module
 */

/** Lines sent, most recent last, with a cursor for up and down. */
export class InputHistory {
  readonly #lines: string[] = [];
  readonly #limit: number;
  /** Index into lines while browsing; lines.length when not. */
  #cursor = 0;
  #draft = "";

  constructor(limit = 100) {
    this.#limit = limit;
  }

  /** A line was sent: remember it and stop browsing. */
  add(line: string): void {
    if (line !== "" && this.#lines[this.#lines.length - 1] !== line) this.#lines.push(line);
    if (this.#lines.length > this.#limit) this.#lines.shift();
    this.#cursor = this.#lines.length;
    this.#draft = "";
  }

  /** The line before; `current` is what the input holds now. */
  up(current: string): string {
    if (this.#cursor === this.#lines.length) this.#draft = current;
    if (this.#cursor > 0) this.#cursor--;
    return this.#lines[this.#cursor] ?? current;
  }

  /** The line after, or the draft past the newest. */
  down(current: string): string {
    if (this.#cursor >= this.#lines.length) return current;
    this.#cursor++;
    return this.#cursor === this.#lines.length ? this.#draft : this.#lines[this.#cursor];
  }
}
