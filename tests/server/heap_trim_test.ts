/**
 * Giving memory back after a crowd: when the trimmer collects (enough joins and leaves, then a
 * quiet room), that the real collector frees garbage, and that a server wires it to its room.
 */

import assert from "node:assert/strict";
import { HeapTrimmer, lastResortCollector } from "../../server/heap_trim.ts";
import { startServer } from "../../server/mod.ts";
import { ManualClock } from "../helpers/clock.ts";
import { CapturedConsole, testServerOptions } from "../helpers/server.ts";
import { TestClient } from "../helpers/wire.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

function counter(): { collect: () => void; readonly count: number } {
  let count = 0;
  return {
    collect: () => count++,
    get count() {
      return count;
    },
  };
}

Deno.test("a few joins never arm a collection, nor a timer", opts, () => {
  const clock = new ManualClock();
  const gc = counter();
  const trimmer = new HeapTrimmer(clock, gc.collect, { quietMs: 1000, minChanges: 3 });
  trimmer.note(true);
  trimmer.note(true);
  trimmer.note(false);
  assert.equal(clock.pendingTimers, 0);
  clock.advance(10_000);
  assert.equal(gc.count, 0);
  trimmer.stop();
});

Deno.test("enough joins and leaves collect once, after the room is quiet", opts, () => {
  const clock = new ManualClock();
  const gc = counter();
  const trimmer = new HeapTrimmer(clock, gc.collect, { quietMs: 1000, minChanges: 3 });
  trimmer.note(true);
  trimmer.note(true);
  trimmer.note(true);
  assert.equal(clock.pendingTimers, 1);
  clock.advance(600);
  trimmer.note(false); // a message: the room is not quiet yet
  clock.advance(600);
  assert.equal(gc.count, 0, "a message 600 ms ago postpones the collection");
  clock.advance(400);
  assert.equal(gc.count, 1);
  assert.equal(trimmer.collections, 1);
  assert.equal(clock.pendingTimers, 0);
  clock.advance(10_000);
  assert.equal(gc.count, 1, "no second collection without new joins or leaves");
  trimmer.note(true);
  trimmer.note(true);
  trimmer.note(true);
  clock.advance(1000);
  assert.equal(gc.count, 2);
  trimmer.stop();
});

Deno.test("stop cancels a pending collection", opts, () => {
  const clock = new ManualClock();
  const gc = counter();
  const trimmer = new HeapTrimmer(clock, gc.collect, { quietMs: 1000, minChanges: 1 });
  trimmer.note(true);
  assert.equal(clock.pendingTimers, 1);
  trimmer.stop();
  assert.equal(clock.pendingTimers, 0);
  trimmer.note(true);
  clock.advance(5000);
  assert.equal(gc.count, 0);
});

Deno.test("heap growth in a quiet room collects, at most once per interval", opts, () => {
  const clock = new ManualClock();
  const gc = counter();
  let heap = 10_000_000;
  const trimmer = new HeapTrimmer(
    clock,
    () => {
      gc.collect();
      heap = 10_000_000;
    },
    { quietMs: 1000, minChanges: 1000, growthBytes: 8_000_000, growthIntervalMs: 10_000 },
    () => heap,
  );
  clock.advance(10_000);
  trimmer.checkGrowth();
  assert.equal(gc.count, 0, "no growth, no collection");
  heap += 9_000_000; // thousands of reads left garbage behind; no join or leave
  trimmer.note(false);
  clock.advance(500);
  trimmer.checkGrowth();
  assert.equal(gc.count, 0, "a message 500 ms ago: not quiet yet");
  clock.advance(500);
  trimmer.checkGrowth();
  assert.equal(gc.count, 1, "grown and quiet: collected");
  heap += 9_000_000;
  clock.advance(5000);
  trimmer.checkGrowth();
  assert.equal(gc.count, 1, "grown again, but the last collection is 5 s old");
  clock.advance(5000);
  trimmer.checkGrowth();
  assert.equal(gc.count, 2);
  heap += 1_000_000;
  clock.advance(60_000);
  trimmer.checkGrowth();
  assert.equal(gc.count, 2, "small growth never collects");
  trimmer.stop();
  heap += 50_000_000;
  trimmer.checkGrowth();
  assert.equal(gc.count, 2, "a stopped trimmer never collects");
});

Deno.test("a server collects when its heap grew and the room is quiet", opts, async () => {
  const clock = new ManualClock();
  const gc = counter();
  let heap = 1_000_000;
  const server = await startServer(testServerOptions(), {
    clock,
    console: new CapturedConsole(),
    collectGarbage: gc.collect,
    heapSize: () => heap,
    heapTrim: { quietMs: 1000, minChanges: 1000, growthBytes: 4_000_000 },
  });
  const client = await TestClient.connect(server.addr);
  try {
    await client.login("alice");
    clock.advance(20_000);
    assert.equal(gc.count, 0, "one login and no growth: nothing to give back");
    heap += 5_000_000;
    clock.advance(1000);
    assert.equal(gc.count, 1, "the once-a-second check saw the growth");
  } finally {
    await server.shutdown();
    await client.close();
  }
  assert.equal(clock.pendingTimers, 0, "the check stops with the server");
});

Deno.test("the last-resort collector exists in Deno and frees dropped objects", opts, () => {
  const collect = lastResortCollector();
  assert.ok(collect !== null, "Deno offers V8's gc through node:vm");
  assert.equal(lastResortCollector(), collect, "resolved once per process");
  collect();
  const before = Deno.memoryUsage().heapUsed;
  let junk: { i: number; text: string }[] | null = [];
  for (let i = 0; i < 200_000; i++) junk.push({ i, text: `item ${i}` });
  const filled = Deno.memoryUsage().heapUsed;
  assert.ok(filled - before > 5_000_000, `the junk should take heap (${filled - before} B)`);
  junk = null;
  collect();
  const after = Deno.memoryUsage().heapUsed;
  assert.ok(after - before < (filled - before) / 4, `freed: ${before} -> ${filled} -> ${after}`);
});

Deno.test("a server collects once its room is quiet after enough logins", opts, async () => {
  const clock = new ManualClock();
  const gc = counter();
  const server = await startServer(testServerOptions(), {
    clock,
    console: new CapturedConsole(),
    collectGarbage: gc.collect,
    heapTrim: { quietMs: 1000, minChanges: 2 },
  });
  const clients: TestClient[] = [];
  try {
    for (const name of ["alice", "bob"]) {
      const client = await TestClient.connect(server.addr);
      clients.push(client);
      await client.login(name);
    }
    assert.equal(gc.count, 0);
    clock.advance(1000);
    assert.equal(gc.count, 1);
  } finally {
    await server.shutdown();
    await Promise.all(clients.map((client) => client.close()));
  }
});

Deno.test("a server given no collector runs none", opts, async () => {
  const clock = new ManualClock();
  const server = await startServer(testServerOptions(), {
    clock,
    console: new CapturedConsole(),
    collectGarbage: null,
    heapTrim: { quietMs: 1000, minChanges: 1 },
  });
  const client = await TestClient.connect(server.addr);
  try {
    await client.login("alice");
    assert.equal(clock.pendingTimers, 0, "no trim timer without a collector");
  } finally {
    await server.shutdown();
    await client.close();
  }
});
