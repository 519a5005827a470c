/**
 * The connection side of an IRC client, apart from what its lines mean: reading and cutting
 * lines, the send queue, flood control, the login timeout, and the one way a connection ends
 * (ERROR, a bounded flush, close). The session on top decides what each line does.
 * @module
 */

import type { Timer } from "../clock.ts";
import { byteBucket, FloodGate } from "../flood.ts";
import { processCounters } from "../metrics/counters.ts";
import type { TokenBucket } from "../token_bucket.ts";
import { floodNotice, LeaveReason } from "../notices.ts";
import { Outbox, type OutboxFailure } from "../outbox.ts";
import type { Connection, ServedConnection, SessionContext } from "../connection.ts";
import { byteLimitOf } from "../message_flood.ts";
import { LARGE_READ_BYTES, READ_PAUSE_BYTES, SMALL_READ_BYTES } from "../read_pacing.ts";
import { closeBounded, connectionFailureReason } from "../session_end.ts";
import { formatAddress } from "../console.ts";
import { isLoopback } from "../moderation/address.ts";
import type { IrcDoor } from "./irc_door.ts";
import { type IrcDecodeResult, IrcLineDecoder } from "./irc_decoder.ts";
import { numeric, type ReplyTo } from "./irc_replies.ts";

const encoder = new TextEncoder();

/** How an IRC connection ends. */
export interface IrcEndOptions {
  /** The `ERROR` line's text, sent (and flushed, bounded) before closing. */
  readonly error?: string;
  /** Tell the room (default true; false at shutdown, where everyone is told at once). */
  readonly announce?: boolean;
}

/** One IRC connection's bytes and life; subclasses give its lines a meaning. */
export abstract class IrcConnection implements ServedConnection {
  /** What every session shares: the room, the settings, time, the console, the commands. */
  protected readonly ctx: SessionContext;
  /** What every IRC session of the server shares. */
  protected readonly door: IrcDoor;
  /** The peer's address, `host:port`. */
  readonly remote: string;
  /** The peer's IP address (its transport's name for a non-IP connection). */
  readonly address: string;
  /** When the connection was accepted (the clock's ms). */
  readonly connectedAt: number;
  /** TLS, or a loopback peer: a password typed here does not cross the network in clear. */
  readonly secureChannel: boolean;
  readonly #conn: Connection;
  readonly #outbox: Outbox;
  readonly #decoder = new IrcLineDecoder();
  readonly #flood: FloodGate | null;
  #ended = false;
  #endReason = "";
  #loginTimer: Timer | null = null;
  #lastReadAt: number;
  #closing: Promise<void> | null = null;
  /** Bytes of private messages this client may still receive; made at the first one. */
  #privateBytes: TokenBucket | null = null;

  /** `tls`: the connection is TLS. */
  constructor(conn: Connection, ctx: SessionContext, door: IrcDoor, tls = false) {
    this.#conn = conn;
    this.ctx = ctx;
    this.door = door;
    const { options, clock } = ctx;
    this.#outbox = new Outbox(
      conn,
      options.sendqBytes,
      (failure) => this.#onOutboxFailure(failure),
      { log: door.log, maxAgeMs: options.sendqSeconds * 1000, clock },
    );
    this.#flood = options.floodRate > 0
      ? new FloodGate(
        options.floodRate,
        options.floodBurst,
        clock,
        (dropped) => this.notice(floodNotice(dropped)),
        byteLimitOf(options),
      )
      : null;
    this.#lastReadAt = clock.now();
    this.connectedAt = this.#lastReadAt;
    const addr = conn.remoteAddr;
    const net = addr.transport === "tcp" || addr.transport === "udp";
    this.remote = net ? formatAddress(addr) : addr.transport;
    this.address = net ? addr.hostname : addr.transport;
    this.secureChannel = tls || !net || isLoopback(addr.hostname);
  }

  /** The nick (empty before one is accepted). */
  abstract get name(): string;

  /** The room key of the nick (empty before one is accepted). */
  abstract get key(): string;

  /** True for an operator, until the connection ends. */
  abstract get isOperator(): boolean;

  /** True once the client is registered. */
  protected abstract get registered(): boolean;

  /** True when the client negotiated `server-time`. */
  protected abstract get serverTime(): boolean;

  /** Does what one line (or a decoding problem) asks; a promise while it waits (a claim). */
  protected abstract handleLine(result: IrcDecodeResult): Promise<void> | undefined;

  /** The connection is ending: leave the room (telling it `reason` when `announce`). */
  protected abstract leaving(reason: string, announce: boolean): void;

  /** True once registered and until the connection ends (the idle sweep's test). */
  get loggedIn(): boolean {
    return this.registered && !this.#ended;
  }

  /** When bytes last arrived from the client. */
  get lastReadAt(): number {
    return this.#lastReadAt;
  }

  /** Why the connection ended (empty while it runs). */
  get endReason(): string {
    return this.#endReason;
  }

  /** True once the connection is ending. */
  protected get ended(): boolean {
    return this.#ended;
  }

  /** Takes from this client's budget for incoming private messages (the room calls this). */
  admitPrivate(bytes: number): boolean {
    const { options, clock } = this.ctx;
    if (options.floodRate <= 0) return true;
    this.#privateBytes ??= byteBucket(byteLimitOf(options), clock);
    return this.#privateBytes === null || this.#privateBytes.take(bytes);
  }

  /** The room's frames (chat, notices), in IRC. */
  deliver(bytes: Uint8Array, fanOut = false): void {
    processCounters.deliveries++;
    const translator = this.door.translator;
    if (fanOut) this.#outbox.enqueueShared(translator.shared(bytes));
    else this.#outbox.enqueue(translator.direct(bytes, this.name, this.serverTime));
  }

  /** IRC lines from the relay; `shared` when the same bytes go to every IRC member. */
  deliverIrc(bytes: Uint8Array, shared: boolean): void {
    processCounters.deliveries++;
    if (shared) this.#outbox.enqueueShared(bytes);
    else this.#outbox.enqueue(bytes);
  }

  /** Sends lines (already terminated) to this client. */
  send(text: string): void {
    this.#outbox.enqueue(encoder.encode(text));
  }

  /** The source and target of this client's numerics. */
  get replyTo(): ReplyTo {
    return { server: this.door.serverName, nick: this.name || "*" };
  }

  /** Sends a numeric reply to this client. */
  numeric(code: string, ...params: string[]): void {
    this.send(numeric(this.replyTo, code, ...params));
  }

  /** Sends a server notice to this client (a history line may become a tagged PRIVMSG). */
  notice(text: string): void {
    this.send(this.door.translator.notice(text, this.name, this.serverTime));
  }

  /**
   * Flood control's answer for one more message (counted when true): a message token, for what
   * speaks its `bytes` too, and for what every member receives (`toEveryone`) the room's byte
   * budget as well, as for binary clients.
   */
  allowMessage(bytes = 0, toEveryone = false): boolean {
    const flood = this.#flood;
    if (flood === null) return true;
    if (!flood.allow(bytes)) return false;
    const roomBytes = this.ctx.roomBytes;
    if (toEveryone && roomBytes != null && !roomBytes.take(bytes)) {
      flood.refused();
      return false;
    }
    return true;
  }

  /** Serves the connection; resolves when it is closed and released, never rejects. */
  async run(): Promise<void> {
    try {
      const seconds = this.ctx.options.loginTimeoutSeconds;
      if (seconds > 0) {
        this.#loginTimer = this.ctx.clock.after(seconds * 1000, () => {
          if (!this.registered) this.end(LeaveReason.timedOut, { error: "Registration timed out" });
        });
      }
      let buffer = new Uint8Array(SMALL_READ_BYTES);
      reading: while (!this.#ended) {
        // Back-pressure: while much is unsent to this client, its next requests wait unread.
        if (this.#outbox.pendingBytes > READ_PAUSE_BYTES) {
          await this.#outbox.below(READ_PAUSE_BYTES);
          if (this.#ended) break;
        }
        let count: number | null;
        try {
          count = await this.#conn.read(buffer);
        } catch (error) {
          this.end(connectionFailureReason(error), {});
          break;
        }
        if (count === null) {
          this.end(LeaveReason.closed, {});
          break;
        }
        if (this.#ended) break;
        this.#lastReadAt = this.ctx.clock.now();
        const busPressure = this.ctx.busPressure;
        for (const result of this.#decoder.push(buffer.subarray(0, count))) {
          if (this.#outbox.pendingBytes > READ_PAUSE_BYTES) {
            await this.#outbox.below(READ_PAUSE_BYTES);
          }
          const bus = busPressure?.();
          if (bus != null) await bus;
          if (this.#ended) break reading;
          const pending = this.handleLine(result);
          if (pending !== undefined) await pending;
        }
        this.#flood?.endOfBatch();
        if (count === buffer.length && buffer.length < LARGE_READ_BYTES) {
          buffer = new Uint8Array(LARGE_READ_BYTES);
        }
      }
      if (this.#closing !== null) await this.#closing;
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.ctx.console.problem(`IRC session failed: ${text}`);
      this.end("server error", {});
      if (this.#closing !== null) await this.#closing;
    } finally {
      this.ctx.ended?.(this);
    }
  }

  /** Ends the connection with an error line (the idle sweep, a cluster bus). */
  kick(text: string, reason: string): void {
    this.end(reason, { error: text });
  }

  /** Ends the connection for a server shutdown: no leave broadcast. */
  shutdown(text: string): Promise<void> {
    this.end(LeaveReason.shutdown, { error: text, announce: false });
    return this.#closing ?? Promise.resolve();
  }

  /** Registration is complete: the login timeout no longer applies. */
  protected registrationDone(): void {
    this.#loginTimer?.cancel();
    this.#loginTimer = null;
  }

  /** Queues bytes for this client alone. */
  protected sendBytes(bytes: Uint8Array): void {
    this.#outbox.enqueue(bytes);
  }

  /** The one way an IRC connection ends. */
  protected end(reason: string, options: IrcEndOptions): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endReason = reason;
    this.registrationDone();
    this.#flood?.dispose();
    this.leaving(reason, options.announce ?? true);
    if (options.error !== undefined) this.send(`ERROR :${options.error}\r\n`);
    this.#closing = closeBounded(
      this.#conn,
      this.#outbox,
      options.error !== undefined,
      options.error ?? reason,
      this.ctx.clock,
    );
  }

  #onOutboxFailure(failure: OutboxFailure): void {
    const reason = failure.kind === "write-error"
      ? connectionFailureReason(failure.error)
      : LeaveReason.tooSlow;
    // Deferred: an overflow is found inside a room fan-out, which must finish first.
    queueMicrotask(() => this.end(reason, {}));
  }
}
