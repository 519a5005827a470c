/**
 * Micro-benchmarks of the codec's hot paths: encoding a chat frame, decoding a busy stream in
 * network-sized chunks, and a 64 KiB body arriving in small pieces. Run with `deno task bench:codec`.
 * @module
 */

import { concatBytes } from "../kit/bytes.ts";
import { encodeFrame, type Frame, FrameDecoder } from "../protocol/mod.ts";

const shortFrame: Frame = { username: "alice", message: "hello everyone, how is it going?" };
const unicodeFrame: Frame = { username: "José", message: "grüße 👋 from 東京 ".repeat(16) };
const bigFrame: Frame = { username: "bob", message: "x".repeat(65536) };

function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

const shortStream = concatBytes(Array.from({ length: 1000 }, () => encodeFrame(shortFrame)));
const shortChunks = chunked(shortStream, 1460);
const unicodeStream = concatBytes(Array.from({ length: 100 }, () => encodeFrame(unicodeFrame)));
const unicodeChunks = chunked(unicodeStream, 1460);
const bigBytes = encodeFrame(bigFrame);
const bigChunks64 = chunked(bigBytes, 64);
const bigChunks1 = chunked(bigBytes, 1);

function decodeAll(chunks: Uint8Array[], expected: number): void {
  const decoder = new FrameDecoder();
  let frames = 0;
  for (const chunk of chunks) frames += decoder.push(chunk).length;
  if (frames !== expected) throw new Error(`decoded ${frames} frames, expected ${expected}`);
}

Deno.bench("encode: short ASCII chat frame", { group: "encode", baseline: true }, () => {
  encodeFrame(shortFrame);
});

Deno.bench("encode: 600-byte unicode frame", { group: "encode" }, () => {
  encodeFrame(unicodeFrame);
});

Deno.bench("encode: 64 KiB frame", { group: "encode" }, () => {
  encodeFrame(bigFrame);
});

Deno.bench("decode: 1000 short frames, 1460-byte chunks", { group: "decode" }, () => {
  decodeAll(shortChunks, 1000);
});

Deno.bench("decode: 100 unicode frames, 1460-byte chunks", { group: "decode" }, () => {
  decodeAll(unicodeChunks, 100);
});

Deno.bench("decode: 64 KiB frame, 64-byte chunks", { group: "decode" }, () => {
  decodeAll(bigChunks64, 1);
});

Deno.bench("decode: 64 KiB frame, 1-byte chunks", { group: "decode" }, () => {
  decodeAll(bigChunks1, 1);
});
