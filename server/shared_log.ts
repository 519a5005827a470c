/**
 * The frames fanned out to many members, each kept once, however many outboxes still have to
 * send it.
 * @module
 */

/**
 * An append-only log of broadcast frames with a reference count per frame. Outboxes hold
 * positions (sequence numbers) instead of one pointer per frame, so a burst of N broadcasts to
 * M members costs N log entries plus a few ranges per member, not N x M queue slots. A frame is
 * forgotten once every outbox that took it has released it; the log then trims its front.
 */
export class SharedLog {
  #frames: Uint8Array[] = [];
  #refs: number[] = [];
  /** Index in the arrays of the oldest entry still kept. */
  #start = 0;
  /** Sequence number of `#frames[0]`. */
  #base = 0;
  #last: Uint8Array | null = null;

  /**
   * Takes a reference to `bytes` and returns its sequence number. The same array handed in again
   * right after (a fan-out loop) is the same entry; anything else is appended.
   */
  ref(bytes: Uint8Array): number {
    if (bytes !== this.#last) {
      this.#frames.push(bytes);
      this.#refs.push(0);
      this.#last = bytes;
    }
    const index = this.#frames.length - 1;
    this.#refs[index]++;
    return this.#base + index;
  }

  /** The frame at `seq`; the caller must hold a reference to it. */
  frame(seq: number): Uint8Array {
    const index = seq - this.#base;
    if (index < this.#start || index >= this.#frames.length) {
      throw new RangeError(`shared log entry ${seq} is not held`);
    }
    return this.#frames[index];
  }

  /** Drops one reference to `seq`; trims the front of the log once nobody needs it. */
  release(seq: number): void {
    const index = seq - this.#base;
    // A released frame stays until the front reaches it: a fan-out still in progress may take
    // the newest entry again.
    if (--this.#refs[index] === 0 && index === this.#start) this.#trim();
  }

  /** Entries kept (some may already be released, behind an older one still held). */
  get size(): number {
    return this.#frames.length - this.#start;
  }

  #trim(): void {
    const frames = this.#frames;
    let start = this.#start;
    while (start < frames.length && this.#refs[start] === 0) start++;
    if (start === frames.length) {
      // Everything released: start over, and forget the last frame so it is not reused.
      this.#base += frames.length;
      this.#frames = [];
      this.#refs = [];
      this.#start = 0;
      this.#last = null;
      return;
    }
    this.#start = start;
    if (start > 1024 && start * 2 > frames.length) {
      this.#frames = frames.slice(start);
      this.#refs = this.#refs.slice(start);
      this.#base += start;
      this.#start = 0;
    }
  }
}

/** The log every outbox of this process shares unless given another (tests use their own). */
export const processSharedLog: SharedLog = new SharedLog();
