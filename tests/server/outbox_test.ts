/**
 * The outbox with a scripted sink: coalescing, partial writes, the slow-reader bound, failures,
 * the shared log that keeps a fan-out once, and the scheduler's moderation under load.
 */

import assert from "node:assert/strict";
import { FlushScheduler } from "../../server/flush_scheduler.ts";
import {
  type ByteSink,
  COALESCE_LIMIT_BYTES,
  Outbox,
  type OutboxFailure,
  ZERO_COPY_MIN_BYTES,
} from "../../server/outbox.ts";
import { LOG_BLOCK_BYTES, LOG_OWN_BLOCK_BYTES, SharedLog } from "../../server/shared_log.ts";
import { ManualClock } from "../helpers/clock.ts";

/** A sink whose writes complete only when the test says, taking at most `maxPerWrite` bytes. */
class ScriptedSink implements ByteSink {
  readonly writes: Uint8Array[] = [];
  /** The arrays handed to write, not copies (to see what was written without a copy). */
  readonly originals: Uint8Array[] = [];
  #release: (() => void)[] = [];
  constructor(public maxPerWrite = Infinity, public fail: Error | null = null) {}
  write(bytes: Uint8Array): Promise<number> {
    this.writes.push(bytes.slice());
    this.originals.push(bytes);
    return new Promise((resolve, reject) => {
      this.#release.push(() => {
        if (this.fail !== null) reject(this.fail);
        else resolve(Math.min(bytes.length, this.maxPerWrite));
      });
    });
  }
  get waiting(): number {
    return this.#release.length;
  }
  /** Completes the oldest write and lets the outbox react. */
  async complete(): Promise<void> {
    const release = this.#release.shift();
    assert.ok(release, "no write in flight");
    release();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

const bytes = (...values: number[]) => new Uint8Array(values);

/** Lets queued microtasks (the shared writer start, write completions) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

Deno.test("frames enqueued in the same turn go out in one write", async () => {
  const sink = new ScriptedSink();
  const outbox = new Outbox(sink, 1000, () => {});
  outbox.enqueue(bytes(1, 2));
  outbox.enqueue(bytes(3));
  assert.equal(sink.writes.length, 0, "the writer starts after the current work");
  await settle();
  assert.deepEqual(sink.writes, [bytes(1, 2, 3)]);
  await sink.complete();
  assert.equal(outbox.pendingBytes, 0);
});

Deno.test("frames queued while a write is in flight go out together in one write", async () => {
  const sink = new ScriptedSink();
  const failures: OutboxFailure[] = [];
  const outbox = new Outbox(sink, 1000, (f) => failures.push(f));
  outbox.enqueue(bytes(1, 2));
  await settle();
  outbox.enqueue(bytes(3));
  outbox.enqueue(bytes(4, 5));
  assert.equal(sink.writes.length, 1);
  assert.deepEqual(sink.writes[0], bytes(1, 2));
  assert.equal(outbox.pendingBytes, 5);
  await sink.complete();
  assert.equal(sink.writes.length, 2);
  assert.deepEqual(sink.writes[1], bytes(3, 4, 5));
  await sink.complete();
  assert.equal(outbox.pendingBytes, 0);
  assert.deepEqual(failures, []);
});

Deno.test("a lone frame is written as is, without a copy", async () => {
  const written: Uint8Array[] = [];
  const outbox = new Outbox(
    {
      write: (b) => {
        written.push(b);
        return Promise.resolve(b.length);
      },
    },
    100,
    () => {},
  );
  const frame = bytes(9, 8, 7);
  outbox.enqueue(frame);
  await outbox.drained();
  assert.equal(written[0], frame);
});

Deno.test("partial writes: the rest of the chunk is written next, in order", async () => {
  const sink = new ScriptedSink(2);
  const outbox = new Outbox(sink, 1000, () => {});
  outbox.enqueue(bytes(1, 2, 3, 4, 5));
  await settle();
  await sink.complete();
  await sink.complete();
  await sink.complete();
  assert.deepEqual(sink.writes, [bytes(1, 2, 3, 4, 5), bytes(3, 4, 5), bytes(5)]);
  assert.equal(outbox.pendingBytes, 0);
  assert.equal(sink.waiting, 0);
});

Deno.test("passing the bound drops the backlog, reports overflow once, refuses more", async () => {
  const sink = new ScriptedSink();
  const failures: OutboxFailure[] = [];
  const outbox = new Outbox(sink, 10, (f) => failures.push(f));
  assert.equal(outbox.enqueue(new Uint8Array(6)), true);
  await settle();
  assert.equal(outbox.enqueue(new Uint8Array(4)), true);
  assert.equal(outbox.enqueue(new Uint8Array(1)), false);
  assert.deepEqual(failures, [{ kind: "overflow", pendingBytes: 11 }]);
  assert.equal(outbox.stopped, true);
  assert.equal(outbox.pendingBytes, 0);
  assert.equal(outbox.enqueue(new Uint8Array(1)), false);
  assert.equal(failures.length, 1);
  await sink.complete();
  assert.equal(sink.writes.length, 1, "nothing more is written after the overflow");
});

Deno.test("a failing write stops the outbox and reports the error once", async () => {
  const error = new Deno.errors.BrokenPipe("gone");
  const sink = new ScriptedSink(Infinity, error);
  const failures: OutboxFailure[] = [];
  const outbox = new Outbox(sink, 100, (f) => failures.push(f));
  outbox.enqueue(bytes(1));
  outbox.enqueue(bytes(2));
  await settle();
  await sink.complete();
  assert.deepEqual(failures, [{ kind: "write-error", error }]);
  assert.equal(outbox.enqueue(bytes(3)), false);
});

Deno.test("drained() waits for the queue to empty, or for a stop", async () => {
  const sink = new ScriptedSink();
  const outbox = new Outbox(sink, 100, () => {});
  await outbox.drained();
  outbox.enqueue(bytes(1));
  await settle();
  let done = false;
  const drained = outbox.drained().then(() => done = true);
  await Promise.resolve();
  assert.equal(done, false);
  await sink.complete();
  await drained;
  const other = new Outbox(new ScriptedSink(), 100, () => {});
  other.enqueue(bytes(1));
  const stopped = other.drained();
  other.stop();
  await stopped;
});

Deno.test("coalescing copies small runs up to the limit; a long run goes out without a copy", async () => {
  const sink = new ScriptedSink();
  const outbox = new Outbox(sink, 10 * COALESCE_LIMIT_BYTES, () => {});
  outbox.enqueue(bytes(0));
  await settle();
  const piece = new Uint8Array(1000).fill(7);
  const pieces = Math.ceil((COALESCE_LIMIT_BYTES * 1.5) / piece.length);
  for (let i = 0; i < pieces; i++) outbox.enqueue(piece);
  await sink.complete();
  assert.equal(sink.writes[1].length, COALESCE_LIMIT_BYTES, "capped, splitting a frame");
  const long = new Uint8Array(ZERO_COPY_MIN_BYTES);
  await sink.complete();
  assert.equal(sink.writes[2].length, pieces * piece.length - COALESCE_LIMIT_BYTES);
  outbox.enqueue(long);
  outbox.enqueue(bytes(1));
  await sink.complete();
  assert.equal(sink.originals[3], long, "a long run at the head is written as it lies");
  await sink.complete();
  assert.deepEqual(sink.writes[4], bytes(1));
  await sink.complete();
  assert.equal(outbox.pendingBytes, 0);
});

Deno.test("a fan-out is copied once into the log and written from it without another copy", async () => {
  const log = new SharedLog();
  const sinks = [new ScriptedSink(), new ScriptedSink(), new ScriptedSink()];
  const boxes = sinks.map((sink) => new Outbox(sink, 1000, () => {}, { log }));
  for (let i = 0; i < 50; i++) {
    const frame = bytes(i, i);
    for (const box of boxes) box.enqueueShared(frame);
  }
  await settle();
  const expected = new Uint8Array(Array.from({ length: 100 }, (_, i) => i >> 1));
  for (const sink of sinks) assert.deepEqual(sink.writes, [expected]);
  const block = sinks[0].originals[0].buffer;
  for (const sink of sinks) assert.equal(sink.originals[0].buffer, block, "one copy for all");
  assert.equal(log.blocksAllocated, 1);
  for (const sink of sinks) await sink.complete();
  assert.deepEqual(boxes.map((b) => b.pendingBytes), [0, 0, 0]);
});

Deno.test("shared and private frames keep their order; an excluded sender skips its own", async () => {
  const log = new SharedLog();
  const aliceSink = new ScriptedSink();
  const bobSink = new ScriptedSink();
  const alice = new Outbox(aliceSink, 1000, () => {}, { log });
  const bob = new Outbox(bobSink, 1000, () => {}, { log });
  bob.enqueue(bytes(1)); // bob's welcome
  alice.enqueueShared(bytes(2)); // "bob joined", not to bob
  const fromBob = bytes(3);
  alice.enqueueShared(fromBob); // bob's message, not echoed to bob
  const notice = bytes(4);
  alice.enqueueShared(notice);
  bob.enqueueShared(notice);
  bob.enqueue(bytes(5)); // a /users reply
  await settle();
  assert.deepEqual(aliceSink.writes, [bytes(2, 3, 4)]);
  assert.deepEqual(bobSink.writes, [bytes(1, 4, 5)]);
});

Deno.test("broadcasts queued while a write is in flight follow it in order", async () => {
  const log = new SharedLog();
  const sink = new ScriptedSink();
  const other = new ScriptedSink();
  const box = new Outbox(sink, 1000, () => {}, { log });
  const skip = new Outbox(other, 1000, () => {}, { log });
  box.enqueueShared(bytes(1));
  await settle();
  box.enqueueShared(bytes(2));
  skip.enqueueShared(bytes(3)); // not for box: its next run starts after a gap
  box.enqueueShared(bytes(4));
  await sink.complete();
  assert.deepEqual(sink.writes, [bytes(1), bytes(2, 4)]);
  await sink.complete();
  assert.equal(box.pendingBytes, 0);
  await other.complete();
});

Deno.test("one member overflowing leaves the others' queues intact", async () => {
  const log = new SharedLog();
  const fastSink = new ScriptedSink();
  const fast = new Outbox(fastSink, 1000, () => {}, { log });
  const failures: OutboxFailure[] = [];
  const slow = new Outbox(new ScriptedSink(), 3, (f) => failures.push(f), { log });
  for (let i = 0; i < 5; i++) {
    const frame = bytes(i);
    fast.enqueueShared(frame);
    slow.enqueueShared(frame);
  }
  assert.equal(failures.length, 1);
  assert.equal(slow.pendingBytes, 0);
  await settle();
  assert.deepEqual(fastSink.writes, [bytes(0, 1, 2, 3, 4)]);
  await fastSink.complete();
});

Deno.test("the shared log: one span per fan-out, new blocks as it fills, large frames kept as is", () => {
  const log = new SharedLog();
  const a = bytes(1, 2);
  const spanA = log.place(a);
  assert.equal(log.place(a), spanA, "the same bytes again is the same span");
  const spanB = log.place(bytes(3));
  assert.equal(spanB.block, spanA.block);
  assert.equal(spanB.start, spanA.end, "the next frame follows without a gap");
  assert.deepEqual(spanA.block.subarray(spanA.start, spanB.end), bytes(1, 2, 3));
  const filler = new Uint8Array(LOG_OWN_BLOCK_BYTES);
  for (let used = spanB.end; used + filler.length <= LOG_BLOCK_BYTES; used += filler.length) {
    log.place(filler.slice());
  }
  const next = log.place(filler.slice());
  assert.notEqual(next.block, spanA.block, "a frame that does not fit starts a new block");
  assert.equal(next.start, 0);
  const large = new Uint8Array(LOG_OWN_BLOCK_BYTES + 1);
  const spanL = log.place(large);
  assert.equal(spanL.block, large, "a large frame is not copied");
  assert.equal(log.blocksAllocated, 2);
});

Deno.test("under load a client's next write waits for the scheduler's gap", async () => {
  const clock = new ManualClock();
  const scheduler = new FlushScheduler(clock, {
    windowMs: 100,
    quietDeliveriesPerSecond: 1000,
    framesPerWrite: 500,
    maxWritesPerSecond: 1_000_000,
    maxGapMs: 40,
  });
  const sink = new ScriptedSink();
  const outbox = new Outbox(sink, 1_000_000, () => {}, { scheduler, log: new SharedLog() });
  for (let i = 0; i < 1000; i++) outbox.enqueueShared(bytes(i & 255));
  await settle();
  assert.equal(sink.writes.length, 1, "quiet so far: written at once");
  await sink.complete();
  clock.advance(100);
  outbox.enqueue(bytes(8)); // the window ends: 1000 deliveries in 100 ms to one client
  assert.equal(scheduler.gapMs, 40);
  await settle();
  assert.equal(sink.writes.length, 2, "its previous write was long ago: at once");
  await sink.complete();
  outbox.enqueue(bytes(9));
  await settle();
  assert.equal(sink.writes.length, 2, "held back");
  clock.advance(39);
  await settle();
  assert.equal(sink.writes.length, 2, "still held back");
  clock.advance(1);
  await settle();
  assert.deepEqual(sink.writes[2], bytes(9));
  await sink.complete();
  outbox.enqueue(bytes(10));
  outbox.stop();
  assert.equal(clock.pendingTimers, 0, "a stopped outbox leaves no timer behind");
});

Deno.test("too slow is judged by time behind: bytes older than maxAge unsent stop the outbox", async () => {
  const clock = new ManualClock();
  const sink = new ScriptedSink();
  const failures: OutboxFailure[] = [];
  const outbox = new Outbox(sink, 64 * 1024 * 1024, (f) => failures.push(f), {
    clock,
    maxAgeMs: 30_000,
  });
  const chunk = new Uint8Array(100 * 1024);
  // 300 KiB queued: over the 256 KiB where age starts to count; nothing is written.
  for (let i = 0; i < 3; i++) assert.ok(outbox.enqueue(chunk));
  await settle();
  clock.advance(29_000);
  assert.ok(outbox.enqueue(chunk), "29 s behind is not too slow");
  clock.advance(2_000);
  assert.equal(outbox.enqueue(chunk), false, "31 s behind is");
  assert.equal(failures.length, 1);
  const failure = failures[0];
  assert.ok(failure.kind === "behind");
  assert.equal(failure.behindMs, 31_000);
  assert.ok(outbox.stopped);
});

Deno.test("a reader far behind in bytes but keeping up in time is never judged too slow", async () => {
  const clock = new ManualClock();
  const sink = new ScriptedSink();
  const failures: OutboxFailure[] = [];
  const outbox = new Outbox(sink, 64 * 1024 * 1024, (f) => failures.push(f), {
    clock,
    maxAgeMs: 30_000,
  });
  const chunk = new Uint8Array(100 * 1024);
  // Always 1 to 2 MiB behind, but every write completes within 20 s of its bytes being queued.
  for (let round = 0; round < 40; round++) {
    for (let i = 0; i < 10; i++) assert.ok(outbox.enqueue(chunk), `round ${round}`);
    await settle();
    clock.advance(10_000);
    while (sink.waiting > 0 && outbox.pendingBytes > 1024 * 1024) await sink.complete();
  }
  assert.deepEqual(failures, []);
});

Deno.test("below() waits until the unsent bytes fall to the mark, or the outbox stops", async () => {
  const sink = new ScriptedSink();
  const outbox = new Outbox(sink, 1_000_000, () => {});
  // Runs of at least ZERO_COPY_MIN_BYTES go out one per write.
  for (let i = 0; i < 3; i++) outbox.enqueue(new Uint8Array(5000));
  await settle();
  let woken = false;
  const wait = outbox.below(5000).then(() => woken = true);
  await sink.complete();
  assert.equal(woken, false, "10,000 still unsent");
  await sink.complete();
  await wait;
  assert.equal(outbox.pendingBytes, 5000);
  await outbox.below(5000); // already there: resolves at once
  const stopped = outbox.below(10);
  outbox.stop();
  await stopped;
});
