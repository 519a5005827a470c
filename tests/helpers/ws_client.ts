/**
 * A test's WebSocket client for the web listener's `/ws`, with Deno's own WebSocket: sends raw
 * bytes (split or merged as the test likes), decodes what arrives as a byte stream, and reports
 * how the server closed it.
 * @module
 */

import { encodeFrame, type Frame, FrameDecoder } from "../../protocol/mod.ts";
import { TimeoutError, withTimeout } from "./timeout.ts";
import { DEFAULT_WAIT_MS } from "./wire.ts";

/** How the server closed the socket. */
export interface WsClosed {
  readonly code: number;
  readonly reason: string;
}

/** One WebSocket to `/ws`. */
export class WsTestClient {
  readonly #socket: WebSocket;
  readonly #decoder = new FrameDecoder({ maxMessageBytes: 64 * 1024 * 1024 });
  readonly #queue: Frame[] = [];
  readonly #closed: Promise<WsClosed>;
  #wake: (() => void) | null = null;
  #ended: WsClosed | null = null;
  /** Every frame received, in order. */
  readonly received: Frame[] = [];

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.binaryType = "arraybuffer";
    socket.addEventListener("message", (event) => {
      const data = event.data instanceof ArrayBuffer
        ? new Uint8Array(event.data)
        : new TextEncoder().encode(String(event.data));
      for (const result of this.#decoder.push(data)) {
        if (!result.ok) throw result.error;
        this.#queue.push(result.frame);
        this.received.push(result.frame);
      }
      this.#poke();
    });
    this.#closed = new Promise((resolve) => {
      socket.addEventListener("close", (event) => {
        this.#ended = { code: event.code, reason: event.reason };
        resolve(this.#ended);
        this.#poke();
      });
    });
  }

  /**
   * Opens `url` (optionally with headers such as Origin, and an HTTP client trusting a test CA);
   * rejects if it does not open.
   */
  static async open(
    url: string,
    headers: Record<string, string> = {},
    httpClient?: Deno.HttpClient,
  ): Promise<WsTestClient> {
    const socket = new WebSocket(url, {
      headers,
      ...(httpClient === undefined ? {} : { client: httpClient }),
    });
    const client = new WsTestClient(socket);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.addEventListener("open", () => resolve());
        socket.addEventListener("error", () => reject(new Error(`cannot open ${url}`)));
      }),
      DEFAULT_WAIT_MS,
      `the WebSocket ${url} to open`,
    );
    return client;
  }

  /** Sends bytes as one binary message. */
  sendBytes(bytes: Uint8Array): void {
    this.#socket.send(bytes);
  }

  /** Sends a text message (which the server refuses). */
  sendText(text: string): void {
    this.#socket.send(text);
  }

  /** Sends a login frame and waits for the welcome. */
  async login(name: string): Promise<void> {
    this.sendBytes(encodeFrame({ username: name, message: "" }));
    await this.waitFor((f) => f.username === "" && f.message.startsWith("Welcome"), "the welcome");
  }

  /** Sends one chat frame. */
  say(message: string): void {
    this.sendBytes(encodeFrame({ username: "", message }));
  }

  /** Skips frames until one matches. */
  async waitFor(
    matches: (frame: Frame) => boolean,
    label: string,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.#queue.shift();
      if (frame !== undefined) {
        if (matches(frame)) return frame;
        continue;
      }
      if (this.#ended !== null) {
        throw new Error(`closed (${this.#ended.code} ${this.#ended.reason}) waiting for ${label}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new TimeoutError(label, timeoutMs);
      await withTimeout(new Promise<void>((resolve) => this.#wake = resolve), left, label);
    }
  }

  /** Waits for a notice containing `text`. */
  waitForNotice(text: string): Promise<Frame> {
    return this.waitFor((f) => f.username === "" && f.message.includes(text), `notice ${text}`);
  }

  /** Waits for the server to close the socket. */
  closed(timeoutMs = DEFAULT_WAIT_MS): Promise<WsClosed> {
    return withTimeout(this.#closed, timeoutMs, "the server to close the WebSocket");
  }

  /** Closes from this side and waits until the socket is closed. */
  async close(): Promise<void> {
    if (this.#ended === null) {
      try {
        this.#socket.close();
      } catch {
        // Already closing.
      }
    }
    await this.closed();
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
