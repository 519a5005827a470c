/**
 * The senders: clients 0..S-1 send R messages per second each, spread evenly in time, or with
 * R = 0 as fast as the server takes them with a bounded number in flight per sender. Messages
 * that fall due together are stamped and sent in one write.
 * @module
 */

import type { MessageTemplate } from "./client.ts";
import type { Crowd } from "./crowd.ts";
import { nowMicros, payloadTemplate, stampPayload } from "./payload.ts";

/** How the senders send. */
export interface SendOptions {
  /** Messages per second per sender; 0 = as fast as possible within `inFlight`. */
  rate: number;
  /** With rate 0: messages a sender may have sent and not yet seen delivered to everyone. */
  inFlight: number;
  /** Payload size in bytes (B). */
  payloadBytes: number;
}

const TICK_MS = 1;
const MAX_BATCH = 1000;

/** Drives the senders of a crowd until stopped. */
export class SendLoop {
  readonly #crowd: Crowd;
  readonly #options: SendOptions;
  readonly #templates: MessageTemplate[];
  readonly #seq: Float64Array;
  #timer: ReturnType<typeof setInterval> | undefined;
  #startMs = 0;
  #pumpQueued = false;
  #running = false;

  constructor(crowd: Crowd, options: SendOptions) {
    this.#crowd = crowd;
    this.#options = options;
    const senders = crowd.clients.slice(0, crowd.options.senders);
    this.#templates = senders.map((client) =>
      client.messageTemplate(payloadTemplate(client.index, options.payloadBytes))
    );
    this.#seq = new Float64Array(senders.length);
  }

  /** Starts sending. */
  start(): void {
    this.#running = true;
    this.#startMs = nowMicros() / 1000;
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    if (this.#options.rate === 0) {
      this.#crowd.onDelivery = () => this.#queuePump();
      this.#pump();
    }
  }

  /** Stops sending new messages (those already written still arrive and are counted). */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#crowd.onDelivery = null;
  }

  #tick(): void {
    if (this.#options.rate === 0) {
      this.#pump();
      return;
    }
    const rate = this.#options.rate;
    const senders = this.#templates.length;
    const micros = nowMicros();
    const elapsedMs = micros / 1000 - this.#startMs;
    for (let s = 0; s < senders; s++) {
      // Sender s starts s/(S*R) seconds in, so the S senders' messages interleave evenly.
      const offsetMs = (s * 1000) / (senders * rate);
      if (elapsedMs < offsetMs) continue;
      const due = Math.floor(((elapsedMs - offsetMs) * rate) / 1000) + 1 - this.#seq[s];
      if (due > 0) this.#send(s, due, micros);
    }
  }

  #queuePump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (!this.#running) return;
    const ledger = this.#crowd.ledger;
    const receivers = ledger.receivers - 1;
    // One clock read per pump, not per send: reading the clock is an op, and pumps run after
    // every read completion when R = 0.
    let micros = -1;
    for (let s = 0; s < this.#templates.length; s++) {
      const done = Math.floor(ledger.deliveredOf[s] / receivers);
      const room = this.#options.inFlight - (this.#seq[s] - done);
      if (room <= 0) continue;
      if (micros < 0) micros = nowMicros();
      this.#send(s, room, micros);
    }
  }

  /** Stamps and sends `wanted` messages of `sender` in one write, sent at `micros`. */
  #send(sender: number, wanted: number, micros: number): void {
    const client = this.#crowd.clients[sender];
    if (client.busy || client.state !== "joined") return;
    const count = Math.min(wanted, MAX_BATCH);
    const { bytes, payloadAt } = this.#templates[sender];
    const size = bytes.length;
    const batch = new Uint8Array(size * count);
    let seq = this.#seq[sender];
    for (let k = 0; k < count; k++) {
      batch.set(bytes, k * size);
      stampPayload(batch, k * size + payloadAt, seq++, micros);
    }
    this.#seq[sender] = seq;
    this.#crowd.ledger.sentBy[sender] = seq;
    client.send(batch);
  }
}
