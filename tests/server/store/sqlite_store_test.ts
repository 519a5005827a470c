/**
 * The SQLite store in memory and on real files: order, search with hostile input, retention,
 * files it refuses to open (left untouched), and writes that fail for real while the store
 * keeps going and recovers.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { HistoryLine } from "../../../protocol/mod.ts";
import { systemClock } from "../../../server/clock.ts";
import {
  SqliteStore,
  type SqliteStoreOptions,
  TRIM_INTERVAL_MS,
} from "../../../server/store/sqlite_store.ts";
import { SCHEMA_VERSION } from "../../../server/store/sqlite_schema.ts";
import { type HistoryItem, searchTokens, StoreOpenError } from "../../../server/store/store.ts";
import { ManualClock } from "../../helpers/clock.ts";
import { waitUntil } from "../../helpers/timeout.ts";

class Report {
  readonly problems: string[] = [];
  readonly infos: string[] = [];
  problem(text: string): void {
    this.problems.push(text);
  }
  info(text: string): void {
    this.infos.push(text);
  }
}

const T0 = Date.UTC(2026, 11, 3, 12, 0, 0, 0);

function line(i: number, text = `message ${i}`, action = false): HistoryLine {
  return { time: T0 + i, from: `user${i % 3}`, text, action };
}

function open(overrides: Partial<SqliteStoreOptions> = {}): SqliteStore {
  return new SqliteStore({
    file: null,
    retention: { lines: 10_000, days: 0 },
    clock: systemClock,
    report: new Report(),
    ...overrides,
  });
}

function texts(items: HistoryItem[]): string[] {
  return items.map((item) => item.kind === "line" ? item.line.text : `gap ${item.gap.lost}`);
}

Deno.test("sqlite store: appends are batched per turn and read back in order", async () => {
  const store = open();
  try {
    for (let i = 0; i < 5; i++) store.append(line(i));
    store.append(line(5, "waves", true));
    // Nothing is written synchronously: the batch goes at the end of the turn.
    assert.deepEqual(await store.recent(10, 0), []);
    await store.flush();
    const items = await store.recent(10, 0);
    assert.deepEqual(texts(items), [0, 1, 2, 3, 4].map((i) => `message ${i}`).concat("waves"));
    assert.deepEqual(items[5], { kind: "line", line: line(5, "waves", true) });
    assert.deepEqual(texts(await store.recent(2, 0)), ["message 4", "waves"]);
    assert.deepEqual(texts(await store.recent(10, T0 + 4)), ["message 4", "waves"]);
  } finally {
    await store.close();
  }
});

Deno.test("sqlite store: the batch of a turn goes out without a flush", async () => {
  const store = open();
  try {
    store.append(line(1));
    const count = () =>
      (store.database.prepare("SELECT count(*) AS n FROM history").get() as { n: number }).n;
    await waitUntil(() => count() === 1, 2000, "the batch");
  } finally {
    await store.close();
  }
});

Deno.test("sqlite store: search finds every word, newest 20, and hostile text is only words", async () => {
  const store = open();
  try {
    const hostile = [
      `it's "quoted" text`,
      "star* and NEAR(a b) -minus",
      'semi; DROP TABLE history; --"',
      "nul\0inside the text",
      "café crème",
    ];
    hostile.forEach((text, i) => store.append(line(i, text)));
    for (let i = 0; i < 30; i++) store.append(line(100 + i, `apple pie number ${i}`));
    await store.flush();
    const find = async (query: string) =>
      (await store.search(searchTokens(query), 20, 0)).map((l) => l.text);
    assert.deepEqual(await find(`"quoted"`), [hostile[0]]);
    assert.deepEqual(await find("it's"), [hostile[0]]);
    assert.deepEqual(await find("NEAR"), [hostile[1]]);
    assert.deepEqual(await find("star*"), [hostile[1]]);
    assert.deepEqual(await find("-minus"), [hostile[1]]);
    assert.deepEqual(await find("drop; table"), [hostile[2]]);
    assert.deepEqual(await find('"'), []);
    assert.deepEqual(await find("nul\0inside"), [hostile[3]]);
    assert.deepEqual(await find("CAFÉ"), [hostile[4]]);
    assert.deepEqual(await find("apple pie 7"), ["apple pie number 7"]);
    const pies = await find("pie apple");
    assert.equal(pies.length, 20);
    assert.equal(pies[0], "apple pie number 10");
    assert.equal(pies[19], "apple pie number 29");
    assert.deepEqual(await find("apple banana"), []);
    // The text with the NUL comes back whole.
    const all = await store.recent(100, 0);
    assert.ok(texts(all).includes("nul\0inside the text"));
    // 64 KiB of words: an answer, not a crash (the room caps the words before this).
    const many = Array.from({ length: 12_000 }, (_, i) => `w${i}`).join(" ");
    assert.ok(many.length >= 65_536);
    assert.deepEqual(await find(many), []);
    // The table is still there.
    assert.equal((await store.recent(1, 0)).length, 1);
  } finally {
    await store.close();
  }
});

Deno.test("sqlite store: the line bound is applied batch by batch, the age bound by a timer", async () => {
  const clock = new ManualClock(T0 + 40 * 86_400_000);
  const store = open({ retention: { lines: 50, days: 30 }, clock });
  const count = () =>
    (store.database.prepare("SELECT coalesce(sum(count), 0) AS n FROM history").get() as {
      n: number;
    }).n;
  try {
    // Ten lines 40 days old: read back only within the age limit, deleted by the timer.
    for (let i = 0; i < 10; i++) store.append({ ...line(i), time: T0 });
    await store.flush();
    assert.deepEqual(await store.recent(100, clock.now() - 30 * 86_400_000), []);
    assert.equal(count(), 10);
    clock.advance(TRIM_INTERVAL_MS);
    assert.equal(count(), 0);
    // 120 new lines: never more than 50 kept, and the words of the kept ones still found.
    for (let i = 0; i < 120; i++) {
      store.append({ ...line(i), time: clock.now(), text: `fresh ${i}` });
      if (i % 7 === 0) await store.flush();
    }
    await store.flush();
    const items = await store.recent(1000, 0);
    assert.equal(items.length, 50);
    // Whole batches are trimmed: fewer than one batch beyond the limit stays on disk, unseen.
    assert.ok(count() >= 50 && count() < 57, `${count()} kept`);
    assert.deepEqual(texts(items).slice(0, 1), ["fresh 70"]);
    const found = await store.search(["fresh"], 100, 0);
    assert.equal(found.length, 50);
    assert.equal(found[0].text, "fresh 70");
    assert.deepEqual((await store.search(["69"], 10, 0)).length, 0);
    assert.deepEqual((await store.search(["119"], 10, 0)).map((l) => l.text), ["fresh 119"]);
  } finally {
    await store.close();
  }
});

Deno.test("sqlite store: history off (0 lines) keeps nothing", async () => {
  const store = open({ retention: { lines: 0, days: 0 } });
  try {
    store.append(line(1));
    await store.flush();
    assert.deepEqual(await store.recent(10, 0), []);
  } finally {
    await store.close();
  }
});

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chat-store-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("sqlite store on a file: WAL mode, the schema version, history kept across a reopen", async () => {
  await withDir(async (dir) => {
    const file = `${dir}/chat.db`;
    const first = open({ file });
    for (let i = 0; i < 3; i++) first.append(line(i));
    await first.close();
    const second = open({ file });
    try {
      assert.deepEqual(texts(await second.recent(10, 0)), ["message 0", "message 1", "message 2"]);
      const mode = second.database.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
      assert.equal(mode.journal_mode, "wal");
      const version = second.database.prepare("PRAGMA user_version").get() as {
        user_version: number;
      };
      assert.equal(version.user_version, SCHEMA_VERSION);
    } finally {
      await second.close();
    }
  });
});

async function assertRefused(file: string, pattern: RegExp): Promise<void> {
  const before = await Deno.readFile(file).catch(() => null);
  const entries = async () => {
    const dir = file.slice(0, file.lastIndexOf("/"));
    const names: string[] = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    return names.sort();
  };
  const listed = await entries();
  assert.throws(() => open({ file }), (error: unknown) => {
    assert.ok(error instanceof StoreOpenError, String(error));
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes("\n"));
    return true;
  });
  assert.deepEqual(await Deno.readFile(file).catch(() => null), before, "the file is untouched");
  assert.deepEqual(await entries(), listed, "no file was added beside it");
}

Deno.test("sqlite store refuses a file that is not a database, or is newer, and leaves it as it was", async () => {
  await withDir(async (dir) => {
    const text = `${dir}/notes.txt`;
    await Deno.writeTextFile(text, "these are my notes, not a database\n".repeat(100));
    await assertRefused(text, /^cannot open database .*notes\.txt: file is not a database$/);

    const newer = `${dir}/newer.db`;
    const db = new DatabaseSync(newer);
    db.exec("CREATE TABLE t (x); PRAGMA user_version = 99;");
    db.close();
    await assertRefused(
      newer,
      new RegExp(`schema version 99 is newer than this program's \\(${SCHEMA_VERSION}\\)`),
    );

    assert.throws(
      () => open({ file: `${dir}/missing/chat.db` }),
      /^StoreOpenError: cannot open database .*: unable to open/,
    );
    assert.throws(() => open({ file: dir }), StoreOpenError);
  });
});

Deno.test("sqlite store: a full database fails writes, the store reports once, retries and recovers", async () => {
  const report = new Report();
  const store = open({ report });
  try {
    store.append(line(0));
    await store.flush();
    const db = store.database;
    const pages = (db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
    db.exec(`PRAGMA max_page_count = ${pages}`);
    const big = "x".repeat(20_000);
    for (let i = 1; i <= 5; i++) store.append(line(i, `${big} ${i}`));
    await store.flush();
    await store.flush();
    assert.equal(report.problems.length, 1, report.problems.join("\n"));
    assert.match(
      report.problems[0],
      /^history: cannot save messages \(.*full.*\); the room goes on, retrying$/,
    );
    // Searching still works while nothing can be written (the index is not brought up to date).
    assert.deepEqual((await store.search(["message"], 5, 0)).map((l) => l.text), ["message 0"]);
    db.exec("PRAGMA max_page_count = 1000000");
    await store.flush();
    assert.deepEqual(report.infos, ["history: saving again; nothing was lost"]);
    assert.equal((await store.recent(100, 0)).length, 6);
  } finally {
    await store.close();
  }
});

Deno.test("sqlite store: lines given up while failing are a gap, recorded once writes work", async () => {
  const report = new Report();
  const store = open({ report, pendingLimit: 3 });
  try {
    store.append(line(0));
    await store.flush();
    const db = store.database;
    const pages = (db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
    db.exec(`PRAGMA max_page_count = ${pages}`);
    for (let i = 1; i <= 8; i++) store.append(line(i, `${"y".repeat(20_000)} ${i}`));
    await store.flush();
    db.exec("PRAGMA max_page_count = 1000000");
    await store.flush();
    assert.deepEqual(report.infos, ["history: saving again; 5 message(s) were not saved"]);
    const items = await store.recent(100, 0);
    assert.equal(items.length, 5);
    assert.deepEqual(items[1], { kind: "gap", gap: { lost: 5, from: T0 + 1, to: T0 + 5 } });
  } finally {
    await store.close();
  }
});
