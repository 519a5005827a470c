/**
 * The interactive line editor: a pure state machine with keys in and terminal output out (a
 * string of text and control sequences from `ansi.ts`), no I/O. The prompt and the line being
 * typed live at the bottom of the screen ("the prompt area", one or more rows when the line
 * wraps). Incoming chat lines are printed above it with {@link LineEditor.printAbove}, which
 * erases the prompt area, prints the lines, and redraws the half-typed line intact with the
 * cursor where it was.
 *
 * The editor remembers which row of the prompt area the terminal cursor is on; every redraw
 * goes up that many rows, clears to the end of the screen and writes the prompt area again.
 * The cursor moves by grapheme cluster (an emoji or an accented letter is one step) and is
 * placed by display width (a CJK character is two columns).
 * @module
 */

import {
  CLEAR_SCREEN,
  CLEAR_TO_END_OF_SCREEN,
  cursorForward,
  cursorUp,
  HIDE_CURSOR,
  RESET,
  SHOW_CURSOR,
} from "./ansi.ts";
import { History } from "./history.ts";
import type { Key } from "./keys.ts";
import { layout, type Position, visible } from "./layout.ts";
import { clusterWidth, graphemes } from "./width.ts";

/** The prompt shown before the typed text. */
export interface Prompt {
  /** The prompt as plain text: its display width positions the cursor. */
  plain: string;
  /** The prompt as written to the terminal (plain with colors); defaults to `plain`. */
  styled?: string;
}

/** What the caller must do after a key, besides writing the output. */
export type EditorAction =
  /** The user pressed Enter on this line (possibly empty; the caller decides). */
  | { kind: "submit"; line: string }
  /** Ctrl-C or Ctrl-D on an empty line: leave. */
  | { kind: "quit" };

/** The result of one key: terminal output to write, then actions to carry out in order. */
export interface EditorUpdate {
  output: string;
  actions: EditorAction[];
}

/** How the editor starts. */
export interface LineEditorOptions {
  prompt: Prompt;
  /** Terminal width in columns. */
  columns: number;
  /** Most lines kept in the up/down history (default 1000). */
  historyLimit?: number;
}

/** Spaces a Tab inserts (there is no completion). */
const TAB = "    ";

/** Editable text: no control characters, no bidi overrides (they would break the cursor). */
function editable(text: string): string {
  // deno-lint-ignore no-control-regex -- removing control characters is the point
  return text.replaceAll("\t", TAB).replace(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, "");
}

/** The line editor's state and its rendering; see the module documentation. */
export class LineEditor {
  #prompt: Required<Prompt>;
  #columns: number;
  #text = "";
  /** Cursor as a UTF-16 offset into #text, always on a grapheme boundary. */
  #cursor = 0;
  #history: History;
  /** Row of the terminal cursor, counted from the first row of the prompt area. */
  #cursorRow = 0;

  constructor(options: LineEditorOptions) {
    this.#prompt = promptWithStyle(options.prompt);
    this.#columns = Math.max(1, Math.floor(options.columns));
    this.#history = new History(options.historyLimit ?? 1000);
  }

  /** The line as typed so far. */
  get text(): string {
    return this.#text;
  }

  /** The cursor, as the number of grapheme clusters before it. */
  get cursor(): number {
    return graphemes(this.#text.slice(0, this.#cursor)).length;
  }

  /** Terminal width the editor lays out for. */
  get columns(): number {
    return this.#columns;
  }

  /** Lines sent so far, oldest first. */
  get history(): readonly string[] {
    return this.#history.lines;
  }

  /** Draws the prompt area where the cursor is; the first draw, or after a foreign write. */
  render(): string {
    this.#cursorRow = 0;
    return this.#redraw();
  }

  /** Handles one key event. */
  handleKey(key: Key): EditorUpdate {
    const actions: EditorAction[] = [];
    if (key.kind === "text") {
      this.#insert(key.text);
    } else if (key.kind === "paste") {
      const lines = key.text.split(/\r\n|\r|\n/);
      lines.forEach((line, i) => {
        if (i > 0) actions.push(this.#submit());
        this.#insert(line);
      });
    } else {
      switch (key.name) {
        case "enter":
          actions.push(this.#submit());
          break;
        case "backspace":
          if (this.#cursor > 0) this.#delete(this.#clusterBefore(this.#cursor), this.#cursor);
          break;
        case "delete":
          this.#deleteForward();
          break;
        case "left":
          this.#cursor = this.#clusterBefore(this.#cursor);
          break;
        case "right":
          this.#cursor = this.#clusterAfter(this.#cursor);
          break;
        case "home":
          this.#cursor = 0;
          break;
        case "end":
          this.#cursor = this.#text.length;
          break;
        case "word-left":
          this.#cursor = this.#wordStartBefore(this.#cursor);
          break;
        case "word-right":
          this.#cursor = this.#wordEndAfter(this.#cursor);
          break;
        case "delete-word-back":
          this.#delete(this.#wordStartBefore(this.#cursor), this.#cursor);
          break;
        case "delete-to-start":
          this.#delete(0, this.#cursor);
          break;
        case "delete-to-end":
          this.#delete(this.#cursor, this.#text.length);
          break;
        case "up":
          this.#browseHistory(-1);
          break;
        case "down":
          this.#browseHistory(1);
          break;
        case "interrupt":
          // Ctrl-C: quit on an empty line, otherwise throw the line away.
          if (this.#text.length === 0) return { output: "", actions: [{ kind: "quit" }] };
          this.#setText("");
          this.#history.reset();
          break;
        case "eof":
          // Ctrl-D: quit on an empty line, otherwise delete forward (as readline does).
          if (this.#text.length === 0) return { output: "", actions: [{ kind: "quit" }] };
          this.#deleteForward();
          break;
        case "clear-screen":
          return { output: this.clearScreen(), actions };
        case "tab":
          this.#insert(TAB);
          break;
        case "escape":
          return { output: "", actions };
      }
    }
    return { output: this.#redraw(), actions };
  }

  /**
   * Prints whole lines above the prompt area (already formatted and sanitized; they may hold
   * colors and may be wider than the screen: the terminal wraps them), then redraws the prompt
   * area with the typed line and the cursor as they were.
   */
  printAbove(lines: readonly string[]): string {
    let out = HIDE_CURSOR + cursorUp(this.#cursorRow) + "\r" + CLEAR_TO_END_OF_SCREEN;
    for (const line of lines) out += line + RESET + "\r\n";
    this.#cursorRow = 0;
    return out + this.#redraw(false);
  }

  /**
   * Adapts to a new terminal width and redraws. Most terminals (VTE, kitty, iTerm2, Windows
   * Terminal, tmux, ...) reflow wrapped lines on resize, which puts the cursor on the row the
   * new width gives it: the redraw starts from there. On a terminal that does not reflow
   * (xterm), a line that wrapped may leave a stale row after a resize; Ctrl-L redraws.
   */
  resize(columns: number): string {
    const next = Math.max(1, Math.floor(columns));
    this.#cursorRow = this.#cursorPosition(next).row;
    this.#columns = next;
    return this.#redraw();
  }

  /** Changes the prompt (e.g. once logged in) and redraws. */
  setPrompt(prompt: Prompt): string {
    this.#prompt = promptWithStyle(prompt);
    return this.#redraw();
  }

  /** Clears the screen and draws the prompt area at the top (Ctrl-L, `/clear`). */
  clearScreen(): string {
    this.#cursorRow = 0;
    return CLEAR_SCREEN + this.#redraw();
  }

  /** Erases the prompt area and leaves the cursor at its start: done before quitting. */
  erase(): string {
    const out = cursorUp(this.#cursorRow) + "\r" + CLEAR_TO_END_OF_SCREEN;
    this.#cursorRow = 0;
    return out;
  }

  #submit(): EditorAction {
    const line = this.#text;
    this.#history.add(line);
    this.#setText("");
    return { kind: "submit", line };
  }

  #browseHistory(step: -1 | 1): void {
    const line = this.#history.move(step, this.#text);
    if (line !== undefined) this.#setText(line);
  }

  #setText(text: string): void {
    this.#text = text;
    this.#cursor = text.length;
  }

  #insert(raw: string): void {
    const text = editable(raw);
    if (text.length === 0) return;
    this.#text = this.#text.slice(0, this.#cursor) + text + this.#text.slice(this.#cursor);
    // A combining mark typed after a letter joins its cluster; a letter typed before a mark
    // takes the mark: the cursor goes to the end of the cluster that holds the insertion.
    this.#cursor = this.#snapForward(this.#cursor + text.length);
  }

  #deleteForward(): void {
    if (this.#cursor < this.#text.length) {
      this.#delete(this.#cursor, this.#clusterAfter(this.#cursor));
    }
  }

  #delete(from: number, to: number): void {
    if (to <= from) return;
    this.#text = this.#text.slice(0, from) + this.#text.slice(to);
    this.#cursor = from;
  }

  /** Offsets where grapheme clusters start, plus the text's length. */
  #boundaries(): number[] {
    const out: number[] = [];
    let offset = 0;
    for (const cluster of graphemes(this.#text)) {
      out.push(offset);
      offset += cluster.length;
    }
    out.push(this.#text.length);
    return out;
  }

  #snapForward(offset: number): number {
    return this.#boundaries().find((b) => b >= offset) ?? this.#text.length;
  }

  #clusterBefore(offset: number): number {
    return this.#boundaries().findLast((b) => b < offset) ?? 0;
  }

  #clusterAfter(offset: number): number {
    return this.#boundaries().find((b) => b > offset) ?? this.#text.length;
  }

  /** Start of the word before the cursor: skip spaces backwards, then non-spaces. */
  #wordStartBefore(offset: number): number {
    let i = offset;
    while (i > 0 && /\s/.test(this.#text[i - 1])) i--;
    while (i > 0 && !/\s/.test(this.#text[i - 1])) i--;
    return this.#boundaries().findLast((b) => b <= i) ?? 0;
  }

  /** End of the word after the cursor: skip spaces forwards, then non-spaces. */
  #wordEndAfter(offset: number): number {
    let i = offset;
    while (i < this.#text.length && /\s/.test(this.#text[i])) i++;
    while (i < this.#text.length && !/\s/.test(this.#text[i])) i++;
    return this.#snapForward(i);
  }

  /** Layout of the prompt and the text, and the index of the cursor's cluster in it. */
  #layout(columns: number): { starts: Position[]; end: Position; cursorIndex: number } {
    const promptClusters = graphemes(this.#prompt.plain);
    const before = graphemes(this.#text.slice(0, this.#cursor));
    const after = graphemes(this.#text.slice(this.#cursor));
    const widths = [...promptClusters, ...before, ...after].map(clusterWidth);
    const { starts, end } = layout(widths, columns);
    return { starts, end, cursorIndex: promptClusters.length + before.length };
  }

  /** Where the cursor is shown for a given width. */
  #cursorPosition(columns: number): Position {
    const { starts, end, cursorIndex } = this.#layout(columns);
    return visible(starts[cursorIndex] ?? end, columns);
  }

  /**
   * Writes the prompt area from its first row: go up to it, clear, write prompt and text; if
   * the text ends exactly at the right margin, CR LF moves the cursor to the next row so its
   * position is known; then move the cursor back to its place.
   */
  #redraw(hide = true): string {
    const { starts, end, cursorIndex } = this.#layout(this.#columns);
    let out = (hide ? HIDE_CURSOR : "") + cursorUp(this.#cursorRow) + "\r" +
      CLEAR_TO_END_OF_SCREEN;
    out += this.#prompt.styled + this.#text;
    let endRow = end.row;
    if (end.col >= this.#columns) {
      out += "\r\n";
      endRow++;
    }
    const target = visible(starts[cursorIndex] ?? end, this.#columns);
    out += cursorUp(endRow - target.row) + "\r" + cursorForward(target.col) + SHOW_CURSOR;
    this.#cursorRow = target.row;
    return out;
  }
}

function promptWithStyle(prompt: Prompt): Required<Prompt> {
  const plain = editable(prompt.plain);
  return { plain, styled: prompt.styled ?? plain };
}
