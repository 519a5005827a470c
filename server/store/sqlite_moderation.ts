/**
 * Bans, mutes and the topic in the SQLite store's database (tables of schema version 2): each
 * change one small statement, run at once; expired rows are deleted when read back.
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import {
  type BanRecord,
  inForce,
  type ModerationState,
  type ModerationStore,
  type MuteRecord,
  type TopicRecord,
} from "./moderation_store.ts";

/** The moderation tables of an open, migrated database. */
export class SqliteModeration implements ModerationStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  loadModeration(now: number): Promise<ModerationState> {
    return this.#attempt(() => {
      const db = this.#db;
      db.prepare("DELETE FROM bans WHERE until IS NOT NULL AND until <= ?").run(now);
      db.prepare("DELETE FROM mutes WHERE until IS NOT NULL AND until <= ?").run(now);
      const bans = (db.prepare(
        "SELECT key, target, set_by, reason, set_at, until FROM bans ORDER BY set_at",
      ).all() as unknown as BanRow[]).map((row): BanRecord => ({
        key: row.key,
        target: row.target,
        setBy: row.set_by,
        reason: row.reason,
        setAt: row.set_at,
        until: row.until,
      })).filter((ban) => inForce(ban.until, now));
      const mutes = (db.prepare(
        "SELECT key, name, set_by, set_at, until FROM mutes ORDER BY set_at",
      ).all() as unknown as MuteRow[]).map((row): MuteRecord => ({
        key: row.key,
        name: row.name,
        setBy: row.set_by,
        setAt: row.set_at,
        until: row.until,
      })).filter((mute) => inForce(mute.until, now));
      const topicRow = db.prepare("SELECT value FROM room_settings WHERE name = 'topic'").get() as
        | { value: string }
        | undefined;
      return { bans, mutes, topic: topicRow === undefined ? null : parseTopic(topicRow.value) };
    });
  }

  putBan(ban: BanRecord): Promise<void> {
    return this.#attempt(() => {
      this.#db.prepare(
        `INSERT OR REPLACE INTO bans (key, target, set_by, reason, set_at, until)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(ban.key, ban.target, ban.setBy, ban.reason, ban.setAt, ban.until);
    });
  }

  deleteBan(key: string): Promise<void> {
    return this.#attempt(() => void this.#db.prepare("DELETE FROM bans WHERE key = ?").run(key));
  }

  putMute(mute: MuteRecord): Promise<void> {
    return this.#attempt(() => {
      this.#db.prepare(
        "INSERT OR REPLACE INTO mutes (key, name, set_by, set_at, until) VALUES (?, ?, ?, ?, ?)",
      ).run(mute.key, mute.name, mute.setBy, mute.setAt, mute.until);
    });
  }

  deleteMute(key: string): Promise<void> {
    return this.#attempt(() => void this.#db.prepare("DELETE FROM mutes WHERE key = ?").run(key));
  }

  putTopic(topic: TopicRecord): Promise<void> {
    return this.#attempt(() => {
      this.#db.prepare(
        "INSERT OR REPLACE INTO room_settings (name, value) VALUES ('topic', ?)",
      ).run(JSON.stringify(topic));
    });
  }

  /** Runs one statement now; its failure is the promise's. */
  #attempt<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

interface BanRow {
  key: string;
  target: string;
  set_by: string;
  reason: string;
  set_at: number;
  until: number | null;
}

interface MuteRow {
  key: string;
  name: string;
  set_by: string;
  set_at: number;
  until: number | null;
}

/** The stored topic, or null when the row does not hold one. */
function parseTopic(text: string): TopicRecord | null {
  try {
    const value = JSON.parse(text) as { text?: unknown; setBy?: unknown; setAt?: unknown };
    if (
      typeof value.text !== "string" || typeof value.setBy !== "string" ||
      typeof value.setAt !== "number"
    ) {
      return null;
    }
    return { text: value.text, setBy: value.setBy, setAt: value.setAt };
  } catch {
    return null;
  }
}
