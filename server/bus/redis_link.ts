/**
 * The cluster link over Redis: one connection for commands and scripts, one subscribed to the
 * room's channel. This is the only module that loads the npm Redis client.
 *
 * The client's own reconnection is off: its retry sleep cannot be cancelled, so a shutdown
 * during an outage would leave a timer behind. Instead, when either connection fails, both are
 * dropped and a fresh pair is tried on the injected clock with exponential backoff; the bus is
 * told `down` once and `up` once the new pair is subscribed.
 * @module
 */

import { createClient } from "@redis/client";
import type { Clock, Timer } from "../clock.ts";
import { type BusEvent, decodeBusEvent, encodeBusEvent, type RosterEntry } from "./codec.ts";
import {
  type ClusterLink,
  type ClusterSnapshot,
  ClusterUnavailableError,
  type LinkHandlers,
} from "./link.ts";
import {
  INSTANCE_AGE_SCRIPT,
  JOIN_SCRIPT,
  LEAVE_SCRIPT,
  PresenceKeys,
  type PresenceTiming,
  REGISTER_SCRIPT,
  RELEASE_SCRIPT,
  RENEW_SCRIPT,
  SNAPSHOT_SCRIPT,
  SWEEP_SCRIPT,
  UNREGISTER_SCRIPT,
} from "./presence.ts";
import type { RedisAddress } from "./redis_url.ts";

type RedisClient = ReturnType<typeof createClient>;

/** A command failed because the link is down (or closed). */
export class LinkDownError extends Error {
  constructor() {
    super("the cluster link is down");
    this.name = "LinkDownError";
  }
}

/** How a RedisLink connects. */
export interface RedisLinkSettings {
  /** Where Redis is. */
  readonly address: RedisAddress;
  /** This instance's id. */
  readonly instanceId: string;
  /** The cluster room name (the key prefix). */
  readonly room: string;
  /** Claim expiry and heartbeat. */
  readonly timing: PresenceTiming;
  /** Timers for the backoff and for bounding commands. */
  readonly clock: Clock;
  /** How long one connection attempt may take (default 2 s). */
  readonly connectTimeoutMs?: number;
}

/** Longest pause between reconnection attempts. */
export const MAX_BACKOFF_MS = 5000;
/** First pause after the link is lost. */
export const FIRST_BACKOFF_MS = 100;
/** Most user keys renewed by one script call. */
const RENEW_BATCH = 1000;

interface Pair {
  readonly cmd: RedisClient;
  readonly sub: RedisClient;
}

/** The cluster link over two Redis connections. */
export class RedisLink implements ClusterLink {
  readonly instanceId: string;
  readonly #settings: RedisLinkSettings;
  readonly #keys: PresenceKeys;
  readonly #maxBackoffMs: number;
  #handlers: LinkHandlers | null = null;
  #pair: Pair | null = null;
  #closed = false;
  #attempt = 0;
  #retryTimer: Timer | null = null;
  #reconnecting: Promise<void> = Promise.resolve();

  constructor(settings: RedisLinkSettings) {
    this.#settings = settings;
    this.instanceId = settings.instanceId;
    this.#keys = new PresenceKeys(settings.room);
    // Retry at least once per heartbeat, so a short outage is short for users too.
    this.#maxBackoffMs = Math.max(
      FIRST_BACKOFF_MS,
      Math.min(MAX_BACKOFF_MS, settings.timing.heartbeatMs),
    );
  }

  get isUp(): boolean {
    return this.#pair !== null;
  }

  async start(handlers: LinkHandlers): Promise<void> {
    this.#handlers = handlers;
    const where = this.#settings.address.url;
    let pair: Pair;
    try {
      pair = await this.#connectPair();
    } catch (error) {
      throw new ClusterUnavailableError(`cannot reach Redis at ${where}: ${describe(error)}`, {
        cause: error,
      });
    }
    try {
      const reply = await pair.cmd.eval(INSTANCE_AGE_SCRIPT, {
        keys: [this.#keys.instances],
        arguments: [this.instanceId],
      });
      const [score, now] = numbers(reply);
      if (score >= 0 && now - score < this.#settings.timing.deadAfterMs) {
        throw new ClusterUnavailableError(
          `instance id '${this.instanceId}' is in use by a running instance (Redis ${where})`,
        );
      }
    } catch (error) {
      destroyPair(pair);
      if (error instanceof ClusterUnavailableError) throw error;
      throw new ClusterUnavailableError(`Redis at ${where} failed: ${describe(error)}`, {
        cause: error,
      });
    }
    this.#pair = pair;
  }

  async publish(event: BusEvent): Promise<void> {
    await this.#cmd().publish(this.#keys.channel, encodeBusEvent(event));
  }

  async claim(key: string): Promise<boolean> {
    const reply = await this.#cmd().set(this.#keys.name(key), this.instanceId, {
      condition: "NX",
      expiration: { type: "PX", value: this.#settings.timing.timeoutMs },
    });
    return reply === "OK";
  }

  async release(key: string): Promise<void> {
    await this.#cmd().eval(RELEASE_SCRIPT, {
      keys: [this.#keys.name(key)],
      arguments: [this.instanceId],
    });
  }

  async joined(event: BusEvent & { kind: "joined" }): Promise<boolean> {
    const reply = await this.#cmd().eval(JOIN_SCRIPT, {
      keys: [this.#keys.roster(this.instanceId), this.#keys.name(event.key)],
      arguments: [
        this.instanceId,
        event.key,
        event.name,
        String(this.#settings.timing.timeoutMs),
        this.#keys.channel,
        encodeBusEvent(event),
      ],
    });
    return reply === 1;
  }

  async left(event: BusEvent & { kind: "left" }): Promise<void> {
    await this.#cmd().eval(LEAVE_SCRIPT, {
      keys: [this.#keys.roster(this.instanceId), this.#keys.name(event.key)],
      arguments: [this.instanceId, event.key, this.#keys.channel, encodeBusEvent(event)],
    });
  }

  async renew(users: readonly RosterEntry[]): Promise<string[]> {
    const cmd = this.#cmd();
    const lost: string[] = [];
    let start = 0;
    do {
      const batch = users.slice(start, start + RENEW_BATCH);
      const reply = await this.#bounded(cmd.eval(RENEW_SCRIPT, {
        keys: [
          this.#keys.instances,
          this.#keys.roster(this.instanceId),
          ...batch.map((user) => this.#keys.name(user.key)),
        ],
        arguments: [this.instanceId, String(this.#settings.timing.timeoutMs)],
      }));
      for (const position of numbers(reply)) {
        const user = batch[position - 1];
        if (user !== undefined) lost.push(user.key);
      }
      start += RENEW_BATCH;
    } while (start < users.length);
    return lost;
  }

  async register(users: readonly RosterEntry[]): Promise<void> {
    const event: BusEvent = { kind: "roster", instance: this.instanceId, users: [...users] };
    await this.#cmd().eval(REGISTER_SCRIPT, {
      keys: [this.#keys.instances, this.#keys.roster(this.instanceId)],
      arguments: [
        this.instanceId,
        String(this.#settings.timing.timeoutMs),
        this.#keys.channel,
        encodeBusEvent(event),
        ...users.flatMap((user) => [user.key, user.name]),
      ],
    });
  }

  async sweep(): Promise<string[]> {
    const reply = await this.#bounded(
      this.#cmd().eval(SWEEP_SCRIPT, {
        keys: [this.#keys.instances],
        arguments: [String(this.#settings.timing.deadAfterMs), this.#keys.prefix],
      }),
    );
    return strings(reply);
  }

  async snapshot(): Promise<ClusterSnapshot> {
    const reply = await this.#cmd().eval(SNAPSHOT_SCRIPT, {
      keys: [this.#keys.instances],
      arguments: [this.#keys.prefix],
    });
    const items = Array.isArray(reply) ? reply : [];
    const result: ClusterSnapshot = new Map();
    for (let i = 0; i + 1 < items.length; i += 2) {
      const id = String(items[i]);
      const flat = strings(items[i + 1]);
      const users: RosterEntry[] = [];
      for (let j = 0; j + 1 < flat.length; j += 2) users.push({ key: flat[j], name: flat[j + 1] });
      result.set(id, users);
    }
    return result;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#retryTimer?.cancel();
    this.#retryTimer = null;
    await this.#reconnecting;
    const pair = this.#pair;
    this.#pair = null;
    if (pair === null) return;
    try {
      await this.#bounded(pair.cmd.eval(UNREGISTER_SCRIPT, {
        keys: [this.#keys.instances],
        arguments: [this.instanceId, this.#keys.prefix],
      }));
      await Promise.all([pair.sub.close(), pair.cmd.close()]);
    } catch {
      // Redis went away while closing: the survivors' sweep will clean up.
    } finally {
      destroyPair(pair);
    }
  }

  #cmd(): RedisClient {
    const pair = this.#pair;
    if (pair === null) throw new LinkDownError();
    return pair.cmd;
  }

  /** Rejects (and drops the link) when Redis does not answer within two heartbeats. */
  async #bounded<T>(reply: Promise<T>): Promise<T> {
    const pair = this.#pair;
    const limit = this.#settings.timing.heartbeatMs * 2 + 1000;
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

  async #connectPair(): Promise<Pair> {
    const cmd = this.#client();
    const sub = this.#client();
    const pair: Pair = { cmd, sub };
    const onError = (error: unknown) => this.#lost(pair, error);
    cmd.on("error", onError);
    sub.on("error", onError);
    try {
      await Promise.all([cmd.connect(), sub.connect()]);
      await sub.subscribe(this.#keys.channel, (message: string) => this.#onMessage(message));
    } catch (error) {
      destroyPair(pair);
      throw error;
    }
    return pair;
  }

  #client(): RedisClient {
    return createClient({
      url: this.#settings.address.url,
      RESP: 2,
      // The default asks Redis Enterprise for maintenance pushes and reads an environment
      // variable to do so; chat needs neither (and the binary has no --allow-env).
      maintNotifications: "disabled",
      // Fail at once while disconnected instead of queueing: the bus reports the failure.
      disableOfflineQueue: true,
      socket: {
        reconnectStrategy: false,
        connectTimeout: this.#settings.connectTimeoutMs ?? 2000,
      },
    });
  }

  #onMessage(message: string): void {
    const handlers = this.#handlers;
    if (handlers === null) return;
    let event: BusEvent;
    try {
      event = decodeBusEvent(message);
    } catch (error) {
      handlers.badMessage(describe(error));
      return;
    }
    if (event.instance !== this.instanceId) handlers.event(event);
  }

  /** One of the current pair's connections failed: drop both, tell the bus, retry. */
  #lost(pair: Pair, error: unknown): void {
    if (this.#closed || this.#pair !== pair) return;
    this.#pair = null;
    destroyPair(pair);
    this.#handlers?.down(describe(error));
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    const base = Math.min(this.#maxBackoffMs, FIRST_BACKOFF_MS * 2 ** Math.min(this.#attempt, 16));
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
    this.#handlers?.up();
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

function numbers(reply: unknown): number[] {
  return Array.isArray(reply) ? reply.map((item) => Number(item)) : [];
}

function strings(reply: unknown): string[] {
  return Array.isArray(reply) ? reply.map((item) => String(item)) : [];
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

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
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
