/**
 * The cluster link over Redis: claims, rosters and the heartbeat as the scripts of presence.ts,
 * events on the room's channel, over a RedisConnection that keeps itself connected.
 * @module
 */

import type { Clock } from "../clock.ts";
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
  RECLAIM_SCRIPT,
  REGISTER_SCRIPT,
  RELEASE_SCRIPT,
  RENEW_SCRIPT,
  SNAPSHOT_SCRIPT,
  SWEEP_SCRIPT,
  UNREGISTER_SCRIPT,
} from "./presence.ts";
import {
  describeRedisError,
  FIRST_BACKOFF_MS,
  MAX_BACKOFF_MS,
  type RedisClient,
  RedisConnection,
} from "./redis_connection.ts";
import type { RedisAddress } from "./redis_url.ts";

export { LinkDownError } from "./redis_connection.ts";

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

/** How an event's instance field starts in its channel text (see encodeBusEvent). */
const INSTANCE_FIELD = ',"instance":';

/** Most user keys renewed by one script call. */
const RENEW_BATCH = 1000;

/** The cluster link over two Redis connections. */
export class RedisLink implements ClusterLink {
  readonly instanceId: string;
  readonly #settings: RedisLinkSettings;
  readonly #keys: PresenceKeys;
  readonly #conn: RedisConnection;
  #handlers: LinkHandlers | null = null;
  /** `,"instance":"ID",` as this instance's events carry it. */
  readonly #ownInstanceField: string;

  constructor(settings: RedisLinkSettings) {
    this.#settings = settings;
    this.instanceId = settings.instanceId;
    this.#ownInstanceField = `${INSTANCE_FIELD}${JSON.stringify(settings.instanceId)},`;
    this.#keys = new PresenceKeys(settings.room);
    const { heartbeatMs } = settings.timing;
    this.#conn = new RedisConnection({
      url: settings.address.url,
      channel: this.#keys.channel,
      clock: settings.clock,
      // Retry at least once per heartbeat, so a short outage is short for users too.
      maxBackoffMs: Math.max(FIRST_BACKOFF_MS, Math.min(MAX_BACKOFF_MS, heartbeatMs)),
      commandLimitMs: heartbeatMs * 2 + 1000,
      connectTimeoutMs: settings.connectTimeoutMs,
    }, {
      message: (text) => this.#onMessage(text),
      down: (reason) => this.#handlers?.down(reason),
      up: () => this.#handlers?.up(),
    });
  }

  get isUp(): boolean {
    return this.#conn.isUp;
  }

  async start(handlers: LinkHandlers): Promise<void> {
    this.#handlers = handlers;
    const where = this.#settings.address.url;
    try {
      await this.#conn.open();
    } catch (error) {
      await this.#conn.close();
      throw new ClusterUnavailableError(
        `cannot reach Redis at ${where}: ${describeRedisError(error)}`,
        { cause: error },
      );
    }
    try {
      await this.#takeId(where);
    } catch (error) {
      await this.#conn.close();
      if (error instanceof ClusterUnavailableError) throw error;
      throw new ClusterUnavailableError(`Redis at ${where} failed: ${describeRedisError(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * Makes sure no running instance has this id. An entry whose heartbeat is stale is a crashed
   * earlier run (restarted by a supervisor, say): its leftovers are removed. A fresh one is waited
   * on until it would count as dead; if it keeps beating, another instance really has the id.
   */
  async #takeId(where: string): Promise<void> {
    const cmd = this.#conn.cmd();
    const { deadAfterMs, heartbeatMs } = this.#settings.timing;
    const clock = this.#settings.clock;
    const deadline = clock.now() + deadAfterMs + heartbeatMs;
    for (;;) {
      const reply = await cmd.eval(INSTANCE_AGE_SCRIPT, {
        keys: [this.#keys.instances],
        arguments: [this.instanceId],
      });
      const [score, now] = numbers(reply);
      if (score < 0) return;
      if (now - score >= deadAfterMs) {
        await cmd.eval(UNREGISTER_SCRIPT, {
          keys: [this.#keys.instances],
          arguments: [this.instanceId, this.#keys.prefix],
        });
        return;
      }
      if (clock.now() >= deadline) {
        throw new ClusterUnavailableError(
          `instance id '${this.instanceId}' is in use by a running instance (Redis ${where})`,
        );
      }
      await new Promise<void>((resolve) => clock.after(heartbeatMs, resolve));
    }
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

  renew(users: readonly RosterEntry[]): Promise<string[]> {
    return this.#claimAll(
      RENEW_SCRIPT,
      [this.#keys.instances, this.#keys.roster(this.instanceId)],
      users,
    );
  }

  /**
   * Re-claims the users' names first and leaves out those another instance took meanwhile (an
   * outage longer than the timeout): a roster must never announce a name this instance does not
   * own. The heartbeat that follows reports those as lost.
   */
  async register(all: readonly RosterEntry[]): Promise<void> {
    let users = all;
    if (all.length > 0) {
      const lost = new Set(await this.#claimAll(RECLAIM_SCRIPT, [], all));
      if (lost.size > 0) users = all.filter((user) => !lost.has(user.key));
    }
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

  /** Runs a claim script (RENEW or RECLAIM) over `users` in batches; the keys others own. */
  async #claimAll(
    script: string,
    fixedKeys: readonly string[],
    users: readonly RosterEntry[],
  ): Promise<string[]> {
    const cmd = this.#cmd();
    const lost: string[] = [];
    let start = 0;
    do {
      const batch = users.slice(start, start + RENEW_BATCH);
      const reply = await this.#conn.bounded(cmd.eval(script, {
        keys: [...fixedKeys, ...batch.map((user) => this.#keys.name(user.key))],
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

  async sweep(): Promise<string[]> {
    const reply = await this.#conn.bounded(
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
    await this.#conn.close((cmd) =>
      cmd.eval(UNREGISTER_SCRIPT, {
        keys: [this.#keys.instances],
        arguments: [this.instanceId, this.#keys.prefix],
      })
    );
  }

  #cmd(): RedisClient {
    return this.#conn.cmd();
  }

  #onMessage(message: string): void {
    const handlers = this.#handlers;
    if (handlers === null) return;
    // This instance's own events come back through the subscription: recognized by their
    // instance field (the third, after the fixed version and kind) without parsing them.
    const at = message.indexOf(INSTANCE_FIELD);
    if (at > 0 && message.startsWith(this.#ownInstanceField, at)) return;
    let event: BusEvent;
    try {
      event = decodeBusEvent(message);
    } catch (error) {
      handlers.badMessage(error instanceof Error ? error.message : String(error));
      return;
    }
    if (event.instance !== this.instanceId) handlers.event(event);
  }
}

function numbers(reply: unknown): number[] {
  return Array.isArray(reply) ? reply.map((item) => Number(item)) : [];
}

function strings(reply: unknown): string[] {
  return Array.isArray(reply) ? reply.map((item) => String(item)) : [];
}
