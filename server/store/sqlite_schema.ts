/**
 * The SQLite store's schema: one version number (SQLite's `user_version`) and the migrations
 * that bring an older file forward, each in its own transaction: the history (1), then bans,
 * mutes and the topic (2).
 * @module
 */

import type { DatabaseSync } from "node:sqlite";

/**
 * Each entry brings the schema from its index to the next version. Never edit one that has
 * shipped: add another.
 */
export const MIGRATIONS: readonly string[] = [
  // 0 -> 1: the chat history, one row per batch (a row per message would cost the room more
  // than the rest of a message's handling). `items` is a JSON array of [time, kind, name, text]
  // (kind 0 a message, 1 an action, 2 a gap: name empty, text the JSON {"lost","to"}); `count`
  // is its length. The search index holds each batch's words, filled when a search needs it.
  `CREATE TABLE history (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     first_time INTEGER NOT NULL,
     last_time INTEGER NOT NULL,
     count INTEGER NOT NULL,
     items TEXT NOT NULL
   );
   CREATE VIRTUAL TABLE history_words USING fts5(
     words, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0'
   );`,
  // 1 -> 2: moderation. A ban's key is `name:KEY` or `net:RANGE`; `until` is null until lifted.
  // The topic is the one row of room_settings named 'topic' (JSON {"text","setBy","setAt"}).
  `CREATE TABLE bans (
     key TEXT PRIMARY KEY,
     target TEXT NOT NULL,
     set_by TEXT NOT NULL,
     reason TEXT NOT NULL,
     set_at INTEGER NOT NULL,
     until INTEGER
   );
   CREATE TABLE mutes (
     key TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     set_by TEXT NOT NULL,
     set_at INTEGER NOT NULL,
     until INTEGER
   );
   CREATE TABLE room_settings (
     name TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );`,
];

/** The schema version this program writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** What a file's schema version means to this program. */
export type SchemaCheck =
  | { kind: "current" }
  | { kind: "older"; version: number }
  | { kind: "newer"; version: number };

/** Reads the file's schema version (throws what SQLite throws when it is not a database). */
export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version?: unknown } | undefined;
  const version = row?.user_version;
  return typeof version === "number" ? version : 0;
}

/** Compares a version with {@link SCHEMA_VERSION}. */
export function checkSchema(version: number): SchemaCheck {
  if (version === SCHEMA_VERSION) return { kind: "current" };
  return version < SCHEMA_VERSION ? { kind: "older", version } : { kind: "newer", version };
}

/** Runs the migrations from `from` to {@link SCHEMA_VERSION}, each in one transaction. */
export function migrate(db: DatabaseSync, from: number): void {
  for (let version = from; version < SCHEMA_VERSION; version++) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(MIGRATIONS[version]);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }
}
