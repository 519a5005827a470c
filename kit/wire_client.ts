/**
 * A raw protocol client: real sockets, frames in and out, every wait bounded. The tests drive
 * the server with it, the soak keeps its crowd chatting with it.
 *
 * Reading is lazy by default: the client reads from its socket only while its user waits for
 * something, so a client that is never asked to read really does not read (the slow-consumer
 * tests rely on it). {@link WireClient.readEach} instead reads all the time and hands every frame
 * to a callback without keeping it (a soak client that must never look like a slow reader).
 * @module
 */

import { encodeFrame, type Frame, FrameDecoder } from "../protocol/mod.ts";
import { TimeoutError, withTimeout } from "./timeout.ts";

/** Default wait for one expected event, in ms. */
export const DEFAULT_WAIT_MS = 5000;

/** Where to connect: a server's `addr`, or any hostname and port. */
export interface Address {
  hostname: string;
  port: number;
}

type ReadOutcome = "data" | "eof" | "error";

/** Shows a frame in failure messages. */
export function showFrame(frame: Frame): string {
  const text = frame.message.length > 80 ? `${frame.message.slice(0, 80)}...` : frame.message;
  return frame.username === "" ? `notice ${JSON.stringify(text)}` : `${frame.username}: ${text}`;
}

/** One connection to the server, seen frame by frame. */
export class WireClient {
  readonly #conn: Deno.TcpConn;
  readonly #decoder = new FrameDecoder({ maxMessageBytes: 64 * 1024 * 1024 });
  readonly #queue: Frame[] = [];
  readonly #buffer = new Uint8Array(64 * 1024);
  #pendingRead: Promise<ReadOutcome> | null = null;
  #writes: Promise<void> = Promise.resolve();
  #ended: "eof" | "error" | null = null;
  #endError: unknown = null;
  #closed = false;
  /** The name this client logged in with (set by {@link WireClient.login}). */
  name = "";
  /** Every frame this client has taken from the socket, in order (not those of readEach). */
  readonly received: Frame[] = [];

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** Connects to `addr` over TCP. */
  static async connect(addr: Address): Promise<WireClient> {
    const conn = await Deno.connect({ hostname: addr.hostname, port: addr.port });
    conn.setNoDelay(true);
    return new WireClient(conn);
  }

  /** The local address (what the server sees as the remote). */
  get localAddr(): Deno.NetAddr {
    return this.#conn.localAddr;
  }

  /** The underlying socket, for tests that must misbehave in ways the helpers do not cover. */
  get conn(): Deno.TcpConn {
    return this.#conn;
  }

  /**
   * Sends raw bytes, all of them (looping over partial writes); sends overlapping in time go out
   * one after another, never interleaved.
   */
  sendRaw(bytes: Uint8Array): Promise<void> {
    const write = this.#writes.then(async () => {
      let offset = 0;
      while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
    });
    this.#writes = write.catch(() => {});
    return write;
  }

  /** Sends one encoded frame. */
  send(frame: Frame): Promise<void> {
    return this.sendRaw(encodeFrame(frame));
  }

  /** Sends a chat message (or command) under this client's name. */
  say(message: string): Promise<void> {
    return this.send({ username: this.name, message });
  }

  /**
   * Logs in as `name` (with an optional first message) and waits for the welcome notice;
   * resolves with the welcome text.
   */
  async login(name: string, firstMessage = "", timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    this.name = name;
    await this.send({ username: name, message: firstMessage });
    const welcome = await this.waitForNotice("Welcome, ", timeoutMs);
    return welcome.message;
  }

  /** The next frame; rejects with a clear message on timeout or if the connection ends. */
  async nextFrame(timeoutMs = DEFAULT_WAIT_MS, label = "the next frame"): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.#queue.shift();
      if (frame !== undefined) return frame;
      if (this.#ended !== null) {
        throw new Error(`connection ended (${this.#describeEnd()}) while waiting for ${label}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new TimeoutError(`${label}${this.#recent()}`, timeoutMs);
      this.#pendingRead ??= this.#readOnce();
      try {
        await withTimeout(this.#pendingRead, left, label);
      } catch (error) {
        if (error instanceof TimeoutError) {
          throw new TimeoutError(`${label}${this.#recent()}`, timeoutMs);
        }
        throw error;
      }
      this.#pendingRead = null;
    }
  }

  /** Skips frames until one matches; rejects on timeout, listing what was seen instead. */
  async waitForFrame(
    matches: (frame: Frame) => boolean,
    timeoutMs = DEFAULT_WAIT_MS,
    label = "a matching frame",
  ): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await this.nextFrame(Math.max(1, deadline - Date.now()), label);
      if (matches(frame)) return frame;
    }
  }

  /** Waits for a notice (empty username) containing `substring`. */
  waitForNotice(substring: string, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    return this.waitForFrame(
      (f) => f.username === "" && f.message.includes(substring),
      timeoutMs,
      `a notice containing ${JSON.stringify(substring)}`,
    );
  }

  /** Waits for a chat message from `from` (and with exactly `text`, if given). */
  waitForMessage(from: string, text?: string, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    return this.waitForFrame(
      (f) => f.username === from && (text === undefined || f.message === text),
      timeoutMs,
      `a message from ${from}${text === undefined ? "" : ` saying ${JSON.stringify(text)}`}`,
    );
  }

  /**
   * A barrier: sends `/users` and resolves with every frame that arrived before its reply.
   * Since the server handles one client's frames in order, anything caused by earlier frames
   * that was going to reach this client has arrived by then (use it to prove an absence).
   */
  async sync(timeoutMs = DEFAULT_WAIT_MS): Promise<Frame[]> {
    await this.say("/users");
    const before: Frame[] = [];
    for (;;) {
      const frame = await this.nextFrame(timeoutMs, "the /users reply");
      if (frame.username === "" && frame.message.startsWith("Online (")) return before;
      before.push(frame);
    }
  }

  /**
   * Waits for the server to close the connection (EOF or reset); resolves with the frames that
   * came before it. Rejects if it stays open past the timeout.
   */
  async expectClosed(timeoutMs = DEFAULT_WAIT_MS): Promise<Frame[]> {
    const frames: Frame[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#queue.length > 0) frames.push(this.#queue.shift() as Frame);
      if (this.#ended !== null) return frames;
      const left = deadline - Date.now();
      if (left <= 0) throw new TimeoutError(`the server to close the connection`, timeoutMs);
      this.#pendingRead ??= this.#readOnce();
      await withTimeout(this.#pendingRead, left, "the server to close the connection");
      this.#pendingRead = null;
    }
  }

  /**
   * Reads all the time from now on, handing each frame to `onFrame` (not to the queue, so an
   * hour of traffic costs no memory); resolves when the connection ends or is closed. The
   * waiting methods (nextFrame, ...) must not be used on the client afterwards.
   */
  readEach(onFrame: (frame: Frame) => void): Promise<void> {
    const loop = async (): Promise<ReadOutcome> => {
      for (;;) {
        const outcome = await this.#readOnce(onFrame);
        if (outcome !== "data") return outcome;
      }
    };
    const reading = this.#pendingRead === null ? loop() : this.#pendingRead.then(loop);
    this.#pendingRead = reading;
    return reading.then(() => {});
  }

  /** True once the socket reported EOF or an error to a read. */
  get ended(): boolean {
    return this.#ended !== null;
  }

  /** Closes the socket (abruptly: no /quit) and waits for any read or write in flight. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    if (this.#pendingRead !== null) await this.#pendingRead;
    this.#pendingRead = null;
    await this.#writes;
  }

  async #readOnce(deliver?: (frame: Frame) => void): Promise<ReadOutcome> {
    let count: number | null;
    try {
      count = await this.#conn.read(this.#buffer);
    } catch (error) {
      this.#ended = "error";
      this.#endError = error;
      return "error";
    }
    if (count === null) {
      this.#ended = "eof";
      return "eof";
    }
    for (const result of this.#decoder.push(this.#buffer.subarray(0, count))) {
      if (!result.ok) {
        this.#ended = "error";
        this.#endError = result.error;
        return "error";
      }
      if (deliver !== undefined) {
        deliver(result.frame);
      } else {
        this.#queue.push(result.frame);
        this.received.push(result.frame);
      }
    }
    return "data";
  }

  #describeEnd(): string {
    if (this.#ended === "eof") return "closed by the server";
    const error = this.#endError;
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }

  #recent(): string {
    const last = this.received.slice(-5).map(showFrame);
    return last.length === 0 ? " (nothing received)" : ` (last received: ${last.join(" | ")})`;
  }
}

/** Connects a client to `addr`. */
export function connectClient(addr: Address): Promise<WireClient> {
  return WireClient.connect(addr);
}
