/**
 * Bans, mutes and the topic of a cluster, kept in its Redis so every instance, and every
 * restart, sees the same ones: `PREFIX:bans` and `PREFIX:mutes` are hashes of key -> JSON record,
 * `PREFIX:topic` a JSON string. Expired records are removed when read back; a record that does
 * not parse is reported and skipped.
 * @module
 */

import { decodeBan, decodeMute, decodeTopic } from "../moderation/change_codec.ts";
import type {
  BanRecord,
  ModerationState,
  ModerationStore,
  MuteRecord,
  TopicRecord,
} from "./moderation_store.ts";
import { inForce } from "./moderation_store.ts";
import type { RedisClient } from "../bus/redis_connection.ts";

/** The moderation store on the cluster's Redis connection. */
export class RedisModerationStore implements ModerationStore {
  readonly #cmd: () => Promise<RedisClient>;
  readonly #bans: string;
  readonly #mutes: string;
  readonly #topic: string;
  readonly #problem: (text: string) => void;

  /** `cmd` gives the store's client, connecting if it must; `prefix` is `chat:ROOM`. */
  constructor(cmd: () => Promise<RedisClient>, prefix: string, problem: (text: string) => void) {
    this.#cmd = cmd;
    this.#bans = `${prefix}:bans`;
    this.#mutes = `${prefix}:mutes`;
    this.#topic = `${prefix}:topic`;
    this.#problem = problem;
  }

  async loadModeration(now: number): Promise<ModerationState> {
    const cmd = await this.#cmd();
    const bans = await this.#load(this.#bans, decodeBan, now);
    const mutes = await this.#load(this.#mutes, decodeMute, now);
    const topicText = await cmd.get(this.#topic);
    let topic: TopicRecord | null = null;
    if (typeof topicText === "string") {
      try {
        topic = decodeTopic(JSON.parse(topicText));
      } catch (error) {
        this.#problem(`redis: ignoring the stored topic (${describe(error)})`);
      }
    }
    return { bans, mutes, topic };
  }

  async putBan(ban: BanRecord): Promise<void> {
    await (await this.#cmd()).hSet(this.#bans, ban.key, JSON.stringify(ban));
  }

  async deleteBan(key: string): Promise<void> {
    await (await this.#cmd()).hDel(this.#bans, key);
  }

  async putMute(mute: MuteRecord): Promise<void> {
    await (await this.#cmd()).hSet(this.#mutes, mute.key, JSON.stringify(mute));
  }

  async deleteMute(key: string): Promise<void> {
    await (await this.#cmd()).hDel(this.#mutes, key);
  }

  async putTopic(topic: TopicRecord): Promise<void> {
    await (await this.#cmd()).set(this.#topic, JSON.stringify(topic));
  }

  /** The records of one hash still in force; expired ones are deleted. */
  async #load<T extends { until: number | null }>(
    hash: string,
    decode: (value: unknown) => T,
    now: number,
  ): Promise<T[]> {
    const cmd = await this.#cmd();
    const all = await cmd.hGetAll(hash) as Record<string, string>;
    const kept: T[] = [];
    const expired: string[] = [];
    for (const [field, json] of Object.entries(all)) {
      try {
        const item = decode(JSON.parse(json));
        if (inForce(item.until, now)) kept.push(item);
        else expired.push(field);
      } catch (error) {
        this.#problem(`redis: ignoring ${hash} ${field} (${describe(error)})`);
      }
    }
    if (expired.length > 0) await cmd.hDel(hash, expired);
    return kept;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
