/**
 * The SQLite backends: the same code in memory (the default, `:memory:`) and on a file (`--db`,
 * WAL mode). Appends are batched into one transaction per event-loop turn; each batch also
 * trims a bounded slice of what the retention no longer keeps, so trimming never stops the
 * room. Searches go through an FTS5 index of each line's words, queried only with quoted words
 * of letters and digits, as a bound parameter.
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { HistoryLine } from "../../protocol/mod.ts";
import type { Clock, Timer } from "../clock.ts";
import { BatchWriter } from "./batch_writer.ts";
import type { ModerationStore } from "./moderation_store.ts";
import { SqliteModeration } from "./sqlite_moderation.ts";
import { checkSchema, migrate, SCHEMA_VERSION, schemaVersion } from "./sqlite_schema.ts";
import {
  type HistoryGap,
  type HistoryItem,
  type Retention,
  retentionCutoff,
  searchTokens,
  type Store,
  StoreOpenError,
  type StoreReport,
} from "./store.ts";

/** Rows a batch may trim at most (more than a batch adds, so trimming catches up). */
export const TRIM_SLICE = 1000;
/** How often the age limit is applied while nobody writes. */
export const TRIM_INTERVAL_MS = 60_000;

/** How a SQLite store is opened. */
export interface SqliteStoreOptions {
  /** The database file; null for memory. */
  readonly file: string | null;
  /** How much history to keep. */
  readonly retention: Retention;
  /** Time for receive stamps of the retention and the retry pause. */
  readonly clock: Clock;
  /** Where write failures and recoveries go. */
  readonly report: StoreReport;
  /** Unsaved lines kept while writes fail (tests make it small). */
  readonly pendingLimit?: number;
}

const KIND_MESSAGE = 0;
const KIND_ACTION = 1;
const KIND_GAP = 2;

interface Row {
  seq: number;
  time: number;
  kind: number;
  name: string;
  body: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A store on SQLite. */
export class SqliteStore implements Store {
  readonly description: string;
  readonly #db: DatabaseSync;
  readonly #options: SqliteStoreOptions;
  readonly #writer: BatchWriter;
  readonly #moderation: SqliteModeration;
  readonly #insert: StatementSync;
  readonly #index: StatementSync;
  /** Applies the age limit while nobody writes; armed by a write, so an idle store has none. */
  #trimTimer: Timer | null = null;
  #closed: Promise<void> | null = null;

  /**
   * Opens (creating it if missing) and migrates the database. Throws StoreOpenError, leaving the
   * file as it was, when it cannot be opened, is not a database, or has a newer schema.
   */
  constructor(options: SqliteStoreOptions) {
    this.#options = options;
    const file = options.file;
    this.description = file === null ? "memory" : `file ${file}`;
    const what = file === null ? "the history database in memory" : `database ${file}`;
    this.#db = openDatabase(file, what);
    this.#insert = this.#db.prepare(
      "INSERT INTO history (time, kind, name, body) VALUES (?, ?, ?, ?)",
    );
    this.#index = this.#db.prepare("INSERT INTO history_words (rowid, words) VALUES (?, ?)");
    this.#moderation = new SqliteModeration(this.#db);
    this.#writer = new BatchWriter({
      write: (lines, gap) => this.#write(lines, gap),
      report: options.report,
      clock: options.clock,
      pendingLimit: options.pendingLimit,
    });
  }

  /** The open database, for tests that make it fail on purpose. */
  get database(): DatabaseSync {
    return this.#db;
  }

  append(line: HistoryLine): void {
    if (this.#options.retention.lines > 0) this.#writer.add(line);
  }

  recent(limit: number, since: number): Promise<HistoryItem[]> {
    const rows = this.#db.prepare(
      "SELECT seq, time, kind, name, body FROM history WHERE time >= ? ORDER BY seq DESC LIMIT ?",
    ).all(since, limit) as unknown as Row[];
    return Promise.resolve(rows.reverse().map(toItem));
  }

  search(tokens: readonly string[], limit: number, since: number): Promise<HistoryLine[]> {
    if (tokens.length === 0) return Promise.resolve([]);
    // Each word is quoted (an FTS5 string), and holds only letters and digits anyway.
    const query = tokens.map((token) => `"${token.replaceAll('"', '""')}"`).join(" AND ");
    const rows = this.#db.prepare(
      `SELECT h.seq, h.time, h.kind, h.name, h.body FROM history_words w
       JOIN history h ON h.seq = w.rowid
       WHERE history_words MATCH ? AND h.time >= ? AND h.kind < ${KIND_GAP}
       ORDER BY w.rowid DESC LIMIT ?`,
    ).all(query, since, limit) as unknown as Row[];
    const lines: HistoryLine[] = [];
    for (const row of rows.reverse()) {
      const item = toItem(row);
      if (item.kind === "line") lines.push(item.line);
    }
    return Promise.resolve(lines);
  }

  flush(): Promise<void> {
    return this.#writer.flush();
  }

  /** Moderation lives in the same database. */
  get moderation(): ModerationStore {
    return this.#moderation;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#writer.close();
      this.#trimTimer?.cancel();
      this.#trimTimer = null;
      this.#db.close();
    })();
    return this.#closed;
  }

  /** One batch in one transaction: the gap, the lines, a slice of trimming. */
  #write(lines: readonly HistoryLine[], gap: HistoryGap | null): void {
    const db = this.#db;
    db.exec("BEGIN IMMEDIATE");
    try {
      if (gap !== null) {
        const body = encoder.encode(JSON.stringify({ lost: gap.lost, to: gap.to }));
        this.#insert.run(gap.from, KIND_GAP, "", body);
      }
      for (const line of lines) {
        const kind = line.action ? KIND_ACTION : KIND_MESSAGE;
        const result = this.#insert.run(line.time, kind, line.from, encoder.encode(line.text));
        this.#index.run(result.lastInsertRowid, searchTokens(line.text).join(" "));
      }
      this.#trim();
      db.exec("COMMIT");
    } catch (error) {
      try {
        db.exec("ROLLBACK");
      } catch {
        // SQLite already rolled back (a full disk does).
      }
      throw error;
    }
    this.#armTrim();
  }

  #armTrim(): void {
    if (this.#trimTimer !== null || this.#options.retention.days === 0 || this.#closed !== null) {
      return;
    }
    this.#trimTimer = this.#options.clock.after(TRIM_INTERVAL_MS, () => {
      this.#trimTimer = null;
      if (this.#trimNow()) this.#armTrim();
    });
  }

  /** Deletes at most a slice of entries beyond the line bound or older than the age bound. */
  #trim(): void {
    const { lines } = this.#options.retention;
    const db = this.#db;
    const newest = db.prepare("SELECT max(seq) AS seq FROM history").get() as {
      seq: number | null;
    };
    if (newest.seq === null) return;
    const cutoff = retentionCutoff(this.#options.retention, this.#options.clock.now());
    const old = db.prepare(
      `SELECT max(seq) AS seq FROM (SELECT seq, time FROM history ORDER BY seq LIMIT ?)
       WHERE time < ?`,
    ).get(TRIM_SLICE, cutoff) as { seq: number | null };
    const first = db.prepare("SELECT min(seq) AS seq FROM history").get() as { seq: number };
    const bound = Math.min(
      Math.max(newest.seq - lines, old.seq ?? 0),
      first.seq + TRIM_SLICE - 1,
    );
    if (bound < first.seq) return;
    db.prepare("DELETE FROM history WHERE seq <= ?").run(bound);
    db.prepare("DELETE FROM history_words WHERE rowid <= ?").run(bound);
  }

  /**
   * The age limit applied while the room is quiet (a failure waits for the next batch). True
   * while history remains, to be looked at again later.
   */
  #trimNow(): boolean {
    if (this.#writer.pending > 0 || this.#writer.failing) return false;
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      this.#trim();
      this.#db.exec("COMMIT");
      const any = this.#db.prepare("SELECT 1 AS one FROM history LIMIT 1").get();
      return any !== undefined;
    } catch {
      try {
        this.#db.exec("ROLLBACK");
      } catch {
        // Nothing to roll back.
      }
      return false;
    }
  }
}

/** Opens and migrates, or throws StoreOpenError having changed nothing. */
function openDatabase(file: string | null, what: string): DatabaseSync {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file ?? ":memory:");
  } catch (error) {
    throw new StoreOpenError(what, reason(error));
  }
  try {
    // Reading the header first: a file that is not a database, or is newer, is left as it is.
    const check = checkSchema(schemaVersion(db));
    if (check.kind === "newer") {
      throw new StoreOpenError(
        what,
        `its schema version ${check.version} is newer than this program's (${SCHEMA_VERSION})`,
      );
    }
    if (file !== null) {
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
    }
    migrate(db, check.kind === "older" ? check.version : SCHEMA_VERSION);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof StoreOpenError) throw error;
    throw new StoreOpenError(what, reason(error));
  }
}

function toItem(row: Row): HistoryItem {
  const text = decoder.decode(row.body);
  if (row.kind === KIND_GAP) {
    const gap = parseGap(text);
    return { kind: "gap", gap: { lost: gap.lost, from: row.time, to: gap.to } };
  }
  return {
    kind: "line",
    line: { time: row.time, from: row.name, text, action: row.kind === KIND_ACTION },
  };
}

function parseGap(text: string): { lost: number; to: number } {
  try {
    const value = JSON.parse(text) as { lost?: unknown; to?: unknown };
    return {
      lost: typeof value.lost === "number" ? value.lost : 0,
      to: typeof value.to === "number" ? value.to : 0,
    };
  } catch {
    return { lost: 0, to: 0 };
  }
}

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0];
}
