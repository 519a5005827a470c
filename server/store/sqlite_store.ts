/**
 * The SQLite backends: the same code in memory (the default, `:memory:`) and on a file (`--db`,
 * WAL mode). Each batch (one event-loop turn of appends) is one row in one transaction: a row
 * per message would cost the room several times what the rest of a message costs, a row per
 * batch costs it a JSON encoding. Each batch also trims a bounded number of the oldest rows
 * beyond the line limit, and a timer applies the age limit a slice at a time, so trimming never
 * stops the room. Reads clamp to the limits exactly.
 *
 * Searches use an FTS5 index of each batch's words, brought up to date when a search asks (so a
 * room nobody searches pays nothing for it), queried only with quoted words of letters and
 * digits, as a bound parameter; the batches it finds are then checked message by message.
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

/** Oldest rows a batch may delete at most (more than it adds, so trimming catches up). */
export const TRIM_ROWS = 16;
/** Rows the age limit deletes at most per round. */
export const AGE_TRIM_ROWS = 1000;
/** How often the age limit is applied (reads leave older lines out meanwhile). */
export const TRIM_INTERVAL_MS = 60_000;

/** How a SQLite store is opened. */
export interface SqliteStoreOptions {
  /** The database file; null for memory. */
  readonly file: string | null;
  /** How much history to keep. */
  readonly retention: Retention;
  /** Time for the retention and the retry pause. */
  readonly clock: Clock;
  /** Where write failures and recoveries go. */
  readonly report: StoreReport;
  /** Unsaved lines kept while writes fail (tests make it small). */
  readonly pendingLimit?: number;
}

const KIND_MESSAGE = 0;
const KIND_ACTION = 1;
const KIND_GAP = 2;

/** One entry of a batch row: [time, kind, name, text]. */
type Entry = [number, number, string, string];

interface BatchRow {
  seq: number;
  items: string;
}

/** Prepared statements, made once. */
interface Statements {
  insert: StatementSync;
  newest: StatementSync;
  oldest: StatementSync;
  deleteUpTo: StatementSync;
  totals: StatementSync;
  oldAge: StatementSync;
  unindexed: StatementSync;
  index: StatementSync;
  dropIndexed: StatementSync;
  indexedUpTo: StatementSync;
  search: StatementSync;
}

/** A store on SQLite. */
export class SqliteStore implements Store {
  readonly description: string;
  readonly #db: DatabaseSync;
  readonly #options: SqliteStoreOptions;
  readonly #writer: BatchWriter;
  readonly #moderation: SqliteModeration;
  readonly #sql: Statements;
  /** Entries in the table, kept so a batch knows when to trim without reading. */
  #total = 0;
  /** Applies the age limit; armed by a write, so an idle store has no timer. */
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
    const db = openDatabase(file, what);
    this.#db = db;
    this.#sql = {
      insert: db.prepare(
        "INSERT INTO history (first_time, last_time, count, items) VALUES (?, ?, ?, ?)",
      ),
      newest: db.prepare("SELECT seq, items FROM history WHERE last_time >= ? ORDER BY seq DESC"),
      oldest: db.prepare("SELECT seq, count FROM history ORDER BY seq LIMIT ?"),
      deleteUpTo: db.prepare("DELETE FROM history WHERE seq <= ?"),
      totals: db.prepare("SELECT coalesce(sum(count), 0) AS total FROM history"),
      oldAge: db.prepare(
        `SELECT max(seq) AS seq FROM (SELECT seq, last_time FROM history ORDER BY seq LIMIT ?)
         WHERE last_time < ?`,
      ),
      unindexed: db.prepare("SELECT seq, items FROM history WHERE seq > ? ORDER BY seq"),
      index: db.prepare("INSERT INTO history_words (rowid, words) VALUES (?, ?)"),
      dropIndexed: db.prepare(
        "DELETE FROM history_words WHERE rowid < (SELECT coalesce(min(seq), 0) FROM history)",
      ),
      indexedUpTo: db.prepare("SELECT coalesce(max(rowid), 0) AS seq FROM history_words"),
      search: db.prepare(
        `SELECT h.seq, h.items FROM history_words w JOIN history h ON h.seq = w.rowid
         WHERE history_words MATCH ? AND h.last_time >= ? ORDER BY w.rowid DESC`,
      ),
    };
    this.#total = (this.#sql.totals.get() as { total: number }).total;
    this.#moderation = new SqliteModeration(db);
    this.#writer = new BatchWriter({
      write: (lines, gap) => this.#write(lines, gap),
      report: options.report,
      clock: options.clock,
      pendingLimit: options.pendingLimit,
    });
  }

  /** The open database, for tests that make it fail on purpose. */
  /** The entries in the table, counted at open and kept by each batch and trim. */
  get size(): number {
    return this.#total;
  }

  get database(): DatabaseSync {
    return this.#db;
  }

  append(line: HistoryLine): void {
    if (this.#options.retention.lines > 0) this.#writer.add(line);
  }

  recent(limit: number, since: number): Promise<HistoryItem[]> {
    const most = Math.min(limit, this.#options.retention.lines);
    const items: HistoryItem[] = [];
    for (const row of this.#sql.newest.iterate(since) as Iterable<BatchRow>) {
      const entries = parseEntries(row.items);
      for (let i = entries.length - 1; i >= 0 && items.length < most; i--) {
        if (entries[i][0] >= since) items.push(toItem(entries[i]));
      }
      if (items.length >= most) break;
    }
    return Promise.resolve(items.reverse());
  }

  search(tokens: readonly string[], limit: number, since: number): Promise<HistoryLine[]> {
    if (tokens.length === 0) return Promise.resolve([]);
    // Each word is quoted (an FTS5 string), and holds only letters and digits anyway.
    const query = tokens.map((token) => `"${token.replaceAll('"', '""')}"`).join(" AND ");
    let rows: Iterable<BatchRow>;
    try {
      this.#catchUpIndex();
      rows = this.#sql.search.iterate(query, since) as Iterable<BatchRow>;
    } catch {
      // The index cannot be written (a full disk): every batch is read instead.
      rows = this.#sql.newest.iterate(since) as Iterable<BatchRow>;
    }
    const kept = this.#keptSince();
    const found: HistoryLine[] = [];
    for (const row of rows) {
      if (row.seq < kept.seq) break;
      const entries = parseEntries(row.items);
      for (let i = entries.length - 1; i >= 0 && found.length < limit; i--) {
        const entry = entries[i];
        if (entry[1] === KIND_GAP || entry[0] < since) continue;
        if (row.seq === kept.seq && i < kept.index) continue;
        const words = new Set(searchTokens(entry[3]));
        if (tokens.every((token) => words.has(token))) found.push(lineOf(entry));
      }
      if (found.length >= limit) break;
    }
    return Promise.resolve(found.reverse());
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

  /** One batch, one row, one transaction, with a bounded trim of the oldest rows. */
  #write(lines: readonly HistoryLine[], gap: HistoryGap | null): void {
    const entries: Entry[] = [];
    if (gap !== null) {
      entries.push([gap.from, KIND_GAP, "", JSON.stringify({ lost: gap.lost, to: gap.to })]);
    }
    for (const line of lines) {
      entries.push([line.time, line.action ? KIND_ACTION : KIND_MESSAGE, line.from, line.text]);
    }
    if (entries.length === 0) return;
    const db = this.#db;
    const sql = this.#sql;
    db.exec("BEGIN IMMEDIATE");
    try {
      const first = entries[0][0];
      const last = entries[entries.length - 1][0];
      sql.insert.run(first, last, entries.length, JSON.stringify(entries));
      let total = this.#total + entries.length;
      // Whole rows whose entries are all beyond the line limit go (the newest row stays).
      if (total > this.#options.retention.lines) {
        let upTo = 0;
        for (
          const row of sql.oldest.iterate(TRIM_ROWS) as Iterable<{ seq: number; count: number }>
        ) {
          if (total - row.count < this.#options.retention.lines) break;
          total -= row.count;
          upTo = row.seq;
        }
        if (upTo > 0) sql.deleteUpTo.run(upTo);
      }
      db.exec("COMMIT");
      this.#total = total;
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

  /**
   * Where the entries the line limit keeps begin: rows before `seq` are beyond it, and so are the
   * entries before `index` in row `seq` (the trim deletes whole rows only).
   */
  #keptSince(): { seq: number; index: number } {
    let skip = Math.max(0, this.#total - this.#options.retention.lines);
    for (
      const row of this.#sql.oldest.iterate(Number.MAX_SAFE_INTEGER) as Iterable<
        { seq: number; count: number }
      >
    ) {
      if (skip < row.count) return { seq: row.seq, index: skip };
      skip -= row.count;
    }
    return { seq: Number.MAX_SAFE_INTEGER, index: 0 };
  }

  /** Indexes the words of the batches written since the last search; forgets trimmed ones. */
  #catchUpIndex(): void {
    const db = this.#db;
    const sql = this.#sql;
    db.exec("BEGIN IMMEDIATE");
    try {
      sql.dropIndexed.run();
      const from = (sql.indexedUpTo.get() as { seq: number }).seq;
      for (const row of sql.unindexed.iterate(from) as Iterable<BatchRow>) {
        const words = new Set<string>();
        for (const entry of parseEntries(row.items)) {
          if (entry[1] !== KIND_GAP) { for (const word of searchTokens(entry[3])) words.add(word); }
        }
        sql.index.run(row.seq, [...words].join(" "));
      }
      db.exec("COMMIT");
    } catch (error) {
      try {
        db.exec("ROLLBACK");
      } catch {
        // Already rolled back.
      }
      throw error;
    }
  }

  #armTrim(): void {
    if (this.#trimTimer !== null || this.#options.retention.days === 0 || this.#closed !== null) {
      return;
    }
    this.#trimTimer = this.#options.clock.after(TRIM_INTERVAL_MS, () => {
      this.#trimTimer = null;
      if (this.#trimAge()) this.#armTrim();
    });
  }

  /**
   * The age limit: deletes a slice of rows whose newest entry is older than it (a failure waits
   * for the next round). True while history remains, to be looked at again later.
   */
  #trimAge(): boolean {
    if (this.#writer.pending > 0 || this.#writer.failing) return true;
    const cutoff = retentionCutoff(this.#options.retention, this.#options.clock.now());
    try {
      const old = this.#sql.oldAge.get(AGE_TRIM_ROWS, cutoff) as { seq: number | null };
      if (old.seq !== null) {
        this.#sql.deleteUpTo.run(old.seq);
        this.#total = (this.#sql.totals.get() as { total: number }).total;
      }
    } catch {
      // The next round tries again.
    }
    return this.#total > 0;
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

/** A batch row's entries; a row that does not parse counts as empty. */
function parseEntries(json: string): Entry[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter(isEntry) : [];
  } catch {
    return [];
  }
}

function isEntry(value: unknown): value is Entry {
  return Array.isArray(value) && value.length === 4 && typeof value[0] === "number" &&
    typeof value[1] === "number" && typeof value[2] === "string" && typeof value[3] === "string";
}

function lineOf(entry: Entry): HistoryLine {
  return { time: entry[0], from: entry[2], text: entry[3], action: entry[1] === KIND_ACTION };
}

function toItem(entry: Entry): HistoryItem {
  if (entry[1] !== KIND_GAP) return { kind: "line", line: lineOf(entry) };
  const gap = parseGap(entry[3]);
  return { kind: "gap", gap: { lost: gap.lost, from: entry[0], to: gap.to } };
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
