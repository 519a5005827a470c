/**
 * A client that reads at a chosen rate and no faster: the honest but modest reader that traffic
 * within the limits must never get dropped.
 * @module
 */

import { encodeFrame, type Frame, FrameDecoder } from "../../protocol/mod.ts";
import { waitUntil } from "./timeout.ts";
import type { Address } from "./wire.ts";

/** Reads into this much at a time. */
const READ_BYTES = 64 * 1024;

/** A logged-in connection read at `bytesPerSecond` on average, decoding every frame it gets. */
export class PacedReader {
  /** Every frame received, in order. */
  readonly frames: Frame[] = [];
  /** Bytes received so far. */
  bytes = 0;
  /** How the connection ended (`eof`, or an error's text); null while it is open. */
  ended: string | null = null;
  readonly #conn: Deno.TcpConn;
  readonly #rate: number;
  #stopping = false;
  readonly #done: Promise<void>;

  private constructor(conn: Deno.TcpConn, bytesPerSecond: number) {
    this.#conn = conn;
    this.#rate = bytesPerSecond;
    this.#done = this.#run();
  }

  /** Connects, logs in as `name` and starts reading at `bytesPerSecond`. */
  static async login(addr: Address, name: string, bytesPerSecond: number): Promise<PacedReader> {
    const conn = await Deno.connect({ hostname: addr.hostname, port: addr.port });
    conn.setNoDelay(true);
    const login = encodeFrame({ username: name, message: "" });
    let offset = 0;
    while (offset < login.length) offset += await conn.write(login.subarray(offset));
    return new PacedReader(conn, bytesPerSecond);
  }

  /** How many frames came from `name` (chat messages, not notices). */
  countFrom(name: string): number {
    return this.frames.filter((frame) => frame.username === name).length;
  }

  /** Waits until a frame matching `matches` has arrived (rejects if the connection ended). */
  async waitFor(matches: (frame: Frame) => boolean, ms: number, label: string): Promise<Frame> {
    let found: Frame | undefined;
    await waitUntil(
      () => {
        found = this.frames.find(matches);
        if (found === undefined && this.ended !== null) {
          throw new Error(`connection ended (${this.ended}) while waiting for ${label}`);
        }
        return found !== undefined;
      },
      ms,
      label,
    );
    return found as Frame;
  }

  /** Closes the connection and waits for the reading loop to end. */
  async stop(): Promise<void> {
    this.#stopping = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    await this.#done;
  }

  async #run(): Promise<void> {
    const buffer = new Uint8Array(READ_BYTES);
    const decoder = new FrameDecoder({ maxMessageBytes: 64 * 1024 * 1024 });
    const start = performance.now();
    while (!this.#stopping) {
      let count: number | null;
      try {
        count = await this.#conn.read(buffer);
      } catch (error) {
        if (!this.#stopping) this.ended = error instanceof Error ? error.message : String(error);
        return;
      }
      if (count === null) {
        this.ended = "eof";
        return;
      }
      this.bytes += count;
      for (const result of decoder.push(buffer.subarray(0, count))) {
        if (result.ok) this.frames.push(result.frame);
      }
      const wait = start + (this.bytes / this.#rate) * 1000 - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
