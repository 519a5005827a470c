/**
 * Making network text harmless for a terminal. Names and messages come from other people; if
 * they reached the terminal raw, a peer could move our cursor, clear our screen, set the window
 * title, or fake a second chat line. Every piece of text from the network goes through
 * {@link sanitize} before it is printed, in both the interactive and the scripting mode.
 * @module
 */

/** Shown in place of a line break inside one message, so a peer cannot fake a second line. */
export const NEWLINE_MARK = "↵";

/** A tab becomes this many spaces: tab stops depend on the column, which we do not track here. */
export const TAB_SPACES = 4;

// Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they can
// reorder the rest of the line on screen, making text appear to say something else.
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/g;

// Line breaks that a terminal or a copy-paste may treat as a new line.
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/g;

// What is left after the above: C0 controls, DEL, C1 controls.
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

/**
 * Returns `text` made safe to write to a terminal: escape sequences (CSI, OSC incl. window
 * titles, DCS, SOS, PM, APC and two-byte escapes, in 7-bit and 8-bit forms) are removed; line
 * breaks become {@link NEWLINE_MARK}; tabs become spaces; bidi override characters are removed;
 * any other C0 or C1 control character (ESC of an unterminated sequence, BEL, backspace, DEL,
 * ...) is shown escaped (`^G`, `^?`, `\x9b`) so the reader sees that something was there.
 * Printable text, including wide characters, emoji and combining marks, is kept unchanged.
 */
export function sanitize(text: string): string {
  return stripEscapeSequences(text)
    .replace(BIDI_CONTROL, "")
    .replace(LINE_BREAK, NEWLINE_MARK)
    .replaceAll("\t", " ".repeat(TAB_SPACES))
    .replace(CONTROL, visibleControl);
}

const ESC = 0x1b;
const BEL = 0x07;
const ST = 0x9c;

/**
 * Removes complete escape sequences (ECMA-48) in one linear pass:
 * - CSI: `ESC [` or 0x9b, parameter bytes 0x30-0x3f, intermediate bytes 0x20-0x2f, a final byte;
 * - OSC (`ESC ]`, 0x9d), DCS (`ESC P`, 0x90), SOS (`ESC X`, 0x98), PM (`ESC ^`, 0x9e) and APC
 *   (`ESC _`, 0x9f): any text up to ST (`ESC \` or 0x9c), or BEL for OSC;
 * - other escapes: ESC, intermediate bytes, a final byte 0x30-0x7e (e.g. `ESC c`, a reset).
 * An unterminated or malformed sequence is left in place: its ESC is escaped later and the rest
 * shows as plain text, so nothing is lost and nothing reaches the terminal as a command.
 */
function stripEscapeSequences(text: string): string {
  // deno-lint-ignore no-control-regex -- a quick check for any introducer
  if (!/[\x1b\x90-\x9f]/.test(text)) return text;
  const last = findTerminators(text);
  let out = "";
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const end = sequenceEnd(text, i, last);
    if (end > i) {
      out += text.slice(copied, i);
      copied = end;
      i = end;
    } else {
      i++;
    }
  }
  return out + text.slice(copied);
}

/** The index just past the escape sequence starting at `i`, or `i` if none starts there. */
function sequenceEnd(text: string, i: number, last: Terminators): number {
  const c = text.charCodeAt(i);
  if (c === ESC) {
    const next = text.charCodeAt(i + 1);
    if (next === 0x5b) return csiEnd(text, i + 2, i); // [
    if (next === 0x5d) return stringEnd(text, i + 2, true, i, last); // ]
    if (next === 0x50 || next === 0x58 || next === 0x5e || next === 0x5f) {
      return stringEnd(text, i + 2, false, i, last); // P X ^ _
    }
    let j = i + 1;
    while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
    const final = text.charCodeAt(j);
    return final >= 0x30 && final <= 0x7e ? j + 1 : i;
  }
  if (c === 0x9b) return csiEnd(text, i + 1, i);
  if (c === 0x9d) return stringEnd(text, i + 1, true, i, last);
  if (c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) {
    return stringEnd(text, i + 1, false, i, last);
  }
  return i;
}

function csiEnd(text: string, j: number, start: number): number {
  while (j < text.length && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x3f) j++;
  while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
  const final = text.charCodeAt(j);
  return final >= 0x40 && final <= 0x7e ? j + 1 : start;
}

/**
 * A control string ends at ST (or BEL for OSC); an unterminated one is not a sequence. To stay
 * linear on a text full of unterminated introducers, the scan is skipped when no terminator
 * exists after `j` (the last terminator positions are found once per text).
 */
function stringEnd(
  text: string,
  j: number,
  belEnds: boolean,
  start: number,
  last: Terminators,
): number {
  const lastEnd = belEnds ? Math.max(last.st, last.bel) : last.st;
  if (lastEnd < j) return start;
  for (let k = j; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === ST || (belEnds && c === BEL)) return k + 1;
    if (c === ESC && text.charCodeAt(k + 1) === 0x5c) return k + 2;
  }
  return start;
}

/** Where the last string terminators of a text are: -1 when there is none. */
interface Terminators {
  /** Index of the last ST (0x9c) or of the ESC of the last `ESC \\`. */
  st: number;
  /** Index of the last BEL. */
  bel: number;
}

function findTerminators(text: string): Terminators {
  return {
    st: Math.max(text.lastIndexOf("\x9c"), text.lastIndexOf("\x1b\\")),
    bel: text.lastIndexOf("\x07"),
  };
}

/** Caret notation for C0 controls and DEL, a hex escape for C1 controls. */
function visibleControl(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x20) return "^" + String.fromCharCode(code + 0x40);
  if (code === 0x7f) return "^?";
  return "\\x" + code.toString(16).padStart(2, "0");
}
