/**
 * The frames fanned out to many members, each copied once into an append-only arena, so a
 * member's run of consecutive broadcasts is one contiguous byte range that can be written to its
 * socket without copying it again.
 * @module
 */

/** Bytes per arena block. */
export const LOG_BLOCK_BYTES = 64 * 1024;
/** A frame larger than this is not copied into a block: it is kept as its own block. */
export const LOG_OWN_BLOCK_BYTES = LOG_BLOCK_BYTES / 4;

/** Where one fanned-out frame sits: bytes `start` to `end` of `block`, never modified. */
export interface LogSpan {
  /** The arena block (or, for a large frame, the frame itself). */
  readonly block: Uint8Array;
  /** Offset of the frame's first byte in `block`. */
  readonly start: number;
  /** Offset just past the frame's last byte in `block`. */
  readonly end: number;
}

/**
 * An append-only byte arena of broadcast frames. A fan-out hands the same frame to every member
 * in turn; the first call copies it after the previous frame and later calls with the same array
 * get the same span. Members queue spans: frames that follow each other in the log are adjacent
 * bytes, so a member that missed none of them sends them with one write of one subarray.
 *
 * Nothing is reference-counted: a block is kept alive by the spans that still point into it
 * (queued bytes, bounded by each member's send queue) and by nothing else once the log has moved
 * on to a new block, so the garbage collector frees it when the last member has written it.
 */
export class SharedLog {
  #block: Uint8Array | null = null;
  #used = 0;
  #last: Uint8Array | null = null;
  #lastSpan: LogSpan | null = null;
  #blocks = 0;

  /**
   * The span holding a copy of `bytes`: the same span when called again with the same array
   * (the rest of a fan-out), otherwise a new one appended to the log.
   */
  place(bytes: Uint8Array): LogSpan {
    if (bytes === this.#last && this.#lastSpan !== null) return this.#lastSpan;
    let span: LogSpan;
    if (bytes.length > LOG_OWN_BLOCK_BYTES) {
      // Frames are never modified once handed over, so a large one can be its own block.
      span = { block: bytes, start: 0, end: bytes.length };
    } else {
      let block = this.#block;
      if (block === null || this.#used + bytes.length > block.length) {
        block = new Uint8Array(LOG_BLOCK_BYTES);
        this.#block = block;
        this.#used = 0;
        this.#blocks++;
      }
      const start = this.#used;
      block.set(bytes, start);
      this.#used = start + bytes.length;
      span = { block, start, end: this.#used };
    }
    this.#last = bytes;
    this.#lastSpan = span;
    return span;
  }

  /** Arena blocks allocated so far (for tests and measurements). */
  get blocksAllocated(): number {
    return this.#blocks;
  }
}

/** The log every outbox of this process shares unless given another (tests use their own). */
export const processSharedLog: SharedLog = new SharedLog();
