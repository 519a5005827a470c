/**
 * A WebSocket as a byte connection: binary messages carry the protocol's byte stream both ways
 * and their boundaries mean nothing, so the session reads it exactly as it reads a socket.
 * @module
 */

import type { Clock, Timer } from "../clock.ts";
import { SHUTDOWN_NOTICE } from "../notices.ts";
import type { Connection } from "../connection.ts";

/** The peer broke the WebSocket rules of the chat (a text message, too much unread data). */
export class WebSocketRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebSocketRefusedError";
  }
}

/** Close codes (RFC 6455 §7.4.1). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  tooBig: 1009,
  /** The server restarts a listener (a certificate reload): reconnect. */
  serviceRestart: 1012,
} as const;

/** The close reason sent for a text message. */
export const TEXT_MESSAGE_REASON = "text messages are not accepted: send binary messages";
/** The close reason sent when more arrives than the session could have read. */
export const TOO_MUCH_UNREAD_REASON = "too much data sent ahead";

/**
 * A write returns at once while the socket buffers at most this many bytes; past it, the write
 * waits until the socket has sent down to {@link LOW_WATER_BYTES}. A waiting write keeps the
 * outbox's bytes counted as unsent, so a reader that stalls overflows the outbox's bound
 * (`--sendq-bytes`) exactly as it does on TCP: at most that bound plus this much is buffered.
 */
export const HIGH_WATER_BYTES = 64 * 1024;
/** Where a waiting write resumes. */
export const LOW_WATER_BYTES = 16 * 1024;
/** How often a waiting write looks at the socket (WebSocket has no drain event). */
export const DRAIN_POLL_MS = 5;
/** Longest close reason a close frame holds, in UTF-8 bytes. */
const MAX_REASON_BYTES = 123;

/** What the adapter needs besides the socket. */
export interface WebSocketConnectionOptions {
  /** The address the client counts against (a trusted proxy's client). */
  readonly remoteAddr: Deno.NetAddr;
  /** WSS: the socket is encrypted. */
  readonly secure?: boolean;
  /** Most bytes received and not yet read before the client is closed as flooding. */
  readonly maxUnreadBytes: number;
  /** Time for the drain polling. */
  readonly clock: Clock;
}

/**
 * Adapts an open WebSocket to {@link Connection}. Received binary messages queue until read (a
 * bounded queue: WebSocket cannot pause its sender); writes send one binary message each.
 */
export class WebSocketConnection implements Connection {
  readonly remoteAddr: Deno.NetAddr;
  readonly secure: boolean;
  readonly #socket: WebSocket;
  readonly #options: WebSocketConnectionOptions;
  readonly #received: Uint8Array[] = [];
  #unread = 0;
  #ended = false;
  #failure: Error | null = null;
  #wakeReader: (() => void) | null = null;
  #drainTimer: Timer | null = null;
  #wakeWriter: ((error: Error | null) => void) | null = null;

  constructor(socket: WebSocket, options: WebSocketConnectionOptions) {
    this.#socket = socket;
    this.#options = options;
    this.remoteAddr = options.remoteAddr;
    this.secure = options.secure ?? false;
    socket.binaryType = "arraybuffer";
    socket.addEventListener("message", (event) => this.#onMessage(event));
    socket.addEventListener("close", () => this.#onEnd(null));
    socket.addEventListener("error", () => this.#onEnd(null));
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#received.length === 0) {
      if (this.#failure !== null) throw this.#failure;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wakeReader = resolve);
    }
    const first = this.#received[0];
    const count = Math.min(first.length, buffer.length);
    buffer.set(first.subarray(0, count));
    if (count === first.length) this.#received.shift();
    else this.#received[0] = first.subarray(count);
    this.#unread -= count;
    return count;
  }

  write(bytes: Uint8Array): Promise<number> {
    if (this.#ended || this.#socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Deno.errors.BrokenPipe("the WebSocket is closed"));
    }
    // send() takes a copy of the bytes (the WebSocket standard): the caller may reuse them.
    this.#socket.send(bytes);
    if (this.#socket.bufferedAmount <= HIGH_WATER_BYTES) return Promise.resolve(bytes.length);
    return new Promise((resolve, reject) => {
      this.#wakeWriter = (error) => error === null ? resolve(bytes.length) : reject(error);
      this.#pollDrain();
    });
  }

  close(reason?: string): void {
    this.#closeWith(closeCodeFor(reason), reason ?? "");
  }

  /** Closes with a code of our choosing (a refusal's) and the reason, cut to what fits. */
  #closeWith(code: number, reason: string): void {
    this.#onEnd(null);
    try {
      this.#socket.close(code, fitReason(reason));
    } catch {
      // Already closing or closed.
    }
  }

  #onMessage(event: MessageEvent): void {
    if (this.#ended) return;
    if (!(event.data instanceof ArrayBuffer)) {
      this.#refuse(CloseCode.unsupportedData, TEXT_MESSAGE_REASON, "sent a text message");
      return;
    }
    const bytes = new Uint8Array(event.data);
    if (bytes.length === 0) return;
    this.#unread += bytes.length;
    if (this.#unread > this.#options.maxUnreadBytes) {
      this.#refuse(CloseCode.tooBig, TOO_MUCH_UNREAD_REASON, TOO_MUCH_UNREAD_REASON);
      return;
    }
    this.#received.push(bytes);
    this.#wake();
  }

  /** Closes at once with `reason`; the session's next read fails with `why`. */
  #refuse(code: number, reason: string, why: string): void {
    this.#received.length = 0;
    this.#unread = 0;
    this.#failure = new WebSocketRefusedError(why);
    this.#closeWith(code, reason);
  }

  #onEnd(error: Error | null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#wake();
    this.#drainTimer?.cancel();
    this.#drainTimer = null;
    const writer = this.#wakeWriter;
    this.#wakeWriter = null;
    writer?.(error ?? new Deno.errors.BrokenPipe("the WebSocket is closed"));
  }

  #wake(): void {
    const wake = this.#wakeReader;
    this.#wakeReader = null;
    wake?.();
  }

  #pollDrain(): void {
    this.#drainTimer = this.#options.clock.after(DRAIN_POLL_MS, () => {
      this.#drainTimer = null;
      if (this.#ended) return;
      if (this.#socket.bufferedAmount > LOW_WATER_BYTES) {
        this.#pollDrain();
        return;
      }
      const writer = this.#wakeWriter;
      this.#wakeWriter = null;
      writer?.(null);
    });
  }
}

/** Shutdown is "going away"; an error notice a policy violation; anything else normal. */
function closeCodeFor(reason: string | undefined): number {
  if (reason === undefined) return CloseCode.normal;
  if (reason === SHUTDOWN_NOTICE) return CloseCode.goingAway;
  if (reason.startsWith("error:")) return CloseCode.policyViolation;
  return CloseCode.normal;
}

/** The reason cut to the close frame's 123 bytes, on a character boundary. */
export function fitReason(reason: string): string {
  const encoder = new TextEncoder();
  if (encoder.encode(reason).length <= MAX_REASON_BYTES) return reason;
  let cut = "";
  for (const char of reason) {
    if (encoder.encode(cut + char + "…").length > MAX_REASON_BYTES) break;
    cut += char;
  }
  return cut + "…";
}
