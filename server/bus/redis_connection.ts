/**
 * The two connections to Redis a cluster link needs (commands, and one subscribed to the
 * room's channel), kept up: when either fails both are dropped, the owner is told `down` once,
 * and a fresh pair is tried on the injected clock with exponential backoff until one is
 * subscribed (`up`). This is the only module that loads the npm Redis client.
 *
 * The client's own reconnection is off: its retry sleep cannot be cancelled, so a shutdown
 * during an outage would leave a timer behind.
 *
 * The client is loaded with a dynamic import of its bare npm specifier on the first connection:
 * evaluating it costs about 250 ms and 15 MB, which a single-process server and `chat client`
 * must not pay. The specifier is a string literal, so `deno compile` still embeds the package.
 * The history's Redis store (server/store/redis_store.ts) loads it through here too.
 * @module
 */

import type * as RedisModule from "@redis/client";
import type { Clock, Timer } from "../clock.ts";

/** One connection of the npm client. */
export type RedisClient = ReturnType<typeof RedisModule.createClient>;

let redisModule: Promise<typeof RedisModule> | null = null;

/** The npm Redis client, loaded once, on first use (the history store uses it too). */
export function loadRedisClient(): Promise<typeof RedisModule> {
  redisModule ??= import("@redis/client");
  return redisModule;
}

/** A command failed because the link is down (or closed). */
export class LinkDownError extends Error {
  constructor() {
    super("the cluster link is down");
    this.name = "LinkDownError";
  }
}

/** Longest pause between reconnection attempts. */
export const MAX_BACKOFF_MS = 5000;
/** First pause after the link is lost. */
export const FIRST_BACKOFF_MS = 100;

/** How a RedisConnection connects. */
export interface RedisConnectionSettings {
  /** `redis://host:port/db`. */
  readonly url: string;
  /** The channel to subscribe to. */
  readonly channel: string;
  /** Timers for the backoff and for bounding commands. */
  readonly clock: Clock;
  /** Longest pause between attempts (at most MAX_BACKOFF_MS is sensible). */
  readonly maxBackoffMs: number;
  /** A bounded command that gets no answer in this time drops the link. */
  readonly commandLimitMs: number;
  /** How long one connection attempt may take (default 2 s). */
  readonly connectTimeoutMs?: number;
}

/** What the connection reports. */
export interface ConnectionEvents {
  /** A message on the channel. */
  message(text: string): void;
  /** The pair was lost; retrying. */
  down(reason: string): void;
  /** A new pair is connected and subscribed after `down`. */
  up(): void;
}

interface Pair {
  readonly cmd: RedisClient;
  readonly sub: RedisClient;
}

/** A command connection and a subscribed connection, reconnected as a pair. */
export class RedisConnection {
  readonly #settings: RedisConnectionSettings;
  readonly #events: ConnectionEvents;
  #pair: Pair | null = null;
  #closed = false;
  #attempt = 0;
  #retryTimer: Timer | null = null;
  #reconnecting: Promise<void> = Promise.resolve();

  constructor(settings: RedisConnectionSettings, events: ConnectionEvents) {
    this.#settings = settings;
    this.#events = events;
  }

  /** True while both connections are up. */
  get isUp(): boolean {
    return this.#pair !== null;
  }

  /** The first connection; rejects with the client's error (see describeRedisError). */
  async open(): Promise<void> {
    this.#pair = await this.#connectPair();
  }

  /** The command connection; throws LinkDownError while down. */
  cmd(): RedisClient {
    const pair = this.#pair;
    if (pair === null) throw new LinkDownError();
    return pair.cmd;
  }

  /** Rejects, and drops the link, when Redis does not answer within the command limit. */
  async bounded<T>(reply: Promise<T>): Promise<T> {
    const pair = this.#pair;
    const limit = this.#settings.commandLimitMs;
    let timer: Timer | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.#settings.clock.after(limit, () => {
        const error = new Error(`Redis did not answer within ${limit} ms`);
        if (pair !== null) this.#lost(pair, error);
        reject(error);
      });
    });
    try {
      return await Promise.race([reply, timeout]);
    } finally {
      (timer as Timer | null)?.cancel();
    }
  }

  /**
   * Stops retrying, runs `last` on the command connection if it is up (bounded; failures are
   * ignored), then quits both connections. Leaves no timer or socket behind.
   */
  async close(last?: (cmd: RedisClient) => Promise<unknown>): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#retryTimer?.cancel();
    this.#retryTimer = null;
    await this.#reconnecting;
    const pair = this.#pair;
    this.#pair = null;
    if (pair === null) return;
    try {
      if (last !== undefined) await this.bounded(last(pair.cmd));
      await this.bounded(Promise.all([pair.sub.close(), pair.cmd.close()]));
    } catch {
      // Redis went away while closing: nothing more to tell it.
    } finally {
      destroyPair(pair);
    }
  }

  async #connectPair(): Promise<Pair> {
    const { createClient } = await loadRedisClient();
    const cmd = this.#client(createClient);
    const sub = this.#client(createClient);
    const pair: Pair = { cmd, sub };
    const onError = (error: unknown) => this.#lost(pair, error);
    cmd.on("error", onError);
    sub.on("error", onError);
    try {
      await Promise.all([cmd.connect(), sub.connect()]);
      await sub.subscribe(this.#settings.channel, (text: string) => this.#events.message(text));
    } catch (error) {
      destroyPair(pair);
      throw error;
    }
    return pair;
  }

  #client(createClient: typeof RedisModule.createClient): RedisClient {
    return createClient({
      url: this.#settings.url,
      RESP: 2,
      // The default asks Redis Enterprise for maintenance pushes and reads an environment
      // variable to do so; chat needs neither (and the binary has no --allow-env).
      maintNotifications: "disabled",
      // Fail at once while disconnected instead of queueing: the bus reports the failure.
      disableOfflineQueue: true,
      // No per-command timeout of the client's own: it arms `AbortSignal.timeout(5000)` for every
      // command, which lives (signal, timer, listener) for the full 5 s after the reply came, so
      // a busy bus (30,000 publications a second) kept about 160,000 of them, some 100 MiB of
      // heap. Commands are bounded by `bounded` (one timer, cancelled on the reply) instead.
      commandOptions: { timeout: 0 },
      socket: {
        reconnectStrategy: false,
        connectTimeout: this.#settings.connectTimeoutMs ?? 2000,
      },
    });
  }

  /** One of the current pair's connections failed: drop both, tell the owner, retry. */
  #lost(pair: Pair, error: unknown): void {
    if (this.#closed || this.#pair !== pair) return;
    this.#pair = null;
    destroyPair(pair);
    this.#events.down(describeRedisError(error));
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    const max = this.#settings.maxBackoffMs;
    const base = Math.min(max, FIRST_BACKOFF_MS * 2 ** Math.min(this.#attempt, 16));
    this.#attempt++;
    const delay = Math.round(base / 2 + Math.random() * base / 2);
    this.#retryTimer = this.#settings.clock.after(delay, () => {
      this.#retryTimer = null;
      this.#reconnecting = this.#retry();
    });
  }

  async #retry(): Promise<void> {
    let pair: Pair;
    try {
      pair = await this.#connectPair();
    } catch {
      this.#scheduleRetry();
      return;
    }
    if (this.#closed) {
      destroyPair(pair);
      return;
    }
    this.#pair = pair;
    this.#attempt = 0;
    this.#events.up();
  }
}

function destroyPair(pair: Pair): void {
  for (const client of [pair.cmd, pair.sub]) {
    try {
      if (client.isOpen) client.destroy();
    } catch {
      // Already gone.
    }
  }
}

/** Node-style socket error codes, in words. */
const ERROR_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/** A short, lower-case reason for a Redis client failure (`connection refused`). */
export function describeRedisError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return describeRedisError(error.errors[0]);
  }
  if (error instanceof Error && "code" in error && typeof error.code === "string") {
    const words = ERROR_CODES[error.code];
    if (words !== undefined) return words;
  }
  if (error instanceof Error && error.name === "ConnectionTimeoutError") {
    return "connection timed out";
  }
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^connect /, "").replace(/\s*\(os error \d+\)$/, "");
}
