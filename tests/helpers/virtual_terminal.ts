/**
 * A very small terminal screen model for tests: it applies the text and control sequences the
 * interactive client writes (as an xterm-like terminal with automatic margins would) and shows
 * the resulting screen, so tests can assert what the user sees rather than which bytes were
 * written. Supported: printable text (wide characters take two cells, combining marks join
 * the previous cell), CR, LF, BS, CSI A/B/C/D/G/H/J/K, SGR (ignored), DEC private modes ?25
 * (cursor) and ?2004 (bracketed paste), OSC strings (ignored). Anything else is recorded in
 * `unknown` so a test can fail on it.
 * @module
 */

import { clusterWidth, graphemes } from "../../client/ui/width.ts";

/** A cell left empty because a wide character did not fit at the end of its row. */
const PAD = "\u0000";

/** A screen of `rows` x `columns` cells, with scrollback. */
export class VirtualTerminal {
  rows: number;
  columns: number;
  /** Each cell holds a grapheme cluster; "" is the right half of a wide character. */
  #cells: string[][];
  /** Per row: it continues on the next row because the text wrapped there (for reflow). */
  #wrapped: boolean[];
  /** Lines scrolled off the top, oldest first. */
  readonly scrollback: string[] = [];
  cursorRow = 0;
  cursorCol = 0;
  /** The cursor wrote the last column; the next character wraps first. */
  #pendingWrap = false;
  cursorVisible = true;
  bracketedPaste = false;
  /** How many times the bell rang (BEL outside an OSC string). */
  bells = 0;
  /** Sequences the model did not understand. */
  readonly unknown: string[] = [];
  #partial = "";

  constructor(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
    this.#cells = Array.from({ length: rows }, () => this.#blankRow());
    this.#wrapped = Array(rows).fill(false);
  }

  /** Applies output; a sequence cut at the end of `data` is completed by the next call. */
  write(data: string): void {
    const input = this.#partial + data;
    this.#partial = "";
    let i = 0;
    let text = "";
    const flushText = () => {
      for (const cluster of graphemes(text)) this.#put(cluster);
      text = "";
    };
    while (i < input.length) {
      const c = input.charCodeAt(i);
      if (c === 0x1b) {
        flushText();
        const end = this.#escape(input, i);
        if (end === undefined) {
          this.#partial = input.slice(i);
          return;
        }
        i = end;
      } else if (c < 0x20 || c === 0x7f) {
        flushText();
        this.#control(c);
        i++;
      } else {
        text += input[i];
        i++;
      }
    }
    flushText();
  }

  /** The visible screen, one string per row, trailing spaces removed. */
  lines(): string[] {
    return this.#cells.map((row) => this.#rowText(row));
  }

  /** Scrollback and screen together, without trailing empty rows. */
  allLines(): string[] {
    const all = [...this.scrollback, ...this.lines()];
    while (all.length > 0 && all[all.length - 1] === "") all.pop();
    return all;
  }

  /**
   * Changes the size. Without `reflow` (as xterm) rows are cut or padded; with it (as VTE,
   * kitty, tmux) lines that wrapped are joined and wrapped again at the new width, and the
   * cursor keeps its place in the text.
   */
  resize(columns: number, rows: number, options: { reflow?: boolean } = {}): void {
    if (options.reflow === true) {
      this.#reflow(columns, rows);
      return;
    }
    this.#cells = this.#cells.map((row) => {
      const cut = row.slice(0, columns);
      while (cut.length < columns) cut.push(" ");
      return cut;
    });
    this.#wrapped = this.#wrapped.map(() => false);
    while (this.#cells.length < rows) this.#pushRow();
    while (this.#cells.length > rows) this.#shiftRow();
    this.columns = columns;
    this.rows = rows;
    this.cursorRow = Math.min(this.cursorRow, rows - 1);
    this.cursorCol = Math.min(this.cursorCol, columns - 1);
    this.#pendingWrap = false;
  }

  #reflow(columns: number, rows: number): void {
    // Join rows into logical lines, remembering where the cursor is in its line.
    const lines: string[][] = [];
    let cursorLine = 0;
    let cursorOffset = 0;
    let current: string[] = [];
    for (let r = 0; r < this.#cells.length; r++) {
      let cells = this.#cells[r].filter((c) => c !== PAD);
      if (!this.#wrapped[r]) {
        let end = cells.length;
        while (end > 0 && cells[end - 1] === " ") end--;
        cells = cells.slice(0, end);
      }
      if (r === this.cursorRow) {
        cursorLine = lines.length;
        cursorOffset = current.length + this.cursorCol + (this.#pendingWrap ? 1 : 0);
      }
      current.push(...cells);
      if (!this.#wrapped[r]) {
        lines.push(current);
        current = [];
      }
    }
    // Wrap each line again.
    const newRows: string[][] = [];
    const newWrapped: boolean[] = [];
    let newCursor = { row: 0, col: 0 };
    lines.forEach((line, index) => {
      let row: string[] = [];
      const positions: { row: number; col: number }[] = [];
      for (let i = 0; i < line.length; i++) {
        const cell = line[i];
        const wide = line[i + 1] === "";
        if (cell === "") {
          positions.push({ row: newRows.length, col: row.length });
          row.push(cell);
          continue;
        }
        if (row.length + (wide ? 2 : 1) > columns) {
          while (row.length < columns) row.push(PAD);
          newRows.push(row);
          newWrapped.push(true);
          row = [];
        }
        positions.push({ row: newRows.length, col: row.length });
        row.push(cell);
      }
      if (index === cursorLine) {
        const at = positions[cursorOffset];
        if (at !== undefined) newCursor = at;
        else {
          const extra = cursorOffset - line.length;
          const col = row.length + Math.max(0, extra);
          newCursor = col >= columns
            ? { row: newRows.length + 1, col: col - columns }
            : { row: newRows.length, col };
        }
      }
      while (row.length < columns) row.push(" ");
      newRows.push(row);
      newWrapped.push(false);
    });
    // Fit the screen: drop empty rows below the cursor, then scroll the top into scrollback.
    while (newRows.length > rows && newRows.length - 1 > newCursor.row) {
      if (newRows[newRows.length - 1].some((c) => c !== " ")) break;
      newRows.pop();
      newWrapped.pop();
    }
    this.columns = columns;
    this.rows = rows;
    this.#cells = newRows;
    this.#wrapped = newWrapped;
    while (this.#cells.length > rows) {
      this.#shiftRow();
      newCursor.row--;
    }
    while (this.#cells.length < rows) this.#pushRow();
    this.cursorRow = Math.max(0, Math.min(rows - 1, newCursor.row));
    this.cursorCol = Math.min(columns - 1, newCursor.col);
    this.#pendingWrap = false;
  }

  #pushRow(): void {
    this.#cells.push(this.#blankRow());
    this.#wrapped.push(false);
  }

  #shiftRow(): void {
    this.scrollback.push(this.#rowText(this.#cells.shift()));
    this.#wrapped.shift();
  }

  #rowText(row: string[] | undefined): string {
    return (row ?? []).map((c) => c === PAD ? " " : c).join("").replace(/ +$/, "");
  }

  #blankRow(): string[] {
    return Array(this.columns).fill(" ");
  }

  #put(cluster: string): void {
    const width = clusterWidth(cluster);
    if (width === 0) {
      // Joins the previous cell.
      const col = this.#pendingWrap ? this.cursorCol : Math.max(0, this.cursorCol - 1);
      this.#cells[this.cursorRow][col] += cluster;
      return;
    }
    if (this.#pendingWrap || this.cursorCol + width > this.columns) {
      if (!this.#pendingWrap) this.#cells[this.cursorRow].fill(PAD, this.cursorCol);
      this.#wrapped[this.cursorRow] = true;
      this.#newline();
      this.cursorCol = 0;
    }
    this.#pendingWrap = false;
    const row = this.#cells[this.cursorRow];
    row[this.cursorCol] = cluster;
    if (width === 2 && this.cursorCol + 1 < this.columns) row[this.cursorCol + 1] = "";
    this.cursorCol += width;
    if (this.cursorCol >= this.columns) {
      this.cursorCol = this.columns - 1;
      this.#pendingWrap = true;
    }
  }

  #newline(): void {
    if (this.cursorRow === this.rows - 1) {
      this.#shiftRow();
      this.#pushRow();
    } else {
      this.cursorRow++;
    }
  }

  #control(c: number): void {
    if (c === 0x0d) {
      this.cursorCol = 0;
      this.#pendingWrap = false;
    } else if (c === 0x0a) {
      this.#newline();
      this.#pendingWrap = false;
    } else if (c === 0x08) {
      this.cursorCol = Math.max(0, this.cursorCol - 1);
      this.#pendingWrap = false;
    } else if (c === 0x07) {
      this.bells++;
    } else {
      this.unknown.push(`control 0x${c.toString(16)}`);
    }
  }

  /** Applies the escape sequence at `i`; returns its end, or undefined if it is cut short. */
  #escape(input: string, i: number): number | undefined {
    const next = input[i + 1];
    if (next === undefined) return undefined;
    if (next === "]") {
      const bel = input.indexOf("\x07", i);
      const st = input.indexOf("\x1b\\", i);
      const ends = [bel < 0 ? Infinity : bel + 1, st < 0 ? Infinity : st + 2];
      const end = Math.min(...ends);
      return end === Infinity ? undefined : end;
    }
    if (next !== "[") {
      this.unknown.push(JSON.stringify(input.slice(i, i + 2)));
      return i + 2;
    }
    let j = i + 2;
    while (j < input.length && input.charCodeAt(j) >= 0x20 && input.charCodeAt(j) <= 0x3f) j++;
    if (j >= input.length) return undefined;
    this.#csi(input.slice(i + 2, j), input[j]);
    return j + 1;
  }

  #csi(params: string, final: string): void {
    const numbers = params.replace(/^\?/, "").split(";").map((p) => Number(p || "0"));
    const n = Math.max(1, numbers[0] || 1);
    const wasPending = this.#pendingWrap;
    this.#pendingWrap = false;
    switch (final) {
      case "A":
        this.cursorRow = Math.max(0, this.cursorRow - n);
        return;
      case "B":
        this.cursorRow = Math.min(this.rows - 1, this.cursorRow + n);
        return;
      case "C":
        this.cursorCol = Math.min(this.columns - 1, this.cursorCol + n);
        return;
      case "D":
        this.cursorCol = Math.max(0, this.cursorCol - n);
        return;
      case "G":
        this.cursorCol = Math.min(this.columns - 1, n - 1);
        return;
      case "H":
        this.cursorRow = Math.min(this.rows - 1, Math.max(1, numbers[0] || 1) - 1);
        this.cursorCol = Math.min(this.columns - 1, Math.max(1, numbers[1] || 1) - 1);
        return;
      case "J":
        if (numbers[0] === 0) {
          this.#cells[this.cursorRow].fill(" ", this.cursorCol);
          this.#wrapped[this.cursorRow] = false;
          for (let r = this.cursorRow + 1; r < this.rows; r++) {
            this.#cells[r] = this.#blankRow();
            this.#wrapped[r] = false;
          }
        } else if (numbers[0] === 2) {
          this.#cells = Array.from({ length: this.rows }, () => this.#blankRow());
          this.#wrapped = Array(this.rows).fill(false);
        } else if (numbers[0] === 3) {
          this.scrollback.length = 0;
        }
        return;
      case "K":
        this.#cells[this.cursorRow].fill(" ", this.cursorCol);
        return;
      case "m":
        this.#pendingWrap = wasPending; // colors do not move the cursor
        return;
      case "h":
      case "l":
        if (params === "?25") this.cursorVisible = final === "h";
        else if (params === "?2004") this.bracketedPaste = final === "h";
        else this.unknown.push(`CSI ${params}${final}`);
        this.#pendingWrap = wasPending;
        return;
      default:
        this.unknown.push(`CSI ${params}${final}`);
    }
  }
}
