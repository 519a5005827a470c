/**
 * The UTF-8 helpers agree with the platform's TextEncoder/TextDecoder on every input, including
 * the short-ASCII fast paths and their edges.
 */

import assert from "node:assert/strict";
import {
  decodeUtf8Strict,
  encodeUtf8,
  encodeUtf8Into,
  utf8ByteLength,
} from "../../protocol/utf8.ts";
import { prng } from "../helpers/random.ts";

/** A random string of UTF-16 code units, biased towards the interesting ranges. */
function randomText(random: () => number, length: number): string {
  const ranges: [number, number][] = [
    [0x00, 0x80], // ASCII
    [0x80, 0x800], // 2 bytes
    [0x800, 0xd800], // 3 bytes
    [0xd800, 0xe000], // surrogates, often unpaired
    [0xe000, 0x10000], // 3 bytes, incl. U+FEFF and U+FFFD
  ];
  let text = "";
  for (let i = 0; i < length; i++) {
    if (random() < 0.1) {
      text += String.fromCodePoint(0x10000 + Math.floor(random() * 0x100000)); // a valid pair
      continue;
    }
    const [low, high] = ranges[Math.floor(random() * ranges.length)];
    text += String.fromCharCode(low + Math.floor(random() * (high - low)));
  }
  return text;
}

const reference = new TextEncoder();

Deno.test("utf8: byte length matches TextEncoder for random text, lone surrogates included", () => {
  const random = prng(7);
  for (let i = 0; i < 5000; i++) {
    const text = randomText(random, Math.floor(random() * 40));
    assert.equal(utf8ByteLength(text), reference.encode(text).length, JSON.stringify(text));
  }
  assert.equal(utf8ByteLength(""), 0);
  assert.equal(utf8ByteLength("\ud800"), 3, "a lone surrogate becomes U+FFFD");
  assert.equal(utf8ByteLength("👋"), 4);
});

Deno.test("utf8: encodeUtf8Into writes exactly what TextEncoder would, at the offset", () => {
  const random = prng(8);
  const texts = ["", "a", "a".repeat(32), "a".repeat(33), "é", "\ud800"];
  for (let i = 0; i < 3000; i++) texts.push(randomText(random, Math.floor(random() * 50)));
  for (let i = 0; i < 300; i++) {
    texts.push(String.fromCharCode(...Array.from({ length: i % 40 }, () => random() * 128)));
  }
  for (const text of texts) {
    const expected = reference.encode(text);
    const target = new Uint8Array(expected.length + 4).fill(0xaa);
    const written = encodeUtf8Into(text, utf8ByteLength(text), target, 2);
    assert.equal(written, expected.length);
    assert.deepEqual(target.subarray(2, 2 + written), expected, JSON.stringify(text));
    assert.deepEqual(Array.from(target.subarray(0, 2)), [0xaa, 0xaa], "nothing before the offset");
    assert.deepEqual(Array.from(target.subarray(2 + written)), [0xaa, 0xaa], "nothing after");
  }
});

Deno.test("utf8: strict decoding round-trips valid text of every length", () => {
  const random = prng(9);
  for (let i = 0; i < 3000; i++) {
    const text = randomText(random, Math.floor(random() * 50)).replace(
      /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      "\ufffd",
    );
    assert.equal(decodeUtf8Strict(encodeUtf8(text)), text);
  }
  for (const n of [0, 1, 31, 32, 33, 1000]) {
    assert.equal(decodeUtf8Strict(encodeUtf8("q".repeat(n))), "q".repeat(n));
  }
});

Deno.test("utf8: strict decoding refuses invalid bytes on both sides of the short path", () => {
  const strict = new TextDecoder("utf-8", { fatal: true });
  const random = prng(10);
  for (let i = 0; i < 3000; i++) {
    const bytes = Uint8Array.from(
      { length: Math.floor(random() * 48) },
      () => Math.floor(random() * 256),
    );
    let expected: string | undefined;
    try {
      expected = strict.decode(bytes);
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        expected = "\ufeff" + expected;
      }
    } catch {
      expected = undefined;
    }
    assert.equal(decodeUtf8Strict(bytes), expected, Array.from(bytes).join(","));
  }
  // 31 ASCII bytes then one bad byte: the fast path must not accept it.
  const bad = new Uint8Array(32).fill(0x61);
  bad[31] = 0x80;
  assert.equal(decodeUtf8Strict(bad), undefined);
  assert.equal(decodeUtf8Strict(Uint8Array.of(0xef, 0xbb, 0xbf)), "\ufeff", "BOM kept");
});
