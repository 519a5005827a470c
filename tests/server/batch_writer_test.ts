/**
 * The batch writer on its own: one batch per turn, a failure reported once and retried on the
 * clock, and the unsaved lines bounded by count and by size, what is given up becoming one gap.
 */

import assert from "node:assert/strict";
import type { HistoryLine } from "../../protocol/mod.ts";
import { BatchWriter, RETRY_MS } from "../../server/store/batch_writer.ts";
import type { HistoryGap } from "../../server/store/store.ts";
import { ManualClock } from "../helpers/clock.ts";
import { processCounters } from "../../server/metrics/counters.ts";

function line(i: number, text = `m${i}`): HistoryLine {
  return { time: 1000 + i, from: "alice", text, action: false };
}

/** A backend that keeps what it is given and fails while `failing` is set. */
class Backend {
  failing = false;
  readonly batches: { lines: string[]; gap: HistoryGap | null }[] = [];
  write = (lines: readonly HistoryLine[], gap: HistoryGap | null) => {
    if (this.failing) throw new Error("disk full");
    this.batches.push({ lines: lines.map((l) => l.text), gap });
  };
}

function setup(pendingLimit?: number, pendingChars?: number) {
  const clock = new ManualClock();
  const backend = new Backend();
  const problems: string[] = [];
  const infos: string[] = [];
  const writer = new BatchWriter({
    write: backend.write,
    report: { problem: (t) => problems.push(t), info: (t) => infos.push(t) },
    clock,
    pendingLimit,
    pendingChars,
  });
  return { clock, backend, problems, infos, writer };
}

Deno.test("batch writer: the appends of one turn are one batch", async () => {
  const { backend, writer } = setup();
  for (let i = 0; i < 5; i++) writer.add(line(i));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(backend.batches, [{ lines: ["m0", "m1", "m2", "m3", "m4"], gap: null }]);
  await writer.close();
});

Deno.test("batch writer: a failure is told once, retried on the clock, and nothing is lost", async () => {
  const { clock, backend, problems, infos, writer } = setup();
  backend.failing = true;
  writer.add(line(0));
  await writer.flush();
  writer.add(line(1));
  await writer.flush();
  assert.deepEqual(problems, [
    "history: cannot save messages (disk full); the room goes on, retrying",
  ]);
  assert.equal(writer.pending, 2);
  backend.failing = false;
  clock.advance(RETRY_MS);
  await writer.flush();
  assert.deepEqual(backend.batches, [{ lines: ["m0", "m1"], gap: null }]);
  assert.deepEqual(infos, ["history: saving again; nothing was lost"]);
  await writer.close();
});

Deno.test("batch writer: past the count or size bound the oldest lines become one gap", async () => {
  const { backend, infos, writer } = setup(3, 23);
  backend.failing = true;
  for (let i = 0; i < 5; i++) writer.add(line(i));
  await writer.flush();
  assert.equal(writer.pending, 3, "count bound");
  writer.add(line(5, "x".repeat(20)));
  assert.equal(writer.pending, 2, "size bound: 2 + 20 characters");
  writer.add(line(6, "y".repeat(100)));
  assert.equal(writer.pending, 1, "the newest line stays whatever its size");
  backend.failing = false;
  await writer.flush();
  assert.deepEqual(backend.batches, [{
    lines: ["y".repeat(100)],
    gap: { lost: 6, from: 1000, to: 1005 },
  }]);
  assert.deepEqual(infos, ["history: saving again; 6 message(s) were not saved"]);
  await writer.close();
});

Deno.test("batch writer: every failed write counts in chat_store_write_errors_total", async () => {
  const { clock, backend, writer } = setup();
  const before = processCounters.storeWriteErrors;
  backend.failing = true;
  writer.add(line(1));
  await writer.flush();
  assert.equal(processCounters.storeWriteErrors - before, 1);
  await writer.flush();
  assert.equal(processCounters.storeWriteErrors - before, 2, "a failed retry counts too");
  backend.failing = false;
  clock.advance(RETRY_MS);
  await writer.flush();
  assert.equal(processCounters.storeWriteErrors - before, 2, "a write that works counts nothing");
  assert.equal(backend.batches.length, 1);
  await writer.close();
});
