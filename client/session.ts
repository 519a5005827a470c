/**
 * A chat session: the client's life across connections. It logs in, forwards what arrives,
 * keeps the lines typed while it is not logged in (bounded) and sends them after the login, and
 * with `reconnect` it connects again after a drop, with backoff. The interactive terminal and the
 * scripting mode are two consumers of the same {@link SessionEvent}s.
 *
 * API:
 * - `const session = startSession({ host, port, name, reconnect })` starts connecting at once.
 * - `for await (const event of session.events())`: `frame` / `bad-frame` (as from
 *   `ChatConnection`), `online` after each accepted login, `offline` when a connection dropped
 *   and a retry follows, `retrying` before each wait, `connect-failed` for a failed attempt
 *   (connection refused, unreachable, no answer to the connect or the login within the timeout),
 *   `dropped` when the offline queue was full, and `ended` last of all.
 * - `session.send(text)` queues one line; it goes out once logged in, paced under the server's
 *   flood limit (see `client/pacer.ts`); false once ended. Throws `MessageTooLongError` for text
 *   the server would refuse. Beyond `maxQueuedLines` the oldest line is dropped (`dropped`).
 * - `await session.waitQueueBelow(n)`: backpressure for a fast producer such as a pipe.
 * - `await session.flush()`: true once everything sent so far is written (it waits through a
 *   reconnect); false if the session ended first.
 * - `await session.quit()`: sends `/quit`, stops retrying, resolves with the {@link SessionEnd}.
 * - `onRefused(message)`: called when a login is refused (name taken, server full); return a new
 *   name to try again (a terminal asks the user) or undefined to end (scripting mode).
 * @module
 */

import { InvalidUsernameError, utf8ByteLength } from "../protocol/mod.ts";
import {
  ChatConnection,
  CLIENT_MAX_SEND_BYTES,
  type CloseReason,
  type ConnectionEvent,
  type ConnectOptions,
  describeCloseReason,
  MessageTooLongError,
} from "./connection.ts";
import { withoutErrorPrefix } from "./connection_errors.ts";
import { EventQueue } from "./event_queue.ts";
import { DEFAULT_SEND_RATE, sendBurstFor, SendPacer } from "./pacer.ts";
import { backoffDelay, realSleep, type Sleep } from "./reconnect.ts";

/** Why a session ended; `quit` is the only clean end. */
export type SessionEnd =
  | { kind: "quit"; unsent: number }
  | { kind: "refused"; message: string }
  | { kind: "closed"; reason: CloseReason }
  | { kind: "unreachable"; message: string };

/** Everything a session reports. */
export type SessionEvent =
  | Extract<ConnectionEvent, { type: "frame" | "bad-frame" }>
  | { type: "online"; name: string; welcome: string; reconnected: boolean }
  | { type: "offline"; reason: CloseReason }
  | { type: "retrying"; attempt: number; delayMs: number }
  | { type: "connect-failed"; attempt: number; message: string }
  | { type: "dropped"; text: string; limit: number }
  | { type: "ended"; end: SessionEnd };

/**
 * How to run a session: where to connect and as whom (the connection's own options, passed on
 * whole to each connection), and what the session adds on top.
 */
export interface SessionOptions extends ConnectOptions {
  /** Connect again after a drop (default false). */
  reconnect?: boolean;
  /** Most lines kept while offline; the oldest is dropped beyond it (default 1000). */
  maxQueuedLines?: number;
  /** Asked for another name after a refused login; undefined ends the session. */
  onRefused?: (message: string) => Promise<string | undefined>;
  /** Delay before retry `attempt` (0-based); default {@link backoffDelay}. */
  backoff?: (attempt: number) => number;
  /** Waits between attempts and between paced messages; injected by tests. */
  sleep?: Sleep;
  /** Messages a second at most (default 8; 0 turns pacing off). */
  sendRate?: number;
  /** Messages in a burst (default: {@link sendBurstFor} the rate). */
  sendBurst?: number;
  /** Milliseconds for pacing (default `performance.now`). */
  clock?: () => number;
}

/** The default bound of the offline queue. */
export const DEFAULT_MAX_QUEUED_LINES = 1000;

/** A running session; see the module documentation. */
export class ChatSession {
  readonly #options: SessionOptions;
  readonly #events = new EventQueue<SessionEvent>();
  readonly #queue: string[] = [];
  readonly #maxQueued: number;
  readonly #maxSendBytes: number;
  readonly #abort = new AbortController();
  readonly #pacer: SendPacer;
  readonly #sleep: Sleep;
  #pumping = false;
  #name: string;
  #conn: ChatConnection | null = null;
  #online = false;
  #end: SessionEnd | null = null;
  #waiters: (() => void)[] = [];
  /** Resolves with the end once the session is over and every socket is closed. */
  readonly done: Promise<SessionEnd>;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.#name = options.name;
    this.#maxQueued = Math.max(1, options.maxQueuedLines ?? DEFAULT_MAX_QUEUED_LINES);
    this.#maxSendBytes = options.maxSendBytes ?? CLIENT_MAX_SEND_BYTES;
    this.#sleep = options.sleep ?? realSleep;
    const rate = options.sendRate ?? DEFAULT_SEND_RATE;
    this.#pacer = new SendPacer(rate, options.sendBurst ?? sendBurstFor(rate), options.clock);
    this.done = this.#run();
  }

  /** The session's events, ending with `ended`. One consumer only. */
  events(): AsyncIterable<SessionEvent> {
    return this.#events;
  }

  /** The name currently used (it changes if `onRefused` gave another). */
  get name(): string {
    return this.#name;
  }

  /** True while logged in. */
  get online(): boolean {
    return this.#online;
  }

  /** Lines waiting for a login. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues `text`: sent at once when logged in and within the pace, later otherwise. */
  send(text: string): boolean {
    const bytes = utf8ByteLength(text);
    if (bytes > this.#maxSendBytes) throw new MessageTooLongError(bytes, this.#maxSendBytes);
    if (this.#end !== null || this.#abort.signal.aborted) return false;
    if (this.#queue.length >= this.#maxQueued) {
      const dropped = this.#queue.shift() ?? "";
      this.#events.push({ type: "dropped", text: dropped, limit: this.#maxQueued });
    }
    this.#queue.push(text);
    this.#pump();
    return true;
  }

  /** Waits until fewer than `lines` are queued (true) or the session ended (false). */
  async waitQueueBelow(lines: number): Promise<boolean> {
    while (this.#queue.length >= lines) {
      if (this.#end !== null) return false;
      await this.#changed();
    }
    return this.#end === null;
  }

  /** Waits until every line sent so far is written; false if the session ended first. */
  async flush(): Promise<boolean> {
    while (true) {
      if (this.#end !== null) return this.#queue.length === 0;
      const conn = this.#conn;
      if (this.#online && this.#queue.length === 0 && conn !== null && !conn.isClosed) {
        if (await conn.flush()) return true;
        continue;
      }
      await this.#changed();
    }
  }

  /** Leaves: sends `/quit` when connected, stops retrying, and waits for the end. */
  async quit(): Promise<SessionEnd> {
    this.#abort.abort();
    this.#notify();
    const conn = this.#conn;
    if (conn !== null) await conn.quit();
    return await this.done;
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  async #run(): Promise<SessionEnd> {
    const end = await this.#loop();
    this.#abort.abort(); // ends a pacing wait
    this.#end = end;
    this.#online = false;
    this.#conn = null;
    this.#notify();
    this.#events.push({ type: "ended", end });
    this.#events.end();
    return end;
  }

  async #loop(): Promise<SessionEnd> {
    const options = this.#options;
    const backoff = options.backoff ?? ((attempt: number) => backoffDelay(attempt));
    const sleep = this.#sleep;
    const signal = this.#abort.signal;
    let failures = 0;
    let everOnline = false;
    while (true) {
      if (signal.aborted) return this.#quitEnd();
      if (failures > 0) {
        const delayMs = backoff(failures - 1);
        this.#events.push({ type: "retrying", attempt: failures, delayMs });
        await sleep(delayMs, signal);
        if (signal.aborted) return this.#quitEnd();
      }
      let conn: ChatConnection;
      try {
        conn = await ChatConnection.connect({
          ...options,
          name: this.#name,
          maxSendBytes: this.#maxSendBytes,
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof InvalidUsernameError) {
          const next = await this.#askName(message);
          if (next === undefined) return { kind: "refused", message };
          continue;
        }
        if (!options.reconnect) return { kind: "unreachable", message };
        this.#events.push({ type: "connect-failed", attempt: failures, message });
        failures++;
        continue;
      }
      this.#conn = conn;
      if (signal.aborted) {
        await conn.quit();
        this.#conn = null;
        return this.#quitEnd();
      }
      for await (const event of conn.events()) {
        if (event.type === "frame" || event.type === "bad-frame") {
          this.#events.push(event);
        } else if (event.type === "accepted") {
          this.#events.push({
            type: "online",
            name: conn.name,
            welcome: event.welcome,
            reconnected: everOnline,
          });
          everOnline = true;
          failures = 0;
          this.#online = true;
          this.#pacer.reset();
          this.#pump();
          this.#notify();
        }
      }
      const reason = await conn.closed;
      this.#online = false;
      this.#conn = null;
      this.#notify();
      if (reason.kind === "quit" || signal.aborted) return this.#quitEnd();
      if (reason.kind === "refused") {
        const next = await this.#askName(reason.message);
        if (next === undefined) return { kind: "refused", message: reason.message };
        failures = 0;
        continue;
      }
      if (reason.kind === "timeout") {
        // Connected, but no answer to the login: a failed attempt, like a connect that timed out.
        const message = describeCloseReason(reason);
        if (!options.reconnect) return { kind: "unreachable", message };
        this.#events.push({ type: "connect-failed", attempt: failures, message });
        failures++;
        continue;
      }
      if (!options.reconnect) return { kind: "closed", reason };
      this.#events.push({ type: "offline", reason });
      failures++;
    }
  }

  async #askName(message: string): Promise<string | undefined> {
    const ask = this.#options.onRefused;
    if (ask === undefined || this.#abort.signal.aborted) return undefined;
    const next = await ask(message);
    if (next === undefined || this.#abort.signal.aborted) return undefined;
    this.#name = next;
    return next;
  }

  /** Hands queued lines to the connection while logged in, at the pacer's rate. One at a time:
   * a second call while it waits does nothing. The first line goes out synchronously. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#online && this.#queue.length > 0 && !this.#abort.signal.aborted) {
        const wait = this.#pacer.delay();
        if (wait > 0) {
          await this.#sleep(wait, this.#abort.signal);
          continue;
        }
        if (this.#conn === null || !this.#conn.send(this.#queue[0])) break;
        this.#queue.shift();
        this.#pacer.take();
        this.#notify();
      }
    } finally {
      this.#pumping = false;
    }
  }

  #quitEnd(): SessionEnd {
    return { kind: "quit", unsent: this.#queue.length };
  }
}

/** Starts a session: it connects at once. */
export function startSession(options: SessionOptions): ChatSession {
  return new ChatSession(options);
}

/** One line saying how a session ended, for stderr or the screen. */
export function describeSessionEnd(end: SessionEnd): string {
  switch (end.kind) {
    case "quit":
      return end.unsent === 0 ? "disconnected" : `disconnected, ${end.unsent} line(s) not sent`;
    case "refused":
      return `login refused: ${withoutErrorPrefix(end.message)}`;
    case "closed":
      return describeCloseReason(end.reason);
    case "unreachable":
      return end.message;
  }
}
