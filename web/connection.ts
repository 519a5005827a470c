/**
 * The page's link to the room: a WebSocket to `/ws` carrying the protocol's byte stream, the
 * login, and reconnecting with backoff when the link is lost (not when the server refused us).
 * @module
 */

import { encodeFrame, type Frame, FrameDecoder } from "../protocol/mod.ts";
import { retryDelay } from "./backoff.ts";

/** What the page shows about the link. */
export type LinkState =
  | { kind: "connecting" }
  | { kind: "online" }
  | { kind: "waiting"; retryInMs: number; reason: string }
  | { kind: "refused"; reason: string }
  | { kind: "left" };

/** What the connection tells the page. */
export interface LinkHandlers {
  frame(frame: Frame): void;
  state(state: LinkState): void;
}

/** Close codes the server uses for a refusal (text message, policy: limits, names, origin). */
const REFUSAL_CODES = new Set([1003, 1008]);
/** A keepalive (an empty message) after this long without sending, as `chat client` does. */
const KEEPALIVE_MS = 30_000;
/** The largest frame the page accepts from the server. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** One user's link, across reconnects. */
export class ChatLink {
  readonly #url: string;
  readonly #name: string;
  readonly #handlers: LinkHandlers;
  #socket: WebSocket | null = null;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #keepalive: ReturnType<typeof setInterval> | null = null;
  #lastSent = 0;
  #stopped = false;

  constructor(url: string, name: string, handlers: LinkHandlers) {
    this.#url = url;
    this.#name = name;
    this.#handlers = handlers;
  }

  /** Connects (and keeps reconnecting until stopped or refused). */
  start(): void {
    this.#connect();
  }

  /** Sends one message (chat or a `/` command, as typed); false while offline. */
  send(message: string): boolean {
    const socket = this.#socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN) return false;
    send(socket, { username: this.#name, message });
    this.#lastSent = Date.now();
    return true;
  }

  /** Leaves: `/quit`, then no reconnecting. */
  stop(): void {
    this.#stopped = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#stopKeepalive();
    this.send("/quit");
    this.#socket?.close(1000, "left");
    this.#handlers.state({ kind: "left" });
  }

  #stopKeepalive(): void {
    if (this.#keepalive !== null) clearInterval(this.#keepalive);
    this.#keepalive = null;
  }

  #connect(): void {
    this.#retryTimer = null;
    this.#handlers.state({ kind: "connecting" });
    const socket = new WebSocket(this.#url);
    socket.binaryType = "arraybuffer";
    this.#socket = socket;
    const decoder = new FrameDecoder({ maxMessageBytes: MAX_MESSAGE_BYTES });
    socket.addEventListener("open", () => {
      send(socket, { username: this.#name, message: "" });
      this.#lastSent = Date.now();
      this.#stopKeepalive();
      this.#keepalive = setInterval(() => {
        if (Date.now() - this.#lastSent >= KEEPALIVE_MS) this.send("");
      }, KEEPALIVE_MS / 3);
    });
    socket.addEventListener("message", (event) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      for (const result of decoder.push(new Uint8Array(event.data))) {
        if (!result.ok) continue;
        // In with the server: anything but an error notice (which precedes a refusal).
        if (!isErrorNotice(result.frame)) this.#attempt = 0;
        if (socket === this.#socket) this.#handlers.frame(result.frame);
      }
      this.#handlers.state({ kind: "online" });
    });
    socket.addEventListener("close", (event) => {
      if (socket !== this.#socket || this.#stopped) return;
      this.#socket = null;
      this.#stopKeepalive();
      const reason = event.reason || "connection lost";
      // Refused or sent away (a limit, a taken name, a kick): final, unless it answers a retry
      // after a lost connection (the server may still hold the old one for a moment).
      if (REFUSAL_CODES.has(event.code) && this.#attempt === 0) {
        this.#handlers.state({ kind: "refused", reason });
        return;
      }
      const delay = retryDelay(this.#attempt++);
      this.#handlers.state({ kind: "waiting", retryInMs: delay, reason });
      this.#retryTimer = setTimeout(() => this.#connect(), delay);
    });
  }
}

/** The server's error notices begin with `error:` (the protocol documents that prefix). */
function isErrorNotice(frame: Frame): boolean {
  return frame.username === "" && frame.message.startsWith("error:");
}

/** Sends one frame as one binary message. */
function send(socket: WebSocket, frame: Frame): void {
  // encodeFrame allocates a plain ArrayBuffer (never a shared one), which the DOM's send takes.
  socket.send(encodeFrame(frame) as Uint8Array<ArrayBuffer>);
}
