/**
 * The delivery ledger: what each sender sent, what each receiver got, and from that the lost,
 * duplicated and out-of-order counts and the latencies of the measured window.
 *
 * Per (receiver, sender) pair it keeps the next sequence number expected. A gap remembers the
 * skipped numbers so a late arrival counts as out of order, a repeat as a duplicate, and what
 * never arrives as lost. In the normal case (TCP, one server, order kept) this is one array
 * read and write per delivery.
 * @module
 */

import { LatencyHistogram } from "./latency.ts";

/** Gap entries remembered before further gaps are counted as lost without tracking. */
const MAX_TRACKED_GAPS = 2_000_000;

/** Totals of one run, read after the drain. */
export interface LedgerTotals {
  /** Messages the senders wrote (warm-up, window and drain). */
  sent: number;
  /** Deliveries that should have happened: each message to every client but its sender. */
  expected: number;
  /** Distinct deliveries received. */
  unique: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Payloads whose digit fields did not parse, or named an unknown sender. */
  corrupt: number;
}

/** Records deliveries for N receivers and S senders (senders are clients 0..S-1). */
export class DeliveryLedger {
  readonly receivers: number;
  readonly senders: number;
  /** Latencies of deliveries received inside the measured window. */
  readonly latency = new LatencyHistogram();
  /** Messages sent so far, per sender. */
  readonly sentBy: Float64Array;
  /** Distinct deliveries so far, per sender (drives the in-flight bound when R = 0). */
  readonly deliveredOf: Float64Array;
  readonly #nextSeq: Int32Array;
  readonly #gaps = new Map<number, Set<number>>();
  #gapCount = 0;
  #unique = 0;
  #duplicated = 0;
  #outOfOrder = 0;
  #corrupt = 0;
  #windowOpen = false;
  #windowDeliveries = 0;

  constructor(receivers: number, senders: number) {
    this.receivers = receivers;
    this.senders = senders;
    this.sentBy = new Float64Array(senders);
    this.deliveredOf = new Float64Array(senders);
    this.#nextSeq = new Int32Array(receivers * senders);
  }

  /** Starts counting deliveries and latencies for the window. */
  openWindow(): void {
    this.#windowOpen = true;
  }

  /** Stops the window; later deliveries still count for loss, not for rate or latency. */
  closeWindow(): void {
    this.#windowOpen = false;
  }

  /** Deliveries received while the window was open. */
  get windowDeliveries(): number {
    return this.#windowDeliveries;
  }

  /** Distinct deliveries so far (all phases). */
  get uniqueDeliveries(): number {
    return this.#unique;
  }

  /** Deliveries that should happen for everything sent so far. */
  get expectedDeliveries(): number {
    let sent = 0;
    for (let s = 0; s < this.senders; s++) sent += this.sentBy[s];
    return sent * (this.receivers - 1);
  }

  /** A payload that could not be read. */
  recordCorrupt(): void {
    this.#corrupt++;
  }

  /** One message received by `receiver`; `latencyMicros` is now minus its send time. */
  recordDelivery(receiver: number, sender: number, seq: number, latencyMicros: number): void {
    if (sender >= this.senders || sender === receiver || receiver >= this.receivers) {
      this.#corrupt++;
      return;
    }
    const pair = receiver * this.senders + sender;
    const expected = this.#nextSeq[pair];
    if (seq === expected) {
      this.#nextSeq[pair] = expected + 1;
    } else if (seq > expected) {
      this.#rememberGap(pair, expected, seq);
      this.#nextSeq[pair] = seq + 1;
    } else {
      const gaps = this.#gaps.get(pair);
      if (gaps !== undefined && gaps.delete(seq)) {
        this.#gapCount--;
        this.#outOfOrder++;
      } else {
        this.#duplicated++;
        return;
      }
    }
    this.#unique++;
    this.deliveredOf[sender]++;
    if (this.#windowOpen) {
      this.#windowDeliveries++;
      this.latency.record(latencyMicros);
    }
  }

  #rememberGap(pair: number, from: number, to: number): void {
    let gaps = this.#gaps.get(pair);
    for (let missing = from; missing < to; missing++) {
      // Past the bound a gap is simply never filled: it still counts as lost.
      if (this.#gapCount >= MAX_TRACKED_GAPS) return;
      if (gaps === undefined) {
        gaps = new Set();
        this.#gaps.set(pair, gaps);
      }
      gaps.add(missing);
      this.#gapCount++;
    }
  }

  /** The run's totals; call after the drain. */
  totals(): LedgerTotals {
    let sent = 0;
    for (let s = 0; s < this.senders; s++) sent += this.sentBy[s];
    const expected = sent * (this.receivers - 1);
    return {
      sent,
      expected,
      unique: this.#unique,
      lost: Math.max(0, expected - this.#unique),
      duplicated: this.#duplicated,
      outOfOrder: this.#outOfOrder,
      corrupt: this.#corrupt,
    };
  }
}
