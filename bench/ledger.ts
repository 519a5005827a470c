/**
 * The benchmark's delivery ledger: the kit's message ledger (kit/ledger.ts) over N receivers and
 * S senders (clients 0..S-1), plus what only the benchmark needs: what each sender sent, the
 * measured window's deliveries and latencies, and payloads that could not be read.
 * @module
 */

import { MessageLedger } from "../kit/ledger.ts";
import { LatencyHistogram } from "./latency.ts";

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
  /** One stream per (receiver, sender): receiver * senders + sender. */
  readonly #streams: MessageLedger;
  #corrupt = 0;
  #windowOpen = false;
  #windowDeliveries = 0;

  constructor(receivers: number, senders: number) {
    this.receivers = receivers;
    this.senders = senders;
    this.sentBy = new Float64Array(senders);
    this.deliveredOf = new Float64Array(senders);
    this.#streams = new MessageLedger({ streams: receivers * senders });
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
    return this.#streams.unique;
  }

  /** Deliveries that should happen for everything sent so far. */
  get expectedDeliveries(): number {
    return this.#sent() * (this.receivers - 1);
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
    if (!this.#streams.record(receiver * this.senders + sender, seq)) return;
    this.deliveredOf[sender]++;
    if (this.#windowOpen) {
      this.#windowDeliveries++;
      this.latency.record(latencyMicros);
    }
  }

  /** The run's totals; call after the drain. */
  totals(): LedgerTotals {
    const sent = this.#sent();
    const expected = sent * (this.receivers - 1);
    const unique = this.#streams.unique;
    return {
      sent,
      expected,
      unique,
      lost: Math.max(0, expected - unique),
      duplicated: this.#streams.duplicated,
      outOfOrder: this.#streams.outOfOrder,
      corrupt: this.#corrupt,
    };
  }

  #sent(): number {
    let sent = 0;
    for (let s = 0; s < this.senders; s++) sent += this.sentBy[s];
    return sent;
  }
}
