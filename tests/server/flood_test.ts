/**
 * The flood gate with a manual clock: the bucket, the drop count, one notice per second.
 */

import assert from "node:assert/strict";
import { FloodGate } from "../../server/flood.ts";
import { ManualClock } from "../helpers/clock.ts";

function gate(rate: number, burst: number) {
  const clock = new ManualClock();
  const notices: number[] = [];
  const flood = new FloodGate(rate, burst, clock, (n) => notices.push(n));
  return { clock, notices, flood };
}

Deno.test("a burst passes, the excess is dropped and reported in one notice", () => {
  const { flood, notices } = gate(10, 30);
  const allowed = Array.from({ length: 42 }, () => flood.allow()).filter(Boolean).length;
  assert.equal(allowed, 30);
  flood.endOfBatch();
  assert.deepEqual(notices, [12]);
});

Deno.test("at most one notice per second; later drops wait for the second to end", () => {
  const { flood, notices, clock } = gate(1, 1);
  flood.allow();
  flood.allow();
  flood.endOfBatch();
  assert.deepEqual(notices, [1]);
  clock.advance(100);
  flood.allow(); // no token yet (0.1 refilled)
  flood.allow();
  flood.endOfBatch();
  flood.allow();
  flood.endOfBatch();
  assert.deepEqual(notices, [1], "no second notice within the second");
  clock.advance(899);
  assert.deepEqual(notices, [1]);
  clock.advance(1);
  assert.deepEqual(notices, [1, 3]);
});

Deno.test("tokens refill at the rate, up to the burst", () => {
  const { flood, clock } = gate(2, 3);
  assert.deepEqual([flood.allow(), flood.allow(), flood.allow(), flood.allow()], [
    true,
    true,
    true,
    false,
  ]);
  clock.advance(500);
  assert.equal(flood.allow(), true);
  assert.equal(flood.allow(), false);
  clock.advance(60_000);
  const afterRest = Array.from({ length: 5 }, () => flood.allow()).filter(Boolean).length;
  assert.equal(afterRest, 3);
});

Deno.test("rate 0 turns flood control off", () => {
  const { flood, notices } = gate(0, 1);
  for (let i = 0; i < 1000; i++) assert.equal(flood.allow(), true);
  flood.endOfBatch();
  assert.deepEqual(notices, []);
});

Deno.test("dispose cancels a pending notice", () => {
  const { flood, notices, clock } = gate(1, 1);
  flood.allow();
  flood.allow();
  flood.endOfBatch();
  flood.allow();
  flood.endOfBatch();
  flood.dispose();
  clock.advance(5000);
  assert.deepEqual(notices, [1]);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("bytes count too: a burst of bytes passes, the excess is dropped and reported", () => {
  const clock = new ManualClock();
  const notices: number[] = [];
  const bytes = { rate: 1000, burst: 3000, largest: 1000 };
  const flood = new FloodGate(10, 30, clock, (n) => notices.push(n), bytes);
  assert.ok(flood.allow(1000));
  assert.ok(flood.allow(1000));
  assert.ok(flood.allow(1000));
  assert.equal(flood.allow(1000), false, "the byte burst is spent");
  assert.ok(flood.allow(), "a command costs no bytes");
  clock.advance(1000);
  assert.ok(flood.allow(1000), "a second of the byte rate");
  flood.endOfBatch();
  assert.deepEqual(notices, [1]);
});

Deno.test("the byte burst holds at least the largest message; rate 0 turns bytes off", () => {
  const clock = new ManualClock();
  const big = new FloodGate(10, 30, clock, () => {}, { rate: 10, burst: 100, largest: 5000 });
  assert.ok(big.allow(5000), "a largest message always fits the burst");
  const off = new FloodGate(10, 30, clock, () => {}, { rate: 0, burst: 100, largest: 5000 });
  for (let i = 0; i < 30; i++) assert.ok(off.allow(1_000_000));
});
