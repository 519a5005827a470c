/**
 * Decoder fuzzing: thousands of random and mutated inputs, fed in random chunk sizes.
 * The decoder must never throw, must never hold more than its limits allow, must decode a valid
 * stream to exactly the frames encoded, and must agree on every input with a plain whole-buffer
 * reference decoder written here, however the input is split.
 *
 * The seed is printed; replay a failure with `FUZZ_SEED=<seed> deno test ... tests/protocol/decoder_fuzz_test.ts`.
 */

import assert from "node:assert/strict";
import {
  type DecodeResult,
  type DecoderLimits,
  encodeFrame,
  type Frame,
  FrameDecoder,
  FrameTooLargeError,
  InvalidUtf8Error,
} from "../../protocol/mod.ts";
import { concat, frameHeader } from "../helpers/bytes.ts";
import { fuzzSeed, prng } from "../helpers/random.ts";

const DEFAULT_SEED = 0x5eed_c0de;
const CASES_PER_KIND = 4000;

/** Random helpers bound to one generator. */
class Gen {
  constructor(readonly next: () => number) {}
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }
  /** Valid text (no lone surrogates) of at most `maxBytes` bytes of UTF-8. */
  text(maxBytes: number): string {
    const ranges: [number, number][] = [
      [0x20, 0x7f],
      [0x00, 0x20],
      [0x80, 0x800],
      [0x800, 0xd800],
      [0xe000, 0x10000],
      [0x10000, 0x110000],
    ];
    const target = this.int(maxBytes + 1);
    let text = "";
    let bytes = 0;
    while (true) {
      const [low, high] = this.pick(ranges);
      const cp = low + this.int(high - low);
      const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + size > target) return text;
      text += String.fromCodePoint(cp);
      bytes += size;
    }
  }
  /** A message length: mostly short, sometimes large, rarely right at the 64 KiB limit. */
  messageBytes(max: number): number {
    const roll = this.next();
    if (roll < 0.8) return this.int(Math.min(64, max) + 1);
    if (roll < 0.995) return this.int(Math.min(4096, max) + 1);
    if (roll < 0.998) return max;
    return this.int(max + 1);
  }
  frame(limits: DecoderLimits): Frame {
    const username = this.next() < 0.2 ? "" : this.text(limits.maxUsernameBytes);
    const size = this.messageBytes(limits.maxMessageBytes);
    const message = size > 4096 ? "m".repeat(size) : this.text(size);
    return { username, message };
  }
}

/** A decoder outcome in a shape two decoders can be compared by. */
type Outcome = { frame: Frame } | { error: string; declared?: number };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function tryUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The whole input at once, the obvious way: the model the streaming decoder must agree with.
 * Returns the outcomes and the bytes left over (0 after a fatal error).
 */
function referenceDecode(
  input: Uint8Array,
  limits: DecoderLimits,
): { outcomes: Outcome[]; pending: number } {
  const outcomes: Outcome[] = [];
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  let pos = 0;
  while (input.length - pos >= 6) {
    const nameLength = view.getUint16(pos);
    const messageLength = view.getUint32(pos + 2);
    if (nameLength > limits.maxUsernameBytes) {
      outcomes.push({ error: "username-too-long", declared: nameLength });
      return { outcomes, pending: 0 };
    }
    if (messageLength > limits.maxMessageBytes) {
      outcomes.push({ error: "message-too-long", declared: messageLength });
      return { outcomes, pending: 0 };
    }
    if (input.length - pos - 6 < nameLength + messageLength) break;
    const nameStart = pos + 6;
    const messageStart = nameStart + nameLength;
    const username = tryUtf8(input.subarray(nameStart, messageStart));
    const message = tryUtf8(input.subarray(messageStart, messageStart + messageLength));
    if (username === undefined) outcomes.push({ error: "invalid-utf8-username" });
    else if (message === undefined) outcomes.push({ error: "invalid-utf8-message" });
    else outcomes.push({ frame: { username, message } });
    pos = messageStart + messageLength;
  }
  return { outcomes, pending: input.length - pos };
}

function outcomeOf(result: DecodeResult): Outcome {
  if (result.ok) return { frame: result.frame };
  const error = result.error;
  if (error instanceof FrameTooLargeError) return { error: error.code, declared: error.declared };
  if (error instanceof InvalidUtf8Error) return { error: error.code };
  throw new Error(`untyped decode error: ${String(error)}`);
}

/** Splits `input` into random chunks, from 1 byte upward, in one of a few styles. */
function chunks(gen: Gen, input: Uint8Array): Uint8Array[] {
  const style = gen.int(4);
  const max = [1, 16, 1500, input.length + 1][style];
  const out: Uint8Array[] = [];
  for (let at = 0; at < input.length;) {
    const size = 1 + gen.int(max);
    out.push(input.subarray(at, at + size));
    at += size;
  }
  return out;
}

interface FuzzCase {
  kind: string;
  index: number;
  input: Uint8Array;
  limits: DecoderLimits;
  /** For a valid stream: the frames that were encoded. */
  expected?: Frame[];
}

/** Feeds one case in random chunks and checks every invariant; throws an AssertionError. */
function run(gen: Gen, seed: number, c: FuzzCase): void {
  const where = `seed ${seed}, ${c.kind} #${c.index}, ${c.input.length} bytes`;
  const bound = 6 + c.limits.maxUsernameBytes + c.limits.maxMessageBytes;
  const decoder = new FrameDecoder(c.limits);
  const outcomes: Outcome[] = [];
  for (const chunk of chunks(gen, c.input)) {
    let results: DecodeResult[];
    try {
      results = decoder.push(chunk);
    } catch (error) {
      assert.fail(`decoder threw (${where}): ${String(error)}`);
    }
    for (const result of results) outcomes.push(outcomeOf(result));
    assert.ok(decoder.pendingBytes <= bound, `holds ${decoder.pendingBytes} > ${bound} (${where})`);
  }
  const reference = referenceDecode(c.input, c.limits);
  assert.deepEqual(outcomes, reference.outcomes, `disagrees with the reference (${where})`);
  assert.equal(decoder.pendingBytes, reference.pending, `pending bytes (${where})`);
  if (c.expected !== undefined) {
    assert.deepEqual(outcomes, c.expected.map((frame) => ({ frame })), `valid stream (${where})`);
    assert.equal(decoder.pendingBytes, 0);
    assert.equal(decoder.failure, null);
  }
}

function randomLimits(gen: Gen): DecoderLimits {
  if (gen.next() < 0.75) return { maxUsernameBytes: 32, maxMessageBytes: 65536 };
  return { maxUsernameBytes: 32, maxMessageBytes: gen.pick([0, 1, 5, 100, 1000, 4096]) };
}

function validStream(gen: Gen, limits: DecoderLimits): { bytes: Uint8Array; frames: Frame[] } {
  const frames = Array.from({ length: 1 + gen.int(12) }, () => gen.frame(limits));
  return { bytes: concat(frames.map(encodeFrame)), frames };
}

/** Each kind of input the fuzzer makes, by name. */
const KINDS: Record<string, (gen: Gen, limits: DecoderLimits) => FuzzCase["input"] | Frame[]> = {
  "valid stream": (gen, limits) => validStream(gen, limits).frames,
  "valid frames with flipped bytes": (gen, limits) => {
    const bytes = validStream(gen, limits).bytes.slice();
    const flips = 1 + gen.int(4);
    for (let i = 0; i < flips; i++) {
      const at = gen.int(bytes.length);
      bytes[at] = gen.next() < 0.5 ? bytes[at] ^ (1 << gen.int(8)) : gen.int(256);
    }
    return bytes;
  },
  "truncated stream": (gen, limits) => {
    const bytes = validStream(gen, limits).bytes;
    // Often inside the last frame's header, else anywhere.
    const cut = gen.next() < 0.5
      ? Math.max(0, bytes.length - 1 - gen.int(6))
      : gen.int(bytes.length);
    return bytes.subarray(0, cut);
  },
  "huge declared lengths": (gen, limits) => {
    const name = gen.pick([0, 5, 32, 33, 0xff, 0x100, 0xffff, gen.int(0x10000)]);
    const message = gen.pick([
      0,
      limits.maxMessageBytes,
      limits.maxMessageBytes + 1,
      0x7fffffff,
      0x80000000,
      0xffffffff,
      gen.int(0x100000000),
    ]);
    const prefix = gen.next() < 0.5 ? validStream(gen, limits).bytes : new Uint8Array(0);
    return concat([prefix, frameHeader(name, message), gen.bytes(gen.int(200))]);
  },
  "random UTF-8 and non-UTF-8 bodies": (gen, limits) => {
    const parts: Uint8Array[] = [];
    for (let i = 1 + gen.int(8); i > 0; i--) {
      const nameLength = gen.int(limits.maxUsernameBytes + 1);
      const messageLength = gen.int(Math.min(300, limits.maxMessageBytes) + 1);
      const body = new Uint8Array(nameLength + messageLength);
      // Mix valid UTF-8 text with random bytes, so both fields see good and bad sequences.
      for (let at = 0; at < body.length;) {
        const piece = gen.next() < 0.6
          ? new TextEncoder().encode(gen.text(8))
          : gen.bytes(1 + gen.int(4));
        const take = Math.min(piece.length, body.length - at);
        body.set(piece.subarray(0, take), at);
        at += Math.max(take, 1);
      }
      parts.push(frameHeader(nameLength, messageLength), body);
    }
    return concat(parts);
  },
  "random bytes": (gen) => gen.bytes(gen.int(gen.next() < 0.9 ? 64 : 4096)),
};

Deno.test("decoder fuzz: random and mutated input in random chunks, never a throw", () => {
  const seed = fuzzSeed(DEFAULT_SEED);
  console.log(`decoder fuzz seed: ${seed} (replay with FUZZ_SEED=${seed})`);
  const gen = new Gen(prng(seed));
  let total = 0;
  let frames = 0;
  for (let index = 0; index < CASES_PER_KIND; index++) {
    for (const [kind, make] of Object.entries(KINDS)) {
      const limits = randomLimits(gen);
      const made = make(gen, limits);
      const fuzzCase: FuzzCase = made instanceof Uint8Array
        ? { kind, index, input: made, limits }
        : { kind, index, input: concat(made.map(encodeFrame)), limits, expected: made };
      run(gen, seed, fuzzCase);
      total++;
      frames += fuzzCase.expected?.length ?? 0;
    }
  }
  console.log(`decoder fuzz: ${total} inputs, ${frames} valid frames round-tripped`);
});
