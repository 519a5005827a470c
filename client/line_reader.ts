/**
 * Input lines from a byte stream (stdin), bounded: a line is cut at `\n` (a trailing `\r` is
 * removed), must be valid UTF-8, and may not grow past a byte limit, so a huge input without
 * newlines cannot fill memory. Bad lines are reported, not thrown, so one bad line does not end
 * a whole script.
 * @module
 */

/** One input line, or why it could not be used. */
export type LineResult =
  | { ok: true; text: string; lineNumber: number }
  | { ok: false; lineNumber: number; problem: "too-long"; bytes: number; limit: number }
  | { ok: false; lineNumber: number; problem: "invalid-utf8" };

/** Reads lines one at a time; `cancel()` stops a pending read. */
export class LineReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #maxBytes: number;
  readonly #decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  #parts: Uint8Array[] = [];
  #partBytes = 0;
  #overflowBytes = 0;
  #chunk: Uint8Array = new Uint8Array(0);
  #pos = 0;
  #lineNumber = 0;
  #done = false;

  constructor(stream: ReadableStream<Uint8Array>, maxBytes: number) {
    this.#reader = stream.getReader();
    this.#maxBytes = maxBytes;
  }

  /** The next line, or null at the end of the input (a last line without `\n` still counts). */
  async next(): Promise<LineResult | null> {
    while (true) {
      const newline = this.#chunk.indexOf(0x0a, this.#pos);
      if (newline >= 0) {
        this.#take(this.#chunk.subarray(this.#pos, newline));
        this.#pos = newline + 1;
        return this.#finishLine();
      }
      this.#take(this.#chunk.subarray(this.#pos));
      this.#chunk = new Uint8Array(0);
      this.#pos = 0;
      if (this.#done) return null;
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await this.#reader.read();
      } catch {
        result = { done: true, value: undefined };
      }
      if (result.done) {
        this.#done = true;
        this.#reader.releaseLock();
        if (this.#partBytes > 0 || this.#overflowBytes > 0) return this.#finishLine();
        return null;
      }
      this.#chunk = result.value;
    }
  }

  /** Stops reading: a pending `next()` ends with null. */
  async cancel(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    try {
      await this.#reader.cancel();
    } catch {
      // The stream is already closed or errored.
    }
  }

  #take(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.#overflowBytes > 0 || this.#partBytes + bytes.length > this.#maxBytes + 1) {
      // +1 leaves room for the `\r` of a `\r\n` line exactly at the limit.
      this.#overflowBytes += this.#partBytes + bytes.length;
      this.#parts = [];
      this.#partBytes = 0;
      return;
    }
    this.#parts.push(bytes.slice());
    this.#partBytes += bytes.length;
  }

  #finishLine(): LineResult {
    this.#lineNumber++;
    const lineNumber = this.#lineNumber;
    if (this.#overflowBytes > 0) {
      const bytes = this.#overflowBytes;
      this.#overflowBytes = 0;
      return { ok: false, lineNumber, problem: "too-long", bytes, limit: this.#maxBytes };
    }
    let line = concat(this.#parts, this.#partBytes);
    this.#parts = [];
    this.#partBytes = 0;
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
    if (line.length > this.#maxBytes) {
      return {
        ok: false,
        lineNumber,
        problem: "too-long",
        bytes: line.length,
        limit: this.#maxBytes,
      };
    }
    try {
      return { ok: true, text: this.#decoder.decode(line), lineNumber };
    } catch {
      return { ok: false, lineNumber, problem: "invalid-utf8" };
    }
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** One line saying why an input line was not sent. */
export function describeBadLine(result: Extract<LineResult, { ok: false }>): string {
  return result.problem === "too-long"
    ? `input line ${result.lineNumber} is ${result.bytes} bytes, over the limit of ${result.limit}; not sent`
    : `input line ${result.lineNumber} is not valid UTF-8; not sent`;
}
