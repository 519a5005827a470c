/**
 * A scripted stand-in for the chat server, built from the codec: the test decides every byte the
 * client receives and when the connection ends (refusals, resets, bad frames), which the real
 * server would not do on demand.
 * @module
 */

import { encodeFrame, type Frame, FrameDecoder, notice } from "../../protocol/mod.ts";
import { withTimeout } from "./timeout.ts";

/** One accepted client connection, driven by the test. */
export class FakePeer {
  readonly conn: Deno.TcpConn;
  readonly #decoder = new FrameDecoder({ maxMessageBytes: 16 * 1024 * 1024 });
  readonly #frames: Frame[] = [];
  readonly #buffer = new Uint8Array(64 * 1024);
  #ended = false;
  #closed = false;

  constructor(conn: Deno.TcpConn) {
    this.conn = conn;
  }

  /** The next frame the client sent; null if it closed the connection first. */
  async nextFrame(ms = 5000): Promise<Frame | null> {
    return await withTimeout(this.#nextFrame(), ms, "a frame from the client");
  }

  async #nextFrame(): Promise<Frame | null> {
    while (this.#frames.length === 0) {
      if (this.#ended) return null;
      let n: number | null;
      try {
        n = await this.conn.read(this.#buffer);
      } catch {
        n = null;
      }
      if (n === null) {
        this.#ended = true;
        return null;
      }
      for (const result of this.#decoder.push(this.#buffer.subarray(0, n))) {
        if (!result.ok) throw result.error;
        this.#frames.push(result.frame);
      }
    }
    return this.#frames.shift() ?? null;
  }

  /** Resolves once the client closed its side (reads end), skipping any frames still coming. */
  async waitClosed(ms = 5000): Promise<Frame[]> {
    const seen: Frame[] = [];
    for (;;) {
      const frame = await this.nextFrame(ms);
      if (frame === null) return seen;
      seen.push(frame);
    }
  }

  /** Writes raw bytes to the client. */
  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) offset += await this.conn.write(bytes.subarray(offset));
  }

  /** Sends a frame to the client. */
  async send(frame: Frame): Promise<void> {
    await this.write(encodeFrame(frame));
  }

  /** Sends a notice to the client. */
  async sendNotice(text: string): Promise<void> {
    await this.send(notice(text));
  }

  /** Closes the connection (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** A listener on 127.0.0.1 with a free port, handing each connection to the test. */
export class FakeChatServer {
  readonly listener: Deno.TcpListener;
  readonly #peers: FakePeer[] = [];

  constructor(port = 0) {
    this.listener = Deno.listen({ hostname: "127.0.0.1", port });
  }

  /** The port it listens on. */
  get port(): number {
    return this.listener.addr.port;
  }

  /** Accepts the next connection. */
  async accept(ms = 5000): Promise<FakePeer> {
    const conn = await withTimeout(this.listener.accept(), ms, "a client connection");
    const peer = new FakePeer(conn);
    this.#peers.push(peer);
    return peer;
  }

  /** Accepts a connection and reads its login frame. */
  async acceptLogin(ms = 5000): Promise<{ peer: FakePeer; login: Frame }> {
    const peer = await this.accept(ms);
    const login = await peer.nextFrame(ms);
    if (login === null) throw new Error("the client closed before logging in");
    return { peer, login };
  }

  /** Closes the listener and every accepted connection. */
  close(): void {
    for (const peer of this.#peers) peer.close();
    try {
      this.listener.close();
    } catch {
      // Already closed.
    }
  }
}
