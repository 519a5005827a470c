/**
 * Turning raw terminal input into key events. In raw mode stdin delivers bytes: typed text
 * (UTF-8), control characters (Ctrl-A is 0x01) and escape sequences (the left arrow is
 * `ESC [ D`). A read may end in the middle of a UTF-8 character or of an escape sequence, and
 * one read may hold a whole pasted paragraph; {@link KeyParser} handles all of these.
 * @module
 */

/** The named keys the line editor understands. */
export type KeyName =
  | "enter"
  | "backspace"
  | "delete"
  | "left"
  | "right"
  | "up"
  | "down"
  | "home"
  | "end"
  | "word-left"
  | "word-right"
  | "delete-word-back"
  | "delete-to-start"
  | "delete-to-end"
  | "interrupt"
  | "eof"
  | "clear-screen"
  | "tab"
  | "escape";

/** One key event: printable text (one or many characters), a pasted block, or a named key. */
export type Key =
  | { kind: "text"; text: string }
  /** Text pasted in bracketed-paste mode; may contain line breaks. */
  | { kind: "paste"; text: string }
  | { kind: "key"; name: KeyName };

// Control characters and what they mean (readline's defaults).
const CONTROL_KEYS: ReadonlyMap<number, KeyName> = new Map<number, KeyName>([
  [0x01, "home"], // Ctrl-A
  [0x02, "left"], // Ctrl-B
  [0x03, "interrupt"], // Ctrl-C
  [0x04, "eof"], // Ctrl-D
  [0x05, "end"], // Ctrl-E
  [0x06, "right"], // Ctrl-F
  [0x08, "backspace"], // Ctrl-H
  [0x09, "tab"],
  [0x0a, "enter"], // Ctrl-J, LF
  [0x0b, "delete-to-end"], // Ctrl-K
  [0x0c, "clear-screen"], // Ctrl-L
  [0x0d, "enter"], // Ctrl-M, CR
  [0x0e, "down"], // Ctrl-N
  [0x10, "up"], // Ctrl-P
  [0x15, "delete-to-start"], // Ctrl-U
  [0x17, "delete-word-back"], // Ctrl-W
  [0x7f, "backspace"], // DEL, what most terminals send for Backspace
]);

// CSI sequences by final byte (no parameter or `1;modifier`).
const CSI_FINAL: ReadonlyMap<string, KeyName> = new Map<string, KeyName>([
  ["A", "up"],
  ["B", "down"],
  ["C", "right"],
  ["D", "left"],
  ["H", "home"],
  ["F", "end"],
]);

// CSI sequences `ESC [ n ~` by number.
const CSI_TILDE: ReadonlyMap<string, KeyName> = new Map<string, KeyName>([
  ["1", "home"],
  ["7", "home"],
  ["4", "end"],
  ["8", "end"],
  ["3", "delete"],
]);

// Alt (Meta) combinations, sent as ESC followed by the key.
const ALT_KEYS: ReadonlyMap<string, KeyName> = new Map<string, KeyName>([
  ["b", "word-left"],
  ["f", "word-right"],
  ["\x7f", "delete-word-back"],
  ["\x08", "delete-word-back"],
]);

const PASTE_END = "\x1b[201~";

/**
 * A streaming parser: `push(bytes)` returns the keys completed by these bytes and keeps any
 * incomplete UTF-8 character or escape sequence for the next call. A lone ESC is ambiguous
 * (the Escape key, or the start of a sequence still in flight): the caller calls `flush()`
 * when no more input arrived shortly after (`pending` tells whether anything waits).
 * Unknown escape sequences are dropped whole; they never turn into typed text.
 */
export class KeyParser {
  #decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  #buffer = "";
  #paste: string | undefined;
  #lastWasCr = false;

  /** Whether input is held back waiting for the rest of a sequence. */
  get pending(): boolean {
    return this.#buffer.length > 0 || this.#paste !== undefined;
  }

  /** Parses the next bytes read from the terminal. */
  push(bytes: Uint8Array): Key[] {
    this.#buffer += this.#decoder.decode(bytes, { stream: true });
    return this.#parse(false);
  }

  /** Gives up waiting: a held-back ESC becomes the Escape key, a partial sequence is dropped. */
  flush(): Key[] {
    this.#buffer += this.#decoder.decode();
    return this.#parse(true);
  }

  #parse(final: boolean): Key[] {
    const keys: Key[] = [];
    let text = "";
    const emitText = () => {
      if (text.length > 0) keys.push({ kind: "text", text });
      text = "";
    };
    let i = 0;
    const input = this.#buffer;
    while (i < input.length) {
      if (this.#paste !== undefined) {
        const end = input.indexOf(PASTE_END, i);
        if (end < 0) {
          // Keep a possible partial end marker for the next read.
          const keep = partialSuffix(input, PASTE_END);
          this.#paste += input.slice(i, input.length - keep);
          i = input.length - keep;
          if (final) {
            keys.push({ kind: "paste", text: this.#paste + input.slice(i) });
            this.#paste = undefined;
            i = input.length;
          }
          break;
        }
        this.#paste += input.slice(i, end);
        keys.push({ kind: "paste", text: this.#paste });
        this.#paste = undefined;
        i = end + PASTE_END.length;
        continue;
      }
      const code = input.charCodeAt(i);
      if (code === 0x1b) {
        const parsed = parseEscape(input, i, final);
        if (parsed === undefined) break; // incomplete: wait for more bytes
        emitText();
        this.#lastWasCr = false;
        if (parsed.paste) this.#paste = "";
        if (parsed.key !== undefined) keys.push({ kind: "key", name: parsed.key });
        i = parsed.end;
        continue;
      }
      if (code < 0x20 || code === 0x7f) {
        emitText();
        // CR LF (as pasted from some programs) is one Enter.
        if (code === 0x0a && this.#lastWasCr) {
          this.#lastWasCr = false;
          i++;
          continue;
        }
        this.#lastWasCr = code === 0x0d;
        const name = CONTROL_KEYS.get(code);
        if (name !== undefined) keys.push({ kind: "key", name });
        i++;
        continue;
      }
      this.#lastWasCr = false;
      // C1 controls (U+0080-U+009F) are never typed text.
      if (code < 0x80 || code > 0x9f) text += input[i];
      i++;
    }
    emitText();
    this.#buffer = input.slice(i);
    return keys;
  }
}

/** The result of parsing an escape sequence: the key (if known) and where it ends. */
interface EscapeParse {
  key: KeyName | undefined;
  end: number;
  paste?: boolean;
}

/**
 * Parses the escape sequence at `start` (which holds ESC). Returns undefined when the
 * sequence is incomplete and more bytes may come (never when `final`).
 */
function parseEscape(input: string, start: number, final: boolean): EscapeParse | undefined {
  const next = input[start + 1];
  if (next === undefined) return final ? { key: "escape", end: start + 1 } : undefined;
  if (next === "[") return parseCsi(input, start, final);
  if (next === "O") {
    // SS3: ESC O A (application cursor keys), ESC O H/F.
    const finalChar = input[start + 2];
    if (finalChar === undefined) return final ? { key: undefined, end: start + 2 } : undefined;
    return { key: CSI_FINAL.get(finalChar), end: start + 3 };
  }
  if (next === "\x1b") {
    // ESC ESC: the first is the Escape key (or Alt-ESC); parse the second on its own.
    return { key: "escape", end: start + 1 };
  }
  return { key: ALT_KEYS.get(next), end: start + 2 };
}

function parseCsi(input: string, start: number, final: boolean): EscapeParse | undefined {
  let j = start + 2;
  while (j < input.length && isBetween(input.charCodeAt(j), 0x20, 0x3f)) j++;
  if (j >= input.length) return final ? { key: undefined, end: j } : undefined;
  const finalChar = input[j];
  const end = j + 1;
  if (!isBetween(finalChar.charCodeAt(0), 0x40, 0x7e)) {
    // Malformed: drop the introducer, let the rest be read again.
    return { key: undefined, end: start + 2 };
  }
  const params = input.slice(start + 2, j).split(";");
  const modifier = Number(params[1] ?? "1") - 1; // xterm: 1 + (shift 1, alt 2, ctrl 4)
  const wordJump = (modifier & 4) !== 0 || (modifier & 2) !== 0;
  if (finalChar === "~") {
    if (params[0] === "200") return { key: undefined, end, paste: true };
    return { key: CSI_TILDE.get(params[0]), end };
  }
  const key = CSI_FINAL.get(finalChar);
  if (wordJump && key === "left") return { key: "word-left", end };
  if (wordJump && key === "right") return { key: "word-right", end };
  return { key, end };
}

function isBetween(code: number, low: number, high: number): boolean {
  return code >= low && code <= high;
}

/** How many characters at the end of `text` are a proper prefix of `marker`. */
function partialSuffix(text: string, marker: string): number {
  for (let n = Math.min(marker.length - 1, text.length); n > 0; n--) {
    if (text.endsWith(marker.slice(0, n))) return n;
  }
  return 0;
}
