/**
 * The soak's bookkeeping: every message a client sends is numbered per sender, every receipt is
 * checked against what that receiver saw before from that sender, so a loss, a duplicate or a
 * reordering is counted the moment it shows, without keeping the messages.
 * @module
 */

/** What one receiver knows about one sender: the highest number seen and how many arrived. */
interface Track {
  last: number;
  count: number;
}

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
  /** Receipts of a number lower than one already received from that sender. */
  outOfOrder: number;
}

/** Counts per sender and per receiver; the soak feeds it, the report reads its totals. */
export class Ledger {
  readonly #sent = new Map<string, number>();
  readonly #seen = new Map<string, Map<string, Track>>();
  #delivered = 0;
  #duplicated = 0;
  #outOfOrder = 0;

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
    let bySender = this.#seen.get(receiver);
    if (bySender === undefined) {
      bySender = new Map();
      this.#seen.set(receiver, bySender);
    }
    const track = bySender.get(sender);
    if (track === undefined) {
      bySender.set(sender, { last: seq, count: 1 });
      return;
    }
    if (seq === track.last) {
      this.#duplicated++;
      return;
    }
    if (seq < track.last) {
      this.#outOfOrder++;
      return;
    }
    track.last = seq;
    track.count++;
  }

  /** How many distinct messages from `sender` reached `receiver`. */
  receivedCount(receiver: string, sender: string): number {
    return this.#seen.get(receiver)?.get(sender)?.count ?? 0;
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
      duplicated: this.#duplicated,
      outOfOrder: this.#outOfOrder,
    };
  }
}
