/**
 * The crowd: every simulated client of one run, opened at a bounded rate, and the sink they all
 * report to (logins, failures, deliveries into the ledger, join notices, when data last came).
 * @module
 */

import { ChatBenchClient } from "./chat_client.ts";
import type { BenchClient, ClientSink } from "./client.ts";
import { IrcBenchClient } from "./irc_client.ts";
import { DeliveryLedger } from "./ledger.ts";
import { nowMicros, type PayloadFields, readPayload } from "./payload.ts";
import type { Protocol, ServerAddress } from "./targets/target.ts";

/**
 * The address client `index` connects to: round-robin over a cluster's instances, so every
 * instance holds the same share of the clients (and of the senders, which are the first S).
 */
export function addressFor(addresses: readonly ServerAddress[], index: number): ServerAddress {
  return addresses[index % addresses.length];
}

/** How to build and open the crowd. */
export interface CrowdOptions {
  host: string;
  port: number;
  /** A cluster's instances: client i connects to instance i mod n instead of host:port. */
  addresses?: readonly ServerAddress[];
  protocol: Protocol;
  /** Clients to open (N). */
  clients: number;
  /** Clients 0..S-1 will send (the ledger needs to know). */
  senders: number;
  /** Size of each message's payload (B); 0 when nobody sends. */
  payloadBytes: number;
  /** New connections per second at most. */
  connectRate: number;
  /** Connections that may be still logging in at once. */
  maxPendingLogins: number;
  /** Initial read buffer per client (grows for larger frames). */
  bufferBytes: number;
  /** IRC only: lines senders send after registering, before joining (see Target). */
  senderSetup?: readonly string[];
}

/** Why logins or connections failed, counted by reason. */
export type FailureCounts = Map<string, number>;

/** All clients of one run and what they saw. */
export class Crowd implements ClientSink {
  readonly options: CrowdOptions;
  readonly clients: BenchClient[] = [];
  readonly ledger: DeliveryLedger;
  /** Login failures (refused, or closed before logging in), by reason. */
  readonly loginFailures: FailureCounts = new Map();
  /** Clients that were dropped after logging in, by reason. */
  readonly drops: FailureCounts = new Map();
  /** Called after deliveries arrive (the in-flight sender refills from here). */
  onDelivery: (() => void) | null = null;
  #loggedIn = 0;
  #failedLogins = 0;
  #dropped = 0;
  #joinNotices = 0;
  #replays = 0;
  #bytesIn = 0;
  #reads = 0;
  #lastDataMicros = 0;
  #firstConnectMicros = 0;
  #lastLoginMicros = 0;
  #pending = 0;
  #closing = false;
  readonly #fields: PayloadFields = { sender: 0, seq: 0, sentMicros: 0 };

  constructor(options: CrowdOptions) {
    this.options = options;
    this.ledger = new DeliveryLedger(options.clients, options.senders);
  }

  /** Clients logged in and in the room. */
  get loggedInCount(): number {
    return this.#loggedIn;
  }

  /** Clients dropped after logging in. */
  get droppedCount(): number {
    return this.#dropped;
  }

  /** Users announced as joining, summed over every receiver. */
  get joinNoticeCount(): number {
    return this.#joinNotices;
  }

  /** History replays received whole, over every client. */
  get replayCount(): number {
    return this.#replays;
  }

  /** Bytes received by all clients. */
  get totalBytesIn(): number {
    return this.#bytesIn;
  }

  /** Socket reads that returned data, over all clients (deliveries per read shows how much
   * the server coalesced its writes). */
  get reads(): number {
    return this.#reads;
  }

  /** Microseconds from the first connect to the last successful login. */
  get loginSpanMicros(): number {
    return this.#loggedIn === 0 ? 0 : this.#lastLoginMicros - this.#firstConnectMicros;
  }

  loggedIn(_client: BenchClient): void {
    this.#loggedIn++;
    this.#pending--;
    this.#lastLoginMicros = nowMicros();
  }

  failed(client: BenchClient, reason: string): void {
    if (this.#closing) return;
    if (client.state === "login") {
      this.#pending--;
      this.#failedLogins++;
      count(this.loginFailures, reason);
    } else {
      this.#dropped++;
      count(this.drops, reason);
    }
  }

  delivery(receiver: number, buf: Uint8Array, at: number, _length: number): void {
    const fields = this.#fields;
    if (readPayload(buf, at, fields)) {
      // Arrival time = that of the read that brought the bytes (taken in bytesIn): one clock
      // read per socket read, not per delivery (a clock read is an op and costs ~1 µs).
      const latency = this.#lastDataMicros - fields.sentMicros;
      this.ledger.recordDelivery(receiver, fields.sender, fields.seq, latency);
      this.onDelivery?.();
    } else {
      this.ledger.recordCorrupt();
    }
  }

  replay(): void {
    this.#replays++;
  }

  joinNotices(n: number): void {
    this.#joinNotices += n;
  }

  bytesIn(n: number): void {
    this.#bytesIn += n;
    this.#reads++;
    this.#lastDataMicros = nowMicros();
  }

  /**
   * Opens every client at most `connectRate` per second with at most `maxPendingLogins`
   * unfinished logins, then waits for all logins to finish (or `timeoutMs` to pass).
   */
  async open(timeoutMs: number): Promise<void> {
    const o = this.options;
    const deadline = performance.now() + timeoutMs;
    const start = performance.now();
    this.#firstConnectMicros = nowMicros();
    for (let i = 0; i < o.clients; i++) {
      const due = start + (i * 1000) / o.connectRate;
      let now = performance.now();
      if (due - now > 1) await sleep(due - now);
      while (this.#pending >= o.maxPendingLogins && performance.now() < deadline) await sleep(1);
      now = performance.now();
      if (now >= deadline) {
        this.loginFailures.set("not attempted: login phase timed out", o.clients - i);
        this.#failedLogins += o.clients - i;
        break;
      }
      await this.#connect(i);
    }
    while (this.#loggedIn + this.#failedLogins < this.clients.length) {
      if (performance.now() >= deadline) break;
      await sleep(5);
    }
    const stuck = this.clients.length - this.#loggedIn - this.#failedLogins;
    if (stuck > 0) {
      this.#failedLogins += stuck;
      this.loginFailures.set("login timed out", stuck);
    }
  }

  async #connect(index: number): Promise<void> {
    const o = this.options;
    const { host, port } = o.addresses !== undefined && o.addresses.length > 0
      ? addressFor(o.addresses, index)
      : o;
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname: host, port });
    } catch (error) {
      this.#failedLogins++;
      count(this.loginFailures, `connect: ${error instanceof Error ? error.message : error}`);
      return;
    }
    try {
      conn.setNoDelay(true);
    } catch {
      // the server already closed it; the read loop will report that
    }
    const name = `b${index}`;
    const client = o.protocol === "chat"
      ? new ChatBenchClient(conn, index, name, this, o.bufferBytes)
      : new IrcBenchClient(
        conn,
        index,
        name,
        this,
        o.bufferBytes,
        o.payloadBytes,
        index < o.senders ? o.senderSetup : [],
      );
    this.clients.push(client);
    this.#pending++;
    client.start();
  }

  /** Waits until no byte has arrived for `quietMs` (or `maxMs` passed); true if it went quiet. */
  async quiet(quietMs: number, maxMs: number): Promise<boolean> {
    const deadline = performance.now() + maxMs;
    while (performance.now() < deadline) {
      if (nowMicros() - this.#lastDataMicros >= quietMs * 1000) return true;
      await sleep(Math.min(quietMs / 4, 50));
    }
    return false;
  }

  /** Closes every client (their departures are not counted as failures). */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.clients.map((c) => c.close()));
  }
}

function count(map: FailureCounts, reason: string): void {
  map.set(reason, (map.get(reason) ?? 0) + 1);
}

/** Waits `ms` milliseconds (the benchmark paces real time; tests never call this directly). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
