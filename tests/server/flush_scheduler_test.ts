/**
 * The flush scheduler with a manual clock: once per request, at the end of the turn while quiet,
 * after the gap under load, a bounded number of flushes per turn, and nothing left behind when
 * requests are withdrawn.
 */

import assert from "node:assert/strict";
import {
  type Flushable,
  FLUSHES_PER_TURN,
  FlushScheduler,
  FlushSlot,
} from "../../server/flush_scheduler.ts";
import type { FlushPolicyOptions } from "../../server/flush_policy.ts";
import { ManualClock } from "../helpers/clock.ts";

/** Records the order of flushes. */
class Item implements Flushable {
  readonly flushSlot = new FlushSlot();
  constructor(readonly id: number, readonly log: number[]) {}
  flush(): void {
    this.log.push(this.id);
  }
}

const busy: FlushPolicyOptions = {
  windowMs: 100,
  quietDeliveriesPerSecond: 1000,
  framesPerWrite: 1000,
  maxWritesPerSecond: 1_000_000,
  maxGapMs: 20,
};

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** Puts the scheduler under load: 1,000 deliveries to one client in one window. */
function load(scheduler: FlushScheduler, clock: ManualClock, item: Item): void {
  for (let i = 0; i < 1000; i++) scheduler.noteDelivery(item.flushSlot);
  clock.advance(100);
}

Deno.test("while quiet, requests are flushed once each, in order, after the current work", async () => {
  const clock = new ManualClock();
  const scheduler = new FlushScheduler(clock);
  const log: number[] = [];
  const items = [new Item(1, log), new Item(2, log), new Item(3, log)];
  scheduler.request(items[1]);
  scheduler.request(items[0]);
  scheduler.request(items[1]);
  scheduler.request(items[2]);
  assert.deepEqual(log, [], "not during the current work");
  assert.equal(scheduler.waiting, 3);
  await settle();
  assert.deepEqual(log, [2, 1, 3]);
  assert.equal(scheduler.waiting, 0);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("at most FLUSHES_PER_TURN flushes per turn; the rest in the next turn", async () => {
  const clock = new ManualClock();
  const scheduler = new FlushScheduler(clock);
  const log: number[] = [];
  const count = FLUSHES_PER_TURN + 10;
  for (let i = 0; i < count; i++) scheduler.request(new Item(i, log));
  await settle();
  assert.equal(log.length, FLUSHES_PER_TURN);
  assert.equal(clock.pendingTimers, 1, "the rest waits for a macrotask");
  clock.advance(0);
  assert.equal(log.length, count);
  assert.deepEqual(log, Array.from({ length: count }, (_, i) => i));
  await settle();
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("under load an item waits for the gap after its last flush; a fresh one does not", async () => {
  const clock = new ManualClock();
  const scheduler = new FlushScheduler(clock, busy);
  const log: number[] = [];
  const hot = new Item(1, log);
  const fresh = new Item(2, log);
  load(scheduler, clock, hot);
  scheduler.request(hot); // ends the window: the gap is now in force
  assert.equal(scheduler.gapMs, 20);
  await settle();
  assert.deepEqual(log, [1], "its last flush was long ago");
  clock.advance(5);
  scheduler.request(hot);
  scheduler.request(fresh);
  await settle();
  assert.deepEqual(log, [1, 2], "the fresh item goes at once, the hot one waits");
  clock.advance(14);
  assert.deepEqual(log, [1, 2]);
  clock.advance(1);
  assert.deepEqual(log, [1, 2, 1], "20 ms after its previous flush");
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("withdrawn requests are skipped and leave no timer behind", async () => {
  const clock = new ManualClock();
  const scheduler = new FlushScheduler(clock, busy);
  const log: number[] = [];
  const a = new Item(1, log);
  const b = new Item(2, log);
  load(scheduler, clock, a);
  scheduler.request(a);
  scheduler.request(b);
  await settle();
  scheduler.request(a);
  scheduler.request(b);
  assert.equal(clock.pendingTimers, 1);
  scheduler.withdraw(a);
  clock.advance(20);
  assert.deepEqual(log, [1, 2, 2]);
  scheduler.request(a);
  scheduler.withdraw(a);
  assert.equal(scheduler.waiting, 0);
  assert.equal(clock.pendingTimers, 0);
  scheduler.request(b);
  scheduler.withdraw(b);
  await settle();
  assert.deepEqual(log, [1, 2, 2], "a withdrawn ready item is skipped too");
});
