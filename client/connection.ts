/**
 * One client connection to a chat server: connect, log in, frames in and out, and why it ended.
 * It knows nothing of the screen; the interactive terminal and the scripting mode both consume
 * the same events (and `client/session.ts` adds reconnecting on top of it).
 *
 * API:
 * - `await ChatConnection.connect({ host, port, name })` opens TCP and sends the login frame
 *   `(name, "")`. Throws {@link ConnectError} when the server cannot be reached (a
 *   {@link ConnectTimeoutError} when the TCP connect or the TLS handshake did not finish within
 *   `connectTimeoutMs`) and the protocol's `InvalidUsernameError` for a name the server would
 *   refuse anyway.
 * - One deadline, `connectTimeoutMs` (default {@link DEFAULT_CONNECT_TIMEOUT_MS}), bounds the
 *   TCP connect, the TLS handshake and the wait for the login's answer: a host that drops SYNs,
 *   or a server that accepts and never answers, costs that long and no more. When it passes
 *   after `connect` returned, the connection closes with the reason `timeout`.
 * - `for await (const event of conn.events())` reads {@link ConnectionEvent}s, in order:
 *   `frame` for every chat line or notice (with `receivedAt`), `accepted` right after the welcome
 *   notice's `frame` event, `bad-frame` for a frame the client could not decode, and exactly one
 *   `closed` (with a {@link CloseReason}) as the last event. One consumer only; events that
 *   arrive before the loop starts are kept.
 * - `conn.login` resolves once the login is decided: `{ ok: true, welcome }` or
 *   `{ ok: false, reason }` (the connection is then closed).
 * - `conn.send(text)` queues one chat frame; false if the connection is already closed. Throws
 *   {@link MessageTooLongError} for a text over `maxSendBytes`.
 * - `await conn.flush()` waits until everything queued was written to the socket (true) or the
 *   connection closed first (false). Needed before exiting for `--once` and piped input.
 * - `await conn.quit()` sends `/quit`, waits for the server to close (or closes itself after
 *   `quitTimeoutMs`); the reason is `quit`. `conn.close()` closes at once.
 * - `await conn.closed` resolves with the {@link CloseReason} once the socket is closed.
 * - Once logged in, a keepalive frame `(name, "")` goes out after `keepaliveMs` without sending
 *   (default 30 s; 0: never); its timer ends with the connection (`client/keepalive.ts`).
 *
 * The protocol has no "login accepted" frame: the first notice beginning with `Welcome,` counts
 * as acceptance, and an `error: ` notice followed by the server closing before any welcome is a
 * refusal.
 * @module
 */

import {
  checkUsername,
  type DecodeError,
  encodeFrame,
  type Frame,
  FrameDecoder,
  utf8ByteLength,
} from "../protocol/mod.ts";
import { type CloseReason, MessageTooLongError } from "./connection_errors.ts";
import { EventQueue } from "./event_queue.ts";
import { DEFAULT_CONNECT_TIMEOUT_MS, dial } from "./dial.ts";
import { DEFAULT_KEEPALIVE_MS, Keepalive, type KeepaliveClock } from "./keepalive.ts";
import { type ClientTls, looksLikeTls, PLAINTEXT_TO_TLS_MESSAGE } from "./tls.ts";

// Callers import the connection's errors, close reasons and limits from here.
export { DEFAULT_CONNECT_TIMEOUT_MS, MAX_CONNECT_TIMEOUT_MS } from "./dial.ts";
export {
  type CloseReason,
  ConnectError,
  type ConnectStage,
  ConnectTimeoutError,
  describeCloseReason,
  MessageTooLongError,
} from "./connection_errors.ts";

/** Everything a connection reports to its consumer. */
export type ConnectionEvent =
  /** A chat line (`kind: "chat"`, `frame.username` is the sender) or a server notice. */
  | { type: "frame"; kind: "chat" | "notice"; frame: Frame; receivedAt: Date }
  /** The login was accepted (right after the welcome notice's own `frame` event). */
  | { type: "accepted"; welcome: string }
  /** A frame was dropped because it was not valid UTF-8; the connection goes on. */
  | { type: "bad-frame"; error: DecodeError; receivedAt: Date }
  /** The last event: the connection is closed. */
  | { type: "closed"; reason: CloseReason };

/** How the login ended. */
export type LoginOutcome = { ok: true; welcome: string } | { ok: false; reason: CloseReason };

/** Where to connect and as whom. */
export interface ConnectOptions {
  host: string;
  port: number;
  /** The name to log in with. */
  name: string;
  /** Largest incoming message accepted (default 16 MiB: a /users notice for 10k users is big). */
  maxMessageBytes?: number;
  /** Largest outgoing message `send` accepts (default 65536, the server's default limit). */
  maxSendBytes?: number;
  /** How long `quit()` waits for the server to close before closing itself (default 5000). */
  quitTimeoutMs?: number;
  /**
   * How long the TCP connect, the TLS handshake and the wait for the login's answer may take
   * together, in milliseconds (default {@link DEFAULT_CONNECT_TIMEOUT_MS}).
   */
  connectTimeoutMs?: number;
  /** The clock for `receivedAt` (injected by tests). */
  now?: () => Date;
  /** Connect with TLS, verifying the server's certificate (default: plain TCP). */
  tls?: ClientTls;
  /** Milliseconds without sending before a keepalive, once logged in (default 30000; 0: off). */
  keepaliveMs?: number;
  /** The keepalive's time and timers (injected by tests). */
  keepaliveClock?: KeepaliveClock;
}

/** The default largest incoming message: generous, since a notice may list 10k users. */
export const CLIENT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** The default largest outgoing message: the server's default limit. */
export const CLIENT_MAX_SEND_BYTES = 65_536;

const WELCOME_PREFIX = "Welcome,";
const ERROR_PREFIX = "error: ";
/** The server's notice before it closes every connection on shutdown. */
const SHUTDOWN_NOTICE = /\bshutting down\b/i;
const READ_BUFFER_BYTES = 64 * 1024;

/** A live connection; see the module documentation for the API. */
export class ChatConnection {
  /** The name this connection logged in with (NFC-normalized). */
  readonly name: string;
  /** Resolves once the login is accepted or the connection closed before. */
  readonly login: Promise<LoginOutcome>;
  /** Resolves with the reason once the connection is closed. */
  readonly closed: Promise<CloseReason>;

  readonly #conn: Deno.Conn;
  readonly #events = new EventQueue<ConnectionEvent>();
  readonly #decoder: FrameDecoder;
  readonly #maxSendBytes: number;
  readonly #quitTimeoutMs: number;
  readonly #now: () => Date;
  readonly #tls: boolean;
  readonly #keepalive: Keepalive;
  #receivedAny = false;
  #loggedIn = false;
  #lastNotice: string | undefined;
  #loginError: string | undefined;
  #reason: CloseReason | null = null;
  #quitting = false;
  #loginTimer: ReturnType<typeof setTimeout> | undefined;
  #resolveLogin!: (outcome: LoginOutcome) => void;
  #resolveClosed!: (reason: CloseReason) => void;
  // Writes: one writer drains the queue, so frames never interleave.
  #outbox: Uint8Array[] = [];
  #writing = false;
  #writeTask: Promise<void> = Promise.resolve();
  #readTask: Promise<void> = Promise.resolve();
  #drained: (() => void)[] = [];

  private constructor(conn: Deno.Conn, name: string, options: ConnectOptions) {
    this.#conn = conn;
    this.name = name;
    this.#decoder = new FrameDecoder({
      maxMessageBytes: options.maxMessageBytes ?? CLIENT_MAX_MESSAGE_BYTES,
    });
    this.#maxSendBytes = options.maxSendBytes ?? CLIENT_MAX_SEND_BYTES;
    this.#quitTimeoutMs = options.quitTimeoutMs ?? 5000;
    this.#now = options.now ?? (() => new Date());
    this.#tls = options.tls !== undefined;
    this.#keepalive = new Keepalive({
      intervalMs: options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS,
      clock: options.keepaliveClock,
      busy: () => this.#writing || this.#outbox.length > 0 || this.#quitting,
      send: () => this.#enqueue(encodeFrame({ username: name, message: "" })),
    });
    this.login = new Promise((resolve) => this.#resolveLogin = resolve);
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
  }

  /**
   * Connects and sends the login frame. The login's outcome comes later (`login`, or the
   * `accepted`/`closed` events), because the server answers only with notices.
   */
  static async connect(options: ConnectOptions): Promise<ChatConnection> {
    const check = checkUsername(options.name);
    if (!check.ok) throw check.error;
    const { host, port } = options;
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const deadline = performance.now() + timeoutMs;
    const conn = await dial(host, port, options.tls, timeoutMs);
    try {
      if ("setNoDelay" in conn) conn.setNoDelay(true);
    } catch {
      // The socket may already be gone; the read loop will report it.
    }
    const connection = new ChatConnection(conn, check.name, options);
    // What is left of the deadline bounds the wait for the welcome or the refusal.
    connection.#loginTimer = setTimeout(() => {
      // An error notice already came: the refusal is the better reason, close or no close.
      connection.#finish(
        connection.#loginError === undefined
          ? { kind: "timeout", host, port, timeoutMs }
          : { kind: "refused", message: connection.#loginError },
      );
    }, Math.max(0, deadline - performance.now()));
    connection.#enqueue(encodeFrame({ username: check.name, message: "" }));
    connection.#readTask = connection.#readLoop();
    return connection;
  }

  /** The connection's events, ending with `closed`. One consumer only. */
  events(): AsyncIterable<ConnectionEvent> {
    return this.#events;
  }

  /** True once the welcome notice arrived. */
  get loggedIn(): boolean {
    return this.#loggedIn;
  }

  /** True once the connection is closed. */
  get isClosed(): boolean {
    return this.#reason !== null;
  }

  /**
   * Queues `text` as one chat frame (commands such as `/users` included). Returns false when
   * the connection is closed, so the caller can keep the line for later.
   */
  send(text: string): boolean {
    const bytes = utf8ByteLength(text);
    if (bytes > this.#maxSendBytes) throw new MessageTooLongError(bytes, this.#maxSendBytes);
    if (this.#reason !== null || this.#quitting) return false;
    this.#enqueue(encodeFrame({ username: this.name, message: text }));
    return true;
  }

  /** Waits until every queued frame was written: true, or false if the connection closed first. */
  flush(): Promise<boolean> {
    if (this.#reason !== null) return Promise.resolve(this.#outbox.length === 0);
    if (!this.#writing && this.#outbox.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.#drained.push(() => resolve(this.#outbox.length === 0 && !this.#writing));
    });
  }

  /** Leaves cleanly: sends `/quit`, waits for the server to close, closes itself if it does not. */
  async quit(): Promise<CloseReason> {
    if (this.#reason !== null) return this.#reason;
    if (!this.#quitting) {
      this.#enqueue(encodeFrame({ username: this.name, message: "/quit" }));
      this.#quitting = true;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#quitTimeoutMs);
    });
    try {
      await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (this.#reason === null) this.#finish({ kind: "quit" });
    return await this.closed;
  }

  /** Closes at once, dropping unsent frames; the reason is `quit`. */
  close(): void {
    this.#finish({ kind: "quit" });
  }

  #enqueue(bytes: Uint8Array): void {
    this.#keepalive.noteSent();
    this.#outbox.push(bytes);
    if (!this.#writing) this.#writeTask = this.#writeLoop();
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#outbox.length > 0 && this.#reason === null) {
        const chunk = this.#outbox[0];
        let offset = 0;
        while (offset < chunk.length) {
          offset += await this.#conn.write(chunk.subarray(offset));
        }
        this.#outbox.shift();
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#writing = false;
      const waiters = this.#drained;
      this.#drained = [];
      for (const wake of waiters) wake();
    }
  }

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(READ_BUFFER_BYTES);
    try {
      while (this.#reason === null) {
        const n = await this.#conn.read(buffer);
        if (n === null) break;
        this.#onBytes(buffer.subarray(0, n));
      }
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#onEnd();
  }

  #onBytes(chunk: Uint8Array): void {
    const receivedAt = this.#now();
    if (!this.#receivedAny && !this.#tls && looksLikeTls(chunk)) {
      this.#finish({ kind: "protocol-error", message: PLAINTEXT_TO_TLS_MESSAGE, loggedIn: false });
      return;
    }
    this.#receivedAny = true;
    for (const result of this.#decoder.push(chunk)) {
      if (this.#reason !== null) return;
      if (result.ok) {
        this.#onFrame(result.frame, receivedAt);
      } else if (this.#decoder.failure !== null) {
        this.#finish({
          kind: "protocol-error",
          message: `the server sent a bad frame: ${result.error.message}`,
          loggedIn: this.#loggedIn,
        });
      } else {
        this.#events.push({ type: "bad-frame", error: result.error, receivedAt });
      }
    }
  }

  #onFrame(frame: Frame, receivedAt: Date): void {
    const isNotice = frame.username.length === 0;
    this.#events.push({ type: "frame", kind: isNotice ? "notice" : "chat", frame, receivedAt });
    if (!isNotice) return;
    // Only what can explain a close: an error notice or the shutdown notice, never a join.
    if (frame.message.startsWith(ERROR_PREFIX) || SHUTDOWN_NOTICE.test(frame.message)) {
      this.#lastNotice = frame.message;
    }
    if (this.#loggedIn) return;
    if (frame.message.startsWith(WELCOME_PREFIX)) {
      this.#loggedIn = true;
      clearTimeout(this.#loginTimer);
      this.#keepalive.start();
      this.#events.push({ type: "accepted", welcome: frame.message });
      this.#resolveLogin({ ok: true, welcome: frame.message });
    } else if (frame.message.startsWith(ERROR_PREFIX) && this.#loginError === undefined) {
      this.#loginError = frame.message;
    }
  }

  #onEnd(): void {
    if (this.#reason !== null) return;
    if (this.#quitting) {
      this.#finish({ kind: "quit" });
    } else if (!this.#loggedIn && this.#loginError !== undefined) {
      this.#finish({ kind: "refused", message: this.#loginError });
    } else {
      this.#finish({
        kind: "server-closed",
        lastNotice: this.#lastNotice,
        loggedIn: this.#loggedIn,
      });
    }
  }

  #fail(error: unknown): void {
    if (this.#reason !== null) return;
    if (this.#quitting) {
      // The server closing right after /quit may reset a socket we were still using.
      this.#finish({ kind: "quit" });
      return;
    }
    if (!this.#loggedIn && this.#loginError !== undefined) {
      this.#finish({ kind: "refused", message: this.#loginError });
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.#finish({ kind: "lost", message, loggedIn: this.#loggedIn });
  }

  #finish(reason: CloseReason): void {
    if (this.#reason !== null) return;
    this.#reason = reason;
    clearTimeout(this.#loginTimer);
    this.#keepalive.stop();
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    if (!this.#loggedIn) this.#resolveLogin({ ok: false, reason });
    // Report the close only once both loops have let go of the socket, so a consumer that
    // stops at `closed` leaves no pending operation behind.
    Promise.all([this.#readTask, this.#writeTask]).then(() => {
      const waiters = this.#drained;
      this.#drained = [];
      for (const wake of waiters) wake();
      this.#events.push({ type: "closed", reason });
      this.#events.end();
      this.#resolveClosed(reason);
    });
  }
}
