/**
 * One simulated user: a socket, a reusable read buffer parsed in place, and a write queue that
 * sends whatever piled up in one write. The protocol (chat or IRC) is a subclass; what it sees
 * goes to a {@link ClientSink} shared by every client of a run, so thousands of clients cost one
 * object each and no closures per message.
 * @module
 */

import { concatBytes } from "../kit/bytes.ts";

/** Where clients report what happens to them; one per run. */
export interface ClientSink {
  /** The client is logged in and in the room (chat: welcome seen; IRC: 001 and end of NAMES). */
  loggedIn(client: BenchClient): void;
  /** The login was refused or the connection ended; `reason` says why, for the report. */
  failed(client: BenchClient, reason: string): void;
  /** A benchmark payload of `length` bytes starts at `buf[at]`; read it before returning. */
  delivery(receiver: number, buf: Uint8Array, at: number, length: number): void;
  /** `count` users were announced as joining the room (join notices, IRC JOIN lines). */
  joinNotices(count: number): void;
  /** A history replay arrived whole (our server's `End of history` after the welcome). */
  replay(): void;
  /** Bytes arrived (for detecting when the server has gone quiet). */
  bytesIn(count: number): void;
}

/** Where a message's payload sits inside the protocol's framing of it. */
export interface MessageTemplate {
  /** One complete message as sent on the wire, payload fields zeroed. */
  bytes: Uint8Array;
  /** Offset of the payload inside `bytes`. */
  payloadAt: number;
}

/** Life of a client: logging in, in the room, or gone. */
export type ClientState = "login" | "joined" | "closed";

/**
 * The protocol-independent part of a simulated user. Subclasses say what to send on connect,
 * how to frame a payload, and how to parse what arrives.
 */
export abstract class BenchClient {
  /** Position in the run: senders are 0..S-1. */
  readonly index: number;
  /** The name it logs in with. */
  readonly name: string;
  protected readonly sink: ClientSink;
  #conn: Deno.TcpConn;
  #buf: Uint8Array;
  #fill = 0;
  #want = 0;
  #queue: Uint8Array[] = [];
  #writing = false;
  #closing = false;
  #state: ClientState = "login";
  #done: Promise<void> = Promise.resolve();

  constructor(
    conn: Deno.TcpConn,
    index: number,
    name: string,
    sink: ClientSink,
    bufferBytes: number,
  ) {
    this.#conn = conn;
    this.index = index;
    this.name = name;
    this.sink = sink;
    this.#buf = new Uint8Array(bufferBytes);
  }

  /** Where the client is in its life. */
  get state(): ClientState {
    return this.#state;
  }

  /** True while a write is in progress (senders wait for it before queueing more). */
  get busy(): boolean {
    return this.#writing;
  }

  /** Sends the login and starts reading. */
  start(): void {
    this.#done = this.#readLoop();
    this.send(this.loginBytes());
  }

  /** Queues bytes; everything queued while a write is in flight goes out in the next write. */
  send(bytes: Uint8Array): void {
    if (this.#state === "closed") return;
    this.#queue.push(bytes);
    if (!this.#writing) void this.#flush();
  }

  /** Closes the socket and waits for the read loop to end. Idempotent. */
  async close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#state = "closed";
      try {
        this.#conn.close();
      } catch {
        // already closed by the peer
      }
    }
    await this.#done;
  }

  /** The first bytes sent after connecting. */
  protected abstract loginBytes(): Uint8Array;

  /** The wire form of one message carrying `payload`, for this client's name. */
  abstract messageTemplate(payload: Uint8Array): MessageTemplate;

  /**
   * Parses complete units in `buf[0..end)` and returns how many bytes were used; a partial
   * unit stays for the next read (call {@link needCapacity} if it cannot fit the buffer).
   */
  protected abstract parse(buf: Uint8Array, end: number): number;

  /** Called by parse when a unit of `bytes` bytes is coming, so the buffer can hold it. */
  protected needCapacity(bytes: number): void {
    if (bytes > this.#want) this.#want = bytes;
  }

  /** Marks the login done and tells the sink. */
  protected markJoined(): void {
    if (this.#state !== "login") return;
    this.#state = "joined";
    this.sink.loggedIn(this);
  }

  /** Reports a failure once and closes the connection. */
  protected fail(reason: string): void {
    if (this.#closing) return;
    this.sink.failed(this, reason);
    void this.close();
  }

  async #readLoop(): Promise<void> {
    try {
      while (true) {
        if (this.#want > this.#buf.length || this.#fill === this.#buf.length) {
          const grown = new Uint8Array(Math.max(this.#want, this.#buf.length * 2));
          grown.set(this.#buf.subarray(0, this.#fill));
          this.#buf = grown;
          this.#want = 0;
        }
        const n = await this.#conn.read(this.#buf.subarray(this.#fill));
        if (n === null) {
          this.fail("closed by the server");
          return;
        }
        this.#fill += n;
        this.sink.bytesIn(n);
        const used = this.parse(this.#buf, this.#fill);
        if (used > 0) {
          this.#buf.copyWithin(0, used, this.#fill);
          this.#fill -= used;
        }
      }
    } catch (error) {
      if (!this.#closing) this.fail(describe(error));
    }
  }

  async #flush(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && this.#state !== "closed") {
        const chunk = this.#queue.length === 1 ? this.#queue[0] : concatBytes(this.#queue);
        this.#queue = [];
        let offset = 0;
        while (offset < chunk.length) {
          offset += await this.#conn.write(chunk.subarray(offset));
        }
      }
    } catch (error) {
      if (!this.#closing) this.fail(describe(error));
    } finally {
      this.#writing = false;
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** True when the ASCII text `text` is at `buf[at]`. */
export function asciiAt(buf: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (buf[at + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}
