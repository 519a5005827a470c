/**
 * The outbox with a scripted sink: coalescing, partial writes, the slow-reader bound, failures,
 * and the shared log that keeps a fan-out once.
 */

import assert from "node:assert/strict";
import {
  type ByteSink,
  COALESCE_LIMIT_BYTES,
  Outbox,
  type OutboxFailure,
} from "../server/outbox.ts";
import { SharedLog } from "../server/shared_log.ts";

/** A sink whose writes complete only when the test says, taking at most `maxPerWrite` bytes. */
class ScriptedSink implements ByteSink {
  readonly writes: Uint8Array[] = [];
  #release: (() => void)[] = [];
  constructor(public maxPerWrite = Infinity, public fail: Error | null = null) {}
  write(bytes: Uint8Array): Promise<number> {
    this.writes.push(bytes.slice());
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

Deno.test("coalescing is capped so one write never grows without bound", async () => {
  const sink = new ScriptedSink();
  const outbox = new Outbox(sink, 10 * COALESCE_LIMIT_BYTES, () => {});
  outbox.enqueue(bytes(0));
  await settle();
  const piece = new Uint8Array(COALESCE_LIMIT_BYTES / 4);
  for (let i = 0; i < 10; i++) outbox.enqueue(piece);
  await sink.complete();
  assert.equal(sink.writes[1].length, COALESCE_LIMIT_BYTES);
  await sink.complete();
  assert.equal(sink.writes[2].length, COALESCE_LIMIT_BYTES);
  await sink.complete();
  assert.equal(sink.writes[3].length, 2 * piece.length);
  await sink.complete();
  assert.equal(outbox.pendingBytes, 0);
});

Deno.test("a fan-out is kept once in the shared log and forgotten once every outbox sent it", async () => {
  const log = new SharedLog();
  const sinks = [new ScriptedSink(), new ScriptedSink(), new ScriptedSink()];
  const boxes = sinks.map((sink) => new Outbox(sink, 1000, () => {}, log));
  for (let i = 0; i < 50; i++) {
    const frame = bytes(i);
    for (const box of boxes) box.enqueueShared(frame);
  }
  assert.equal(log.size, 50, "one entry per frame, not one per recipient");
  await settle();
  for (const sink of sinks) {
    assert.deepEqual(sink.writes[0], new Uint8Array(Array.from({ length: 50 }, (_, i) => i)));
  }
  assert.equal(log.size, 0, "taken into the writes, released");
  for (const sink of sinks) await sink.complete();
  assert.deepEqual(boxes.map((b) => b.pendingBytes), [0, 0, 0]);
});

Deno.test("shared and private frames keep their order; an excluded sender skips its own", async () => {
  const log = new SharedLog();
  const aliceSink = new ScriptedSink();
  const bobSink = new ScriptedSink();
  const alice = new Outbox(aliceSink, 1000, () => {}, log);
  const bob = new Outbox(bobSink, 1000, () => {}, log);
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
  assert.equal(log.size, 0);
});

Deno.test("an outbox that overflows gives back its shared entries", () => {
  const log = new SharedLog();
  const fast = new Outbox(new ScriptedSink(), 1000, () => {}, log);
  const failures: OutboxFailure[] = [];
  const slow = new Outbox(new ScriptedSink(), 3, (f) => failures.push(f), log);
  for (let i = 0; i < 5; i++) {
    const frame = bytes(i);
    fast.enqueueShared(frame);
    slow.enqueueShared(frame);
  }
  assert.equal(failures.length, 1);
  assert.equal(slow.pendingBytes, 0);
  fast.stop();
  assert.equal(log.size, 0, "nothing is retained for either outbox");
});

Deno.test("the shared log trims its front only when the oldest entry is released", () => {
  const log = new SharedLog();
  const a = bytes(1);
  const b = bytes(2);
  const seqA = log.ref(a);
  const seqB = log.ref(b);
  assert.equal(log.ref(b), seqB, "the same bytes again is the same entry");
  log.release(seqB);
  log.release(seqB);
  assert.equal(log.size, 2, "b is released but a still holds the front");
  assert.equal(log.frame(seqB), b);
  assert.equal(log.ref(b), seqB, "a fan-out still in progress can take b again");
  log.release(seqA);
  assert.equal(log.size, 1);
  log.release(seqB);
  assert.equal(log.size, 0);
  assert.throws(() => log.frame(seqA), RangeError);
  assert.notEqual(log.ref(b), seqB, "after a full trim the same bytes make a new entry");
});
