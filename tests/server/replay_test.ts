/**
 * The replay block: encoded once and shared until a message changes it or its oldest line ages
 * out, bracketed by the two history notices, kept under its byte budget; and /history's answer
 * with a gap the store recorded.
 */

import assert from "node:assert/strict";
import { FrameDecoder, type HistoryLine } from "../../protocol/mod.ts";
import { History } from "../../server/history/history.ts";
import { ReplayBlock } from "../../server/history/replay.ts";
import { SqliteStore } from "../../server/store/sqlite_store.ts";
import { ManualClock } from "../helpers/clock.ts";

const T0 = Date.UTC(2026, 11, 3, 12, 3, 11, 250);

function line(i: number, text = `line ${i}`): HistoryLine {
  return { time: T0 + i * 1000, from: "alice", text, action: false };
}

function notices(bytes: Uint8Array | null): string[] {
  assert.ok(bytes !== null);
  return new FrameDecoder({ maxMessageBytes: 1 << 20 }).push(bytes).map((result) => {
    assert.ok(result.ok);
    assert.equal(result.frame.username, "");
    return result.frame.message;
  });
}

Deno.test("replay: the last N lines, bracketed, the same bytes until the next message", () => {
  const replay = new ReplayBlock(3);
  assert.equal(replay.bytes(0), null, "nothing to replay: no block");
  for (let i = 0; i < 5; i++) replay.add(line(i));
  const first = replay.bytes(0);
  assert.deepEqual(notices(first), [
    "History: 3 messages since 2026-12-03T12:03:13.250Z",
    "[history 2026-12-03T12:03:13.250Z] <alice> line 2",
    "[history 2026-12-03T12:03:14.250Z] <alice> line 3",
    "[history 2026-12-03T12:03:15.250Z] <alice> line 4",
    "End of history",
  ]);
  for (let i = 0; i < 1000; i++) assert.equal(replay.bytes(0), first);
  assert.equal(replay.encodings, 1);
  replay.add(line(5));
  assert.notEqual(replay.bytes(0), first);
  assert.equal(replay.encodings, 2);
});

Deno.test("replay: lines older than the age limit drop out; the budget keeps the newest", () => {
  const replay = new ReplayBlock(10, 500);
  for (let i = 0; i < 4; i++) replay.add(line(i));
  assert.equal(notices(replay.bytes(T0 + 2000)).length, 4);
  assert.equal(replay.bytes(T0 + 10_000), null);
  replay.add(line(20, "x".repeat(150)));
  replay.add(line(21, "y".repeat(150)));
  const bytes = replay.bytes(0);
  assert.ok(bytes !== null && bytes.length <= 500);
  const kept = notices(bytes);
  assert.equal(kept.length, 4, kept.join("\n"));
  assert.match(kept[0], /^History: 2 messages since /);
  assert.match(kept[1], /x{150}$/);
  assert.match(kept[2], /y{150}$/);
  assert.equal(new ReplayBlock(0).bytes(0), null, "--replay 0");
});

Deno.test("/history shows where messages could not be saved", async () => {
  const clock = new ManualClock(T0 + 60_000);
  const report = { problem: () => {}, info: () => {} };
  const store = new SqliteStore({
    file: null,
    retention: { lines: 100, days: 0 },
    clock,
    report,
    pendingLimit: 2,
  });
  try {
    const history = new History(store, { lines: 100, days: 0, replay: 10 }, clock);
    history.record(line(0, "saved"));
    await store.flush();
    store.database.exec(`PRAGMA max_page_count = 1`);
    for (let i = 1; i <= 5; i++) history.record(line(i));
    await store.flush();
    store.database.exec("PRAGMA max_page_count = 100000");
    const answer = await history.historyAnswer(50);
    assert.deepEqual(answer, [
      "History: 3 messages since 2026-12-03T12:03:11.250Z",
      "[history 2026-12-03T12:03:11.250Z] <alice> saved",
      "History gap: 3 messages were not saved between 2026-12-03T12:03:12.250Z and " +
      "2026-12-03T12:03:14.250Z",
      "[history 2026-12-03T12:03:15.250Z] <alice> line 4",
      "[history 2026-12-03T12:03:16.250Z] <alice> line 5",
      "End of history",
    ]);
  } finally {
    await store.close();
  }
});
