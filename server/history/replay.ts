/**
 * The replay a newcomer receives after its welcome: the last messages, bracketed by the two
 * history notices, encoded once and shared (the same bytes) by every newcomer until a new
 * message changes it, so a login storm encodes it once rather than once per login.
 * @module
 */

import {
  encodeFrame,
  formatHistoryLine,
  HISTORY_END_NOTICE,
  type HistoryLine,
  historyStartNotice,
  notice,
} from "../../protocol/mod.ts";

/** Largest replay block: a newcomer's send queue must hold it with room to spare. */
export const MAX_REPLAY_BYTES = 256 * 1024;

/** The last messages kept in memory and their encoded replay, rebuilt only when needed. */
export class ReplayBlock {
  readonly #count: number;
  readonly #maxBytes: number;
  #lines: HistoryLine[] = [];
  #bytes: Uint8Array | null = null;
  /** The oldest line in `#bytes` (its time), to notice when it ages out. */
  #oldest = Infinity;
  #encodings = 0;

  /** Keeps the last `count` lines; the block is at most `maxBytes` (older lines left out). */
  constructor(count: number, maxBytes = MAX_REPLAY_BYTES) {
    this.#count = Math.max(0, count);
    this.#maxBytes = maxBytes;
  }

  /** How many times the block was encoded (tests check that a storm shares one). */
  get encodings(): number {
    return this.#encodings;
  }

  /** The lines kept, oldest first. */
  get lines(): readonly HistoryLine[] {
    return this.#lines;
  }

  /** Sets the lines (loaded from the store at start), oldest first. */
  load(lines: readonly HistoryLine[]): void {
    this.#lines = lines.slice(-this.#count);
    this.#bytes = null;
  }

  /** A new message: the block is rebuilt for the next newcomer. */
  add(line: HistoryLine): void {
    if (this.#count === 0) return;
    this.#lines.push(line);
    // Trimmed in steps, so adding stays cheap.
    if (this.#lines.length >= 2 * this.#count) this.#lines = this.#lines.slice(-this.#count);
    this.#bytes = null;
  }

  /**
   * The encoded replay of the lines received at or after `since` (ms), or null when there are
   * none. The same array until a message is added or the oldest line ages out.
   */
  bytes(since: number): Uint8Array | null {
    if (this.#count === 0) return null;
    if (this.#bytes !== null && this.#oldest >= since) return this.#bytes;
    const recent = this.#lines.slice(-this.#count).filter((line) => line.time >= since);
    this.#bytes = this.#encode(recent);
    this.#oldest = recent[0]?.time ?? Infinity;
    return this.#bytes;
  }

  #encode(lines: readonly HistoryLine[]): Uint8Array | null {
    if (lines.length === 0) return null;
    this.#encodings++;
    const end = encodeFrame(notice(HISTORY_END_NOTICE));
    const frames: Uint8Array[] = [];
    // Newest first, until the budget is spent (the start notice needs room too).
    let size = end.length + 64;
    for (let i = lines.length - 1; i >= 0; i--) {
      const frame = encodeFrame(notice(formatHistoryLine(lines[i])));
      if (size + frame.length > this.#maxBytes) break;
      size += frame.length;
      frames.push(frame);
    }
    if (frames.length === 0) return null;
    frames.reverse();
    const first = lines[lines.length - frames.length];
    frames.unshift(encodeFrame(notice(historyStartNotice(frames.length, first.time))));
    frames.push(end);
    return concat(frames);
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
