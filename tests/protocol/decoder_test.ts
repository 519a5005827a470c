/**
 * The streaming decoder: frames split anyhow over chunks, many frames per chunk, limits checked
 * from the header alone, UTF-8 errors that skip one frame, and `decodeFrame`'s exactness.
 */

import assert from "node:assert/strict";
import {
  decodeFrame,
  type DecodeResult,
  encodeFrame,
  type Frame,
  FrameBoundaryError,
  FrameDecoder,
  FrameTooLargeError,
  InvalidUtf8Error,
  MIN_BODY_BUFFER_BYTES,
  ProtocolError,
} from "../../protocol/mod.ts";
import { concat, frameHeader } from "../helpers/bytes.ts";
import { prng } from "../helpers/random.ts";

function bytes(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, "");
  return Uint8Array.from({ length: clean.length / 2 }, (_, i) => {
    return parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  });
}

function frames(results: DecodeResult[]): Frame[] {
  return results.map((r) => {
    if (!r.ok) throw new Error(`unexpected decode error: ${r.error.message}`);
    return r.frame;
  });
}

function errorOf(result: DecodeResult | undefined): ProtocolError {
  assert.ok(result !== undefined, "expected a result");
  assert.ok(!result.ok, "expected an error result");
  return result.error;
}

const SAMPLE: Frame[] = [
  { username: "alice", message: "" },
  { username: "alice", message: "hello" },
  { username: "", message: "bob joined" },
  { username: "bob", message: "héllo 世界 👋" },
  { username: "", message: "" },
  { username: "José", message: "x".repeat(3000) },
  { username: "c".repeat(32), message: "//literal slash" },
  { username: "d", message: "é".repeat(20_000) },
];

Deno.test("decoder: the spec's example frame in one chunk", () => {
  const results = new FrameDecoder().push(bytes("00 02 00 00 00 03 61 6c 68 69 21"));
  assert.deepEqual(frames(results), [{ username: "al", message: "hi!" }]);
});

Deno.test("decoder: an empty chunk yields nothing and changes nothing", () => {
  const decoder = new FrameDecoder();
  assert.deepEqual(decoder.push(new Uint8Array(0)), []);
  assert.equal(decoder.pendingBytes, 0);
  decoder.push(bytes("00 02 00"));
  assert.deepEqual(decoder.push(new Uint8Array(0)), []);
  assert.equal(decoder.pendingBytes, 3);
});

Deno.test("decoder: many frames in one chunk decode in order, nothing left pending", () => {
  const sent: Frame[] = [];
  for (let i = 0; i < 1000; i++) {
    sent.push(SAMPLE[i % SAMPLE.length], { username: "u", message: `${i}` });
  }
  const decoder = new FrameDecoder();
  const results = decoder.push(concat(sent.map(encodeFrame)));
  assert.deepEqual(frames(results), sent);
  assert.equal(decoder.pendingBytes, 0);
});

Deno.test("decoder: a frame split at every possible point decodes the same", () => {
  const frame = { username: "bob", message: "héllo 👋" };
  const encoded = encodeFrame(frame);
  for (let cut = 0; cut <= encoded.length; cut++) {
    const decoder = new FrameDecoder();
    const first = decoder.push(encoded.subarray(0, cut));
    assert.equal(decoder.pendingBytes, cut === encoded.length ? 0 : cut, `cut at ${cut}`);
    const second = decoder.push(encoded.subarray(cut));
    assert.deepEqual(frames([...first, ...second]), [frame], `cut at ${cut}`);
  }
});

Deno.test("decoder: the same stream in random chunk sizes always decodes to the same frames", () => {
  const seed = 20261129;
  const random = prng(seed);
  const sent: Frame[] = [];
  for (let i = 0; i < 200; i++) sent.push(SAMPLE[Math.floor(random() * SAMPLE.length)]);
  const stream = concat(sent.map(encodeFrame));
  for (let round = 0; round < 60; round++) {
    // Mostly tiny chunks (1..8 bytes), sometimes network-sized or larger than a frame.
    const maxChunk = [1, 2, 8, 64, 1460, 70_000][round % 6];
    const decoder = new FrameDecoder();
    const received: DecodeResult[] = [];
    for (let at = 0; at < stream.length;) {
      const size = 1 + Math.floor(random() * maxChunk);
      received.push(...decoder.push(stream.subarray(at, at + size)));
      at += size;
    }
    assert.deepEqual(frames(received), sent, `seed ${seed}, round ${round}`);
    assert.equal(decoder.pendingBytes, 0);
  }
});

Deno.test("decoder: a 64 KiB body in 1-byte chunks: the buffer doubles as bytes come, copies stay linear", () => {
  const frame = { username: "big", message: "é".repeat(32_768) }; // 65536 bytes of UTF-8
  const encoded = encodeFrame(frame);
  assert.equal(encoded.length, 6 + 3 + 65_536);
  const chunks = Array.from(encoded, (byte) => Uint8Array.of(byte));
  const decoder = new FrameDecoder();

  // Count what the decoder allocates and copies while it is fed: a quadratic decoder would
  // re-allocate or re-copy its buffer as the body grows.
  const RealUint8Array = globalThis.Uint8Array;
  const realSet = RealUint8Array.prototype.set;
  let allocations = 0;
  let copied = 0;
  globalThis.Uint8Array = new Proxy(RealUint8Array, {
    construct(target, args, newTarget) {
      allocations++;
      return Reflect.construct(target, args, newTarget);
    },
  });
  RealUint8Array.prototype.set = function (
    this: Uint8Array,
    source: ArrayLike<number>,
    offset?: number,
  ): void {
    copied += source.length;
    realSet.call(this, source, offset);
  };
  const results: DecodeResult[] = [];
  const pending: number[] = [];
  const capacity: number[] = [];
  try {
    for (const chunk of chunks) {
      results.push(...decoder.push(chunk));
      pending.push(decoder.pendingBytes);
      capacity.push(decoder.bufferedCapacity);
    }
  } finally {
    globalThis.Uint8Array = RealUint8Array;
    RealUint8Array.prototype.set = realSet;
  }

  assert.deepEqual(frames(results), [frame]);
  // 256 bytes, doubled to 32,768, then the frame's 65,539: nine buffers in all.
  // MIN_BODY_BUFFER_BYTES, doubled while a doubling stays under half the body, then the body.
  let doublings = 1;
  for (let size = MIN_BODY_BUFFER_BYTES; size * 4 <= 65_539; size *= 2) doublings++;
  assert.equal(allocations, doublings + 1, "the body buffer grows by doubling");
  assert.ok(copied < 2 * encoded.length, `bytes copied: ${copied}, linear in the frame's size`);
  // The buffer never holds more than twice what arrived (or the 256-byte minimum).
  for (let i = 0; i < pending.length - 1; i++) {
    assert.ok(capacity[i] <= Math.max(MIN_BODY_BUFFER_BYTES, 2 * pending[i]));
  }
  // pendingBytes grows by one per byte until the frame completes, then drops to 0.
  for (let i = 0; i < pending.length - 1; i++) assert.equal(pending[i], i + 1);
  assert.equal(pending[pending.length - 1], 0);
});

Deno.test("decoder: a header promising 65,536 bytes and 16 bytes of them holds 256, not 64 KiB", () => {
  const decoder = new FrameDecoder();
  const name = new TextEncoder().encode("al");
  assert.deepEqual(decoder.push(concat([frameHeader(2, 65_536), name, new Uint8Array(14)])), []);
  assert.equal(decoder.pendingBytes, 6 + 16);
  assert.equal(decoder.bufferedCapacity, MIN_BODY_BUFFER_BYTES);
  // The rest arrives in two pieces: the buffer grows to the frame's size, then is let go.
  assert.deepEqual(decoder.push(new Uint8Array(30_000).fill(0x61)), []);
  assert.ok(decoder.bufferedCapacity >= 30_016 && decoder.bufferedCapacity <= 65_538);
  const [result] = decoder.push(new Uint8Array(65_536 - 30_014).fill(0x62));
  assert.ok(result.ok);
  assert.equal(result.frame.message.length, 65_536);
  assert.equal(decoder.bufferedCapacity, 0);
  assert.equal(decoder.pendingBytes, 0);
});

Deno.test("decoder: the decoder keeps no reference to a pushed chunk", () => {
  const encoded = encodeFrame({ username: "al", message: "hello there" });
  const readBuffer = new Uint8Array(encoded.length);
  const decoder = new FrameDecoder();
  readBuffer.set(encoded.subarray(0, 10));
  assert.deepEqual(decoder.push(readBuffer.subarray(0, 10)), []);
  readBuffer.fill(0xff); // the caller reuses its read buffer
  readBuffer.set(encoded.subarray(10));
  const results = decoder.push(readBuffer.subarray(0, encoded.length - 10));
  assert.deepEqual(frames(results), [{ username: "al", message: "hello there" }]);
});

Deno.test("decoder: a username length over 32 fails from the header alone", () => {
  for (const declared of [33, 0xffff]) {
    const decoder = new FrameDecoder();
    const results = decoder.push(frameHeader(declared, 5));
    const error = errorOf(results[0]);
    assert.ok(error instanceof FrameTooLargeError);
    assert.ok(error instanceof ProtocolError);
    assert.equal(error.field, "username");
    assert.equal(error.declared, declared);
    assert.equal(error.limit, 32);
    assert.equal(error.code, "username-too-long");
    assert.equal(error.name, "FrameTooLargeError");
    assert.equal(decoder.failure, error);
    assert.equal(decoder.pendingBytes, 0, "nothing of the body is held");
    // The stream is dead: later bytes are ignored, even a valid frame.
    assert.deepEqual(decoder.push(encodeFrame({ username: "a", message: "b" })), []);
    assert.equal(decoder.pendingBytes, 0);
  }
});

Deno.test("decoder: a message length of 0xFFFFFFFF fails from the header, byte by byte too", () => {
  const decoder = new FrameDecoder();
  const head = frameHeader(5, 0xffffffff);
  assert.deepEqual(Array.from(head), [0, 5, 0xff, 0xff, 0xff, 0xff]);
  for (let i = 0; i < 5; i++) assert.deepEqual(decoder.push(head.subarray(i, i + 1)), []);
  const results = decoder.push(head.subarray(5));
  assert.equal(results.length, 1);
  const error = errorOf(results[0]);
  assert.ok(error instanceof FrameTooLargeError);
  assert.equal(error.field, "message");
  assert.equal(error.declared, 4294967295, "the length is read unsigned");
  assert.equal(error.limit, 65536);
  assert.equal(error.code, "message-too-long");
  assert.equal(decoder.pendingBytes, 0);
});

Deno.test("decoder: frames before an oversized header are delivered, nothing after it", () => {
  const good = { username: "a", message: "first" };
  const stream = concat([encodeFrame(good), frameHeader(0, 70_000), encodeFrame(good)]);
  const results = new FrameDecoder().push(stream);
  assert.equal(results.length, 2);
  assert.deepEqual(results[0], { ok: true, frame: good });
  assert.ok(errorOf(results[1]) instanceof FrameTooLargeError);
});

Deno.test("decoder: 65536-byte message accepted, 65537 refused from the header", () => {
  const atLimit = new FrameDecoder();
  assert.deepEqual(atLimit.push(frameHeader(1, 65_536)), []);
  assert.equal(atLimit.failure, null);
  assert.equal(atLimit.pendingBytes, 6);
  const results = atLimit.push(concat([bytes("61"), new Uint8Array(65_536).fill(0x62)]));
  assert.deepEqual(frames(results), [{ username: "a", message: "b".repeat(65_536) }]);

  const over = new FrameDecoder();
  const error = errorOf(over.push(frameHeader(1, 65_537))[0]);
  assert.ok(error instanceof FrameTooLargeError);
  assert.equal(error.declared, 65_537);
});

Deno.test("decoder: 32-byte username accepted, limits can be changed", () => {
  const name = "n".repeat(32);
  assert.deepEqual(frames(new FrameDecoder().push(encodeFrame({ username: name, message: "" }))), [
    { username: name, message: "" },
  ]);
  const small = new FrameDecoder({ maxMessageBytes: 10, maxUsernameBytes: 4 });
  assert.equal(
    frames(small.push(encodeFrame({ username: "abcd", message: "0123456789" }))).length,
    1,
  );
  assert.equal((errorOf(small.push(frameHeader(0, 11))[0]) as FrameTooLargeError).limit, 10);
  const names = new FrameDecoder({ maxUsernameBytes: 4 });
  assert.equal((errorOf(names.push(frameHeader(5, 0))[0]) as FrameTooLargeError).field, "username");
});

Deno.test("decoder: limits that are not non-negative integers are refused", () => {
  for (const bad of [NaN, -1, 1.5, Infinity]) {
    assert.throws(() => new FrameDecoder({ maxMessageBytes: bad }), RangeError);
    assert.throws(() => new FrameDecoder({ maxUsernameBytes: bad }), RangeError);
  }
  assert.doesNotThrow(() => new FrameDecoder({ maxMessageBytes: 0 }));
});

Deno.test("decoder: invalid UTF-8 in the username is reported and the stream continues", () => {
  const decoder = new FrameDecoder();
  const next = { username: "ok", message: "after" };
  const results = decoder.push(concat([bytes("00 01 00 00 00 01 ff 61"), encodeFrame(next)]));
  assert.equal(results.length, 2);
  const error = errorOf(results[0]);
  assert.ok(error instanceof InvalidUtf8Error);
  assert.equal(error.field, "username");
  assert.equal(error.code, "invalid-utf8-username");
  assert.deepEqual(results[1], { ok: true, frame: next });
  assert.equal(decoder.failure, null, "not fatal");
});

Deno.test("decoder: every kind of invalid UTF-8 in the message is reported, then decoding goes on", () => {
  const cases: Record<string, string> = {
    "lone continuation byte": "80",
    "truncated 3-byte sequence": "e2 82",
    "overlong encoding of '/'": "c0 af",
    "overlong NUL": "c0 80",
    "encoded surrogate U+D800": "ed a0 80",
    "beyond U+10FFFF": "f4 90 80 80",
    "0xFF byte": "ff",
    "valid text then a bad byte": "68 69 fe",
  };
  for (const [label, hex] of Object.entries(cases)) {
    const body = bytes(hex);
    const bad = concat([frameHeader(1, body.length), bytes("61"), body]);
    const next = { username: "b", message: "still here" };
    const stream = concat([bad, encodeFrame(next)]);
    // Whole, and one byte at a time: the result must not depend on the split.
    for (const chunkSize of [stream.length, 1]) {
      const decoder = new FrameDecoder();
      const results: DecodeResult[] = [];
      for (let at = 0; at < stream.length; at += chunkSize) {
        results.push(...decoder.push(stream.subarray(at, at + chunkSize)));
      }
      assert.equal(results.length, 2, label);
      const error = errorOf(results[0]);
      assert.ok(error instanceof InvalidUtf8Error, label);
      assert.equal(error.field, "message", label);
      assert.equal(error.code, "invalid-utf8-message", label);
      assert.deepEqual(results[1], { ok: true, frame: next }, label);
    }
  }
});

Deno.test("decoder: with both fields invalid, the username is the one reported", () => {
  const [result] = new FrameDecoder().push(bytes("00 01 00 00 00 01 ff ff"));
  assert.equal((errorOf(result) as InvalidUtf8Error).field, "username");
});

Deno.test("decoder: a leading byte-order mark is kept, not stripped", () => {
  const [result] = new FrameDecoder().push(bytes("00 00 00 00 00 04 ef bb bf 61"));
  assert.deepEqual(result, { ok: true, frame: { username: "", message: "\ufeffa" } });
});

Deno.test("decodeFrame: exactly one frame decodes", () => {
  assert.deepEqual(decodeFrame(bytes("00 02 00 00 00 03 61 6c 68 69 21")), {
    username: "al",
    message: "hi!",
  });
  assert.deepEqual(decodeFrame(new Uint8Array(6)), { username: "", message: "" });
});

Deno.test("decodeFrame: an incomplete buffer throws FrameBoundaryError(incomplete-frame)", () => {
  for (
    const hex of ["", "00", "00 02 00 00 00", "00 02 00 00 00 03", "00 02 00 00 00 03 61 6c 68 69"]
  ) {
    assert.throws(() => decodeFrame(bytes(hex)), (error: unknown) => {
      assert.ok(error instanceof FrameBoundaryError);
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.problem, "incomplete-frame");
      assert.equal(error.code, "incomplete-frame");
      return true;
    }, `hex ${JSON.stringify(hex)}`);
  }
});

Deno.test("decodeFrame: bytes after the frame throw FrameBoundaryError(trailing-bytes)", () => {
  const one = encodeFrame({ username: "a", message: "b" });
  for (const extra of [bytes("00"), one]) {
    assert.throws(() => decodeFrame(concat([one, extra])), (error: unknown) => {
      assert.ok(error instanceof FrameBoundaryError);
      assert.equal(error.problem, "trailing-bytes");
      assert.equal(error.code, "trailing-bytes");
      return true;
    });
  }
});

Deno.test("decodeFrame: the decoder's own errors are thrown as they are", () => {
  assert.throws(() => decodeFrame(frameHeader(40, 0)), FrameTooLargeError);
  assert.throws(() => decodeFrame(frameHeader(0, 11), { maxMessageBytes: 10 }), FrameTooLargeError);
  assert.throws(() => decodeFrame(bytes("00 00 00 00 00 01 ff")), InvalidUtf8Error);
});
