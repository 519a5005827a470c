/**
 * One soak client: a raw protocol connection that reads all the time (so the server never sees
 * it as a slow reader) and hands every frame to a callback.
 * @module
 */

import { encodeFrame, type Frame, FrameDecoder } from "../protocol/mod.ts";

/** Receives each frame as it arrives. */
export type FrameHandler = (frame: Frame) => void;

/** A logged-in soak client. */
export class SoakClient {
  readonly name: string;
  readonly #conn: Deno.TcpConn;
  readonly #reading: Promise<void>;
  #closed = false;
  #writes: Promise<void> = Promise.resolve();

  private constructor(name: string, conn: Deno.TcpConn, onFrame: FrameHandler) {
    this.name = name;
    this.#conn = conn;
    this.#reading = this.#readLoop(onFrame);
  }

  /** Connects and sends the login frame; the welcome arrives through `onFrame`. */
  static async connect(port: number, name: string, onFrame: FrameHandler): Promise<SoakClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    const client = new SoakClient(name, conn, onFrame);
    client.send("");
    return client;
  }

  /** Resolves when the server closed the connection (or it failed). */
  get ended(): Promise<void> {
    return this.#reading;
  }

  /** Queues one frame; writes go out in order. Resolves false if the connection failed. */
  send(message: string): Promise<boolean> {
    const bytes = encodeFrame({ username: this.name, message });
    const write = this.#writes.then(async () => {
      let at = 0;
      while (at < bytes.length) at += await this.#conn.write(bytes.subarray(at));
    });
    this.#writes = write.catch(() => {});
    return write.then(() => true, () => false);
  }

  /** Sends /quit and waits for the server to close the connection. */
  async quit(): Promise<void> {
    await this.send("/quit");
    await this.#reading;
    this.close();
  }

  /** Closes at once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }

  /** Closes and waits until the reader has let go of the socket. */
  async dispose(): Promise<void> {
    this.close();
    await this.#reading;
    await this.#writes;
  }

  async #readLoop(onFrame: FrameHandler): Promise<void> {
    const decoder = new FrameDecoder({ maxMessageBytes: 16 * 1024 * 1024 });
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await this.#conn.read(buffer);
        if (n === null) return;
        for (const result of decoder.push(buffer.subarray(0, n))) {
          if (result.ok) onFrame(result.frame);
        }
      }
    } catch {
      // Reset or closed by us: the connection is over either way.
    }
  }
}
