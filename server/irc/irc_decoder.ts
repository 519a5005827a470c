/**
 * The bytes an IRC client sends, cut into lines: each line ends at LF (a CR before it is
 * dropped), must be UTF-8, and must fit IRC's limits. A line that breaks them is reported and
 * skipped; the connection goes on, and memory stays bounded whatever arrives.
 * @module
 */

import { IRC_LINE_BYTES, IRC_TAG_BYTES } from "./irc_line.ts";

/** What one line of input turned out to be. */
export type IrcDecodeResult =
  | { readonly ok: true; readonly line: string }
  | { readonly ok: false; readonly problem: IrcLineProblem };

/** Why a line was skipped: longer than IRC allows, or not UTF-8. */
export type IrcLineProblem = "too-long" | "invalid-utf8";

const LF = 0x0a;
const CR = 0x0d;
const AT = 0x40;

/** Cuts a byte stream into IRC lines, bounded by the limits. */
export class IrcLineDecoder {
  /** Bytes of the unfinished line, kept between pushes. */
  #pending: Uint8Array = new Uint8Array(0);
  /** True while the rest of an over-long line is being skipped. */
  #skipping = false;
  readonly #utf8 = new TextDecoder("utf-8", { fatal: true });

  /** The lines (and problems) completed by `bytes`, in order. The bytes are not kept. */
  push(bytes: Uint8Array): IrcDecodeResult[] {
    const results: IrcDecodeResult[] = [];
    let data = bytes;
    if (this.#pending.length > 0) {
      const joined = new Uint8Array(this.#pending.length + bytes.length);
      joined.set(this.#pending);
      joined.set(bytes, this.#pending.length);
      data = joined;
      this.#pending = new Uint8Array(0);
    }
    let start = 0;
    while (start < data.length) {
      const newline = data.indexOf(LF, start);
      if (newline < 0) {
        const rest = data.subarray(start);
        if (this.#skipping) break;
        if (rest.length > maxLineBytes(rest)) {
          this.#skipping = true;
          results.push({ ok: false, problem: "too-long" });
        } else {
          this.#pending = rest.slice();
        }
        break;
      }
      if (this.#skipping) {
        this.#skipping = false;
        start = newline + 1;
        continue;
      }
      const end = newline > start && data[newline - 1] === CR ? newline - 1 : newline;
      const line = data.subarray(start, end);
      start = newline + 1;
      if (line.length === 0) continue;
      if (line.length + 2 > maxLineBytes(line)) {
        results.push({ ok: false, problem: "too-long" });
        continue;
      }
      try {
        results.push({ ok: true, line: this.#utf8.decode(line) });
      } catch {
        results.push({ ok: false, problem: "invalid-utf8" });
      }
    }
    return results;
  }
}

/** The most bytes a line starting like `line` may hold, CR LF included. */
function maxLineBytes(line: Uint8Array): number {
  return line.length > 0 && line[0] === AT ? IRC_TAG_BYTES + IRC_LINE_BYTES : IRC_LINE_BYTES;
}
