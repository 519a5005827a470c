/**
 * One chat connection's life: the read loop (one async frame per connection, paced by its
 * outbox), the login timeout and acting on the login's decisions, messages and commands, and the
 * one path every ending takes. A session is the room's member for its connection. The decisions
 * and shared pieces live beside it: `login.ts`, `message_flood.ts`, `read_pacing.ts`,
 * `session_end.ts`, and the seams in `connection.ts`.
 * @module
 */

import {
  type DecodeResult,
  encodeFrame,
  type Frame,
  FrameDecoder,
  FrameTooLargeError,
  MAX_USERNAME_BYTES,
  notice,
  splitMessage,
} from "../protocol/mod.ts";
import type { ModerationUser } from "./commands/mod_commands.ts";
import type { Connection, ServedConnection, SessionContext } from "./connection.ts";
import { isLoopback } from "./moderation/address.ts";
import { mutedNotice } from "./moderation/notices.ts";
import type { Timer } from "./clock.ts";
import { formatAddress } from "./console.ts";
import { byteBucket, FloodGate } from "./flood.ts";
import type { TokenBucket } from "./token_bucket.ts";
import { errorNotice, floodNotice, LeaveReason, protocolErrorReason } from "./notices.ts";
import { Outbox, type OutboxFailure } from "./outbox.ts";
import type { Member } from "./room.ts";
import type { NameClaims } from "./name_claims.ts";
import { processCounters } from "./metrics/counters.ts";
import { looksLikeText, TEXT_CLIENT_REASON, TEXT_CLIENT_REPLY, textSample } from "./text_client.ts";
import { checkLogin, joinRoom, needsClaim } from "./login.ts";
import { admitMessage, byteLimitOf } from "./message_flood.ts";
import {
  LARGE_READ_BYTES,
  READ_PAUSE_BYTES,
  SHRINK_AFTER_SMALL_READS,
  SMALL_READ_BYTES,
} from "./read_pacing.ts";
import { closeBounded, connectionFailureReason, type EndOptions } from "./session_end.ts";

// The seams and helpers this module used to hold, still importable from here.
export type { Connection, ServedConnection, SessionContext } from "./connection.ts";
export { CLOSE_FLUSH_MS, connectionFailureReason } from "./session_end.ts";

/**
 * Serves one connection until it ends. The session reads with a buffer it reuses, decodes frames,
 * and writes only through its outbox. Every way of ending (EOF, reset, /quit, protocol error,
 * timeout, too slow, shutdown) goes through one place, so a departure is announced exactly once.
 */
export class Session implements Member, ModerationUser, ServedConnection {
  readonly #conn: Connection;
  readonly #ctx: SessionContext;
  readonly #outbox: Outbox;
  readonly #decoder: FrameDecoder;
  /** Flood control; null when it is off (no gate, no closure per connection). */
  readonly #flood: FloodGate | null;
  readonly #remote: string;
  readonly #address: string;
  /** TLS, or a loopback peer: `/oper` may be used. */
  readonly #secure: boolean;
  /** Operator rights, granted by `/oper` until the connection ends. */
  #operator = false;
  /** Wrong `/oper` passwords so far. */
  #operStrikes = 0;
  #name = "";
  #key = "";
  #loggedIn = false;
  #ended = false;
  /** Set once the first bytes were looked at (a text client is recognized from them). */
  #sawBytes = false;
  #endReason = "";
  #loginTimer: Timer | null = null;
  /** When the read loop last got bytes (clock ms): all the idle sweep needs per connection. */
  #lastReadAt: number;
  /** When the connection was accepted (clock ms). */
  readonly #connectedAt: number;
  /** Set when the session ends: the close (with its bounded flush) in progress. */
  #closing: Promise<void> | null = null;
  /** Bytes of private messages this client may still receive; made at the first one. */
  #privateBytes: TokenBucket | null = null;

  /** `tls`: the connection is TLS (a loopback peer counts as safe for `/oper` too). */
  constructor(conn: Connection, ctx: SessionContext, tls = false) {
    this.#conn = conn;
    this.#ctx = ctx;
    const { options, clock } = ctx;
    this.#outbox = new Outbox(
      conn,
      options.sendqBytes,
      (failure) => this.#onOutboxFailure(failure),
      { maxAgeMs: options.sendqSeconds * 1000, clock },
    );
    this.#decoder = new FrameDecoder({
      maxUsernameBytes: MAX_USERNAME_BYTES,
      maxMessageBytes: options.maxMessageBytes,
    });
    this.#flood = options.floodRate > 0
      ? new FloodGate(
        options.floodRate,
        options.floodBurst,
        clock,
        (dropped) => this.#sendNotice(floodNotice(dropped)),
        byteLimitOf(options),
      )
      : null;
    this.#lastReadAt = clock.now();
    this.#connectedAt = this.#lastReadAt;
    const addr = conn.remoteAddr;
    const net = addr.transport === "tcp" || addr.transport === "udp";
    this.#remote = net ? formatAddress(addr) : addr.transport;
    this.#address = net ? addr.hostname : "";
    this.#secure = tls || !net || isLoopback(this.#address);
  }

  /** The registered name (empty before login). */
  get name(): string {
    return this.#name;
  }

  /** The registered name's key (empty before login). */
  get key(): string {
    return this.#key;
  }

  /** The peer's address, `host:port`. */
  get remote(): string {
    return this.#remote;
  }

  /** True once logged in and until the session ends. */
  get loggedIn(): boolean {
    return this.#loggedIn && !this.#ended;
  }

  /** When bytes last arrived from the peer (the clock's ms; the start before any). */
  get lastReadAt(): number {
    return this.#lastReadAt;
  }

  /** This session as the room sees it (the command table's user is its member). */
  get member(): Member {
    return this;
  }

  /** When the connection was accepted (the clock's ms). */
  get connectedAt(): number {
    return this.#connectedAt;
  }

  /** The peer's IP address. */
  get address(): string {
    return this.#address;
  }

  /** True on TLS or from loopback. */
  get secureChannel(): boolean {
    return this.#secure;
  }

  /** True once `/oper` succeeded, until the connection ends. */
  get isOperator(): boolean {
    return this.#operator && !this.#ended;
  }

  /** `/oper` succeeded. */
  grantOperator(): void {
    this.#operator = true;
  }

  /** A wrong `/oper` password; how many so far. */
  operFailed(): number {
    return ++this.#operStrikes;
  }

  /** A session is never the server console. */
  get isConsole(): boolean {
    return false;
  }

  /** Answers this user alone, with a notice. */
  reply(text: string): void {
    this.#sendNotice(text);
  }

  /** Leaves the chat (`/quit`): what was queued is written first. */
  quit(): void {
    this.#end(LeaveReason.quit, { flush: true });
  }

  /** Why the session ended (empty while it runs). */
  get endReason(): string {
    return this.#endReason;
  }

  /** Takes from this client's budget for incoming private messages (the room calls this). */
  admitPrivate(bytes: number): boolean {
    const { options, clock } = this.#ctx;
    if (options.floodRate <= 0) return true;
    this.#privateBytes ??= byteBucket(byteLimitOf(options), clock);
    return this.#privateBytes === null || this.#privateBytes.take(bytes);
  }

  /** Hands encoded frames to the outbox (the room calls this). */
  deliver(bytes: Uint8Array, fanOut = false): void {
    processCounters.deliveries++;
    if (fanOut) this.#outbox.enqueueShared(bytes);
    else this.#outbox.enqueue(bytes);
  }

  /**
   * Serves the connection; resolves when it is closed and every resource is released, never
   * rejects (a bug is reported on the console), then tells `ctx.ended`. One async frame per
   * connection: an idle client costs one pending read and little else.
   */
  async run(): Promise<void> {
    try {
      const seconds = this.#ctx.options.loginTimeoutSeconds;
      if (seconds > 0) {
        this.#loginTimer = this.#ctx.clock.after(seconds * 1000, () => {
          if (!this.#loggedIn) this.#end(LeaveReason.timedOut, { flush: false });
        });
      }
      // The read loop is inline, not a method of its own, so it costs no second async frame.
      let buffer = new Uint8Array(SMALL_READ_BYTES);
      let smallReads = 0;
      reading: while (!this.#ended) {
        if (this.#outbox.pendingBytes > READ_PAUSE_BYTES) {
          await this.#outbox.below(READ_PAUSE_BYTES);
          if (this.#ended) break;
        }
        let count: number | null;
        try {
          count = await this.#conn.read(buffer);
        } catch (error) {
          this.#end(connectionFailureReason(error), { flush: false });
          break;
        }
        if (count === null) {
          this.#end(LeaveReason.closed, { flush: false });
          break;
        }
        if (this.#ended) break;
        this.#lastReadAt = this.#ctx.clock.now();
        if (!this.#sawBytes && this.#rejectText(buffer.subarray(0, count))) break;
        const results = this.#decoder.push(buffer.subarray(0, count));
        const busPressure = this.#ctx.busPressure;
        for (const result of results) {
          if (this.#outbox.pendingBytes > READ_PAUSE_BYTES) {
            await this.#outbox.below(READ_PAUSE_BYTES);
          }
          const bus = busPressure?.();
          if (bus != null) await bus;
          if (this.#ended) break reading;
          const pending = this.#handle(result);
          if (pending !== undefined) await pending;
        }
        if (this.#ended) break;
        this.#flood?.endOfBatch();
        if (count === buffer.length && buffer.length < LARGE_READ_BYTES) {
          buffer = new Uint8Array(LARGE_READ_BYTES);
          smallReads = 0;
        } else if (
          buffer.length > SMALL_READ_BYTES && count < buffer.length &&
          this.#decoder.pendingBytes > 0
        ) {
          // Mid-frame and the socket had less than a buffer: the rest may be long in coming,
          // and a stalled sender should hold no more than an idle one.
          buffer = new Uint8Array(SMALL_READ_BYTES);
          smallReads = 0;
        } else if (buffer.length > SMALL_READ_BYTES) {
          // The decoder copied what it keeps, so the buffer can be swapped between reads.
          smallReads = count <= SMALL_READ_BYTES ? smallReads + 1 : 0;
          if (smallReads >= SHRINK_AFTER_SMALL_READS) buffer = new Uint8Array(SMALL_READ_BYTES);
        }
      }
      if (this.#closing !== null) await this.#closing;
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.#ctx.console.problem(`session failed: ${text}`);
      this.#end("server error", { flush: false });
      if (this.#closing !== null) await this.#closing;
    } finally {
      this.#ctx.ended?.(this);
    }
  }

  /**
   * Ends the session with an error notice (a cluster bus: the name was lost to another
   * instance; the idle sweep: nothing read for too long).
   */
  kick(text: string, reason: string): void {
    this.#end(reason, { notice: text });
  }

  /** Ends the session for a server shutdown: the notice, a bounded flush, no leave broadcast. */
  shutdown(text: string): Promise<void> {
    this.#end(LeaveReason.shutdown, { notice: text, announce: false });
    return this.#closing ?? Promise.resolve();
  }

  /** The first bytes read: a text client (IRC, HTTP) is told in plain text and closed. */
  #rejectText(first: Uint8Array): boolean {
    this.#sawBytes = true;
    if (!looksLikeText(first)) return false;
    this.#ctx.console.textClient(this.#remote, textSample(first));
    this.#outbox.enqueue(TEXT_CLIENT_REPLY);
    this.#end(TEXT_CLIENT_REASON, { flush: true });
    return true;
  }

  /** Returns a promise only for a login that waits for a cluster-wide name claim. */
  #handle(result: DecodeResult): Promise<void> | undefined {
    if (!result.ok) {
      const error = result.error;
      const text = errorNotice(error.message);
      if (error instanceof FrameTooLargeError || !this.#loggedIn) {
        this.#end(protocolErrorReason(error.message), { notice: text });
      } else {
        this.#sendNotice(text);
      }
      return;
    }
    if (this.#loggedIn) this.#handleMessage(result.frame.message);
    else return this.#login(result.frame);
  }

  #login(frame: Frame): Promise<void> | undefined {
    const ctx = this.#ctx;
    const check = checkLogin(frame.username, ctx.moderation, ctx.clock);
    if (!check.ok) {
      this.#end(check.reason, { notice: check.notice });
      return;
    }
    this.#name = check.name;
    this.#key = check.key;
    const claims = ctx.claims;
    if (needsClaim(claims, ctx.room, check.name, check.key)) {
      return this.#claimThenEnter(claims, frame);
    }
    this.#enter(frame);
  }

  /** Clustered login: the name is claimed cluster-wide first, then the room is entered. */
  async #claimThenEnter(claims: NameClaims, frame: Frame): Promise<void> {
    const outcome = await claims.claim(this.#key, this.#name);
    if (!outcome.ok) {
      this.#end(outcome.reason, { notice: outcome.notice });
      return;
    }
    if (this.#ended || !this.#enter(frame)) claims.release(this.#key);
  }

  /** Joins the room under the checked name; false (and the session ended) if it is taken. */
  #enter(frame: Frame): boolean {
    const refusal = joinRoom(this.#ctx.room, this, this.#name, this.#key);
    if (refusal !== null) {
      this.#end(refusal.reason, { notice: refusal.notice });
      return false;
    }
    this.#loggedIn = true;
    this.#loginTimer?.cancel();
    this.#loginTimer = null;
    this.#ctx.console.joined(this.#name, this.#remote);
    if (frame.message.length > 0) this.#handleMessage(frame.message);
    return true;
  }

  #handleMessage(message: string): void {
    const split = splitMessage(message);
    if (split.kind === "keepalive") return;
    const commands = this.#ctx.commands;
    const command = split.kind === "command" ? commands.find(split.name) : undefined;
    const speaks = split.kind === "chat" || command?.speaks === true;
    if (
      command?.floodFree !== true && this.#flood !== null &&
      !admitMessage(this.#flood, this.#ctx.roomBytes, split, speaks)
    ) return;
    if (speaks) {
      const mute = this.#ctx.moderation?.muteFor(this.#key) ?? null;
      if (mute !== null) {
        this.#sendNotice(mutedNotice(mute, this.#ctx.clock.now()));
        return;
      }
    }
    if (split.kind === "chat") {
      this.#ctx.room.broadcast(this, split.text);
      return;
    }
    const pending = commands.run(this, split.word, split.rest);
    pending?.catch((error) => this.#ctx.console.problem(`command ${split.name} failed: ${error}`));
  }

  #sendNotice(text: string): void {
    this.#outbox.enqueue(encodeFrame(notice(text)));
  }

  #onOutboxFailure(failure: OutboxFailure): void {
    const reason = failure.kind === "write-error"
      ? connectionFailureReason(failure.error)
      : LeaveReason.tooSlow;
    // Deferred: an overflow is found inside a room fan-out, which must finish first.
    queueMicrotask(() => this.#end(reason, { flush: false }));
  }

  /** The one way a session ends. */
  #end(reason: string, options: EndOptions): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endReason = reason;
    this.#loginTimer?.cancel();
    this.#loginTimer = null;
    this.#flood?.dispose();
    if (this.#loggedIn) {
      this.#ctx.room.leave(this, reason, { announce: options.announce ?? true });
      this.#ctx.console.left(this.#name, reason, this.#remote);
    }
    if (options.notice !== undefined) this.#sendNotice(options.notice);
    this.#closing = closeBounded(
      this.#conn,
      this.#outbox,
      options.flush ?? options.notice !== undefined,
      options.notice ?? reason,
      this.#ctx.clock,
    );
  }
}
