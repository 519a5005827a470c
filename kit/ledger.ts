/**
 * The message ledger: for every stream of numbered messages (one sender's messages as one
 * receiver gets them), which numbers arrived, so a loss, a duplicate or a reordering is counted
 * the moment it shows, without keeping the messages. The benchmark and the soak both score their
 * runs with it.
 *
 * Per stream it keeps the next number expected. A gap remembers the skipped numbers, so a late
 * arrival counts as out of order, a repeat as a duplicate, and what never arrives as lost. In the
 * normal case (TCP, one server, order kept) a receipt is one array read and two writes.
 * @module
 */

/** Gap entries remembered before further gaps are counted as lost without tracking. */
const MAX_TRACKED_GAPS = 2_000_000;

/** How a ledger's streams begin. */
export interface LedgerOptions {
  /** Streams known at the start (their ids are 0..streams-1); more are added as they arrive. */
  streams?: number;
  /**
   * false (default): every stream starts at number 0, the receiver was there from the first
   * message. true: a stream starts at the first number it receives (a receiver that joined
   * late); numbers below it count as duplicates.
   */
  startAtFirstSeen?: boolean;
}

/** Counts receipts per stream; the caller numbers its streams 0, 1, 2, ... */
export class MessageLedger {
  readonly #startAtFirstSeen: boolean;
  /** Per stream: the next number expected, plus one (0: nothing received yet). */
  #next: Int32Array;
  /** Per stream: distinct numbers received. */
  #distinct: Int32Array;
  readonly #gaps = new Map<number, Set<number>>();
  #gapCount = 0;
  #unique = 0;
  #duplicated = 0;
  #outOfOrder = 0;

  constructor(options: LedgerOptions = {}) {
    this.#startAtFirstSeen = options.startAtFirstSeen ?? false;
    this.#next = new Int32Array(Math.max(16, options.streams ?? 0));
    this.#distinct = new Int32Array(this.#next.length);
  }

  /** Distinct receipts so far, all streams. */
  get unique(): number {
    return this.#unique;
  }

  /** Receipts of a number the stream had already received. */
  get duplicated(): number {
    return this.#duplicated;
  }

  /** Receipts of a number after a higher one on the same stream. */
  get outOfOrder(): number {
    return this.#outOfOrder;
  }

  /** Distinct numbers `stream` has received. */
  distinct(stream: number): number {
    return stream < this.#distinct.length ? this.#distinct[stream] : 0;
  }

  /**
   * Message `seq` (0, 1, 2, ...) arrived on `stream`. True when it is new there (in order or
   * late); false for a duplicate.
   */
  record(stream: number, seq: number): boolean {
    if (stream >= this.#next.length) this.#grow(stream);
    const expected = this.#next[stream] - 1;
    if (seq === expected || (expected === -1 && seq === 0)) {
      this.#next[stream] = seq + 2;
    } else if (seq > expected) {
      if (expected !== -1 || !this.#startAtFirstSeen) {
        this.#rememberGap(stream, Math.max(0, expected), seq);
      }
      this.#next[stream] = seq + 2;
    } else {
      const gaps = this.#gaps.get(stream);
      if (gaps === undefined || !gaps.delete(seq)) {
        this.#duplicated++;
        return false;
      }
      this.#gapCount--;
      this.#outOfOrder++;
    }
    this.#unique++;
    this.#distinct[stream]++;
    return true;
  }

  #rememberGap(stream: number, from: number, to: number): void {
    let gaps = this.#gaps.get(stream);
    for (let missing = from; missing < to; missing++) {
      // Past the bound a gap is simply never filled: it still counts as lost.
      if (this.#gapCount >= MAX_TRACKED_GAPS) return;
      if (gaps === undefined) {
        gaps = new Set();
        this.#gaps.set(stream, gaps);
      }
      gaps.add(missing);
      this.#gapCount++;
    }
  }

  #grow(stream: number): void {
    let size = this.#next.length;
    while (size <= stream) size *= 2;
    const next = new Int32Array(size);
    next.set(this.#next);
    const distinct = new Int32Array(size);
    distinct.set(this.#distinct);
    this.#next = next;
    this.#distinct = distinct;
  }
}
