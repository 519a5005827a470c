/**
 * The soak's bookkeeping: the kit's message ledger (kit/ledger.ts) with clients named instead of
 * numbered. Every message a client sends is numbered per sender (1, 2, 3, ...); a client that
 * joins late starts each stream at the first message it gets.
 * @module
 */

import { MessageLedger } from "../kit/ledger.ts";

/** Totals of a soak run. */
export interface LedgerTotals {
  /** Messages written by all clients. */
  sent: number;
  /** Chat frames received by all clients. */
  delivered: number;
  /** Messages a receiver that stayed connected throughout never got. */
  lost: number;
  /** Receipts of a number already received from that sender. */
  duplicated: number;
  /** Receipts of a number after a higher one from that sender. */
  outOfOrder: number;
}

/** Counts per sender and per receiver; the soak feeds it, the report reads its totals. */
export class Ledger {
  readonly #sent = new Map<string, number>();
  readonly #messages = new MessageLedger({ startAtFirstSeen: true });
  /** Stream ids by receiver, then sender. */
  readonly #streams = new Map<string, Map<string, number>>();
  #streamCount = 0;
  #delivered = 0;

  /** `sender` wrote its message number `seq` (1, 2, 3... per sender). */
  sent(sender: string, seq: number): void {
    this.#sent.set(sender, seq);
  }

  /** Messages `sender` has written so far. */
  sentBy(sender: string): number {
    return this.#sent.get(sender) ?? 0;
  }

  /** `receiver` got message number `seq` from `sender`. */
  received(receiver: string, sender: string, seq: number): void {
    this.#delivered++;
    let bySender = this.#streams.get(receiver);
    if (bySender === undefined) {
      bySender = new Map();
      this.#streams.set(receiver, bySender);
    }
    let stream = bySender.get(sender);
    if (stream === undefined) {
      stream = this.#streamCount++;
      bySender.set(sender, stream);
    }
    this.#messages.record(stream, seq - 1);
  }

  /** How many distinct messages from `sender` reached `receiver`. */
  receivedCount(receiver: string, sender: string): number {
    const stream = this.#streams.get(receiver)?.get(sender);
    return stream === undefined ? 0 : this.#messages.distinct(stream);
  }

  /**
   * The totals, where `lost` counts, for each receiver in `stayed` (connected from before the
   * first message to after the last), every message of every other sender it did not get.
   */
  totals(stayed: readonly string[], senders: readonly string[]): LedgerTotals {
    let sent = 0;
    for (const count of this.#sent.values()) sent += count;
    let lost = 0;
    for (const receiver of stayed) {
      for (const sender of senders) {
        if (sender === receiver) continue;
        lost += Math.max(0, this.sentBy(sender) - this.receivedCount(receiver, sender));
      }
    }
    return {
      sent,
      delivered: this.#delivered,
      lost,
      duplicated: this.#messages.duplicated,
      outOfOrder: this.#messages.outOfOrder,
    };
  }
}
