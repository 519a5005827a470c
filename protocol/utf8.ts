/**
 * UTF-8 helpers shared by the encoder, the decoder and name validation.
 * @module
 */

/**
 * Number of bytes `TextEncoder` will produce for `text`, computed without encoding, so a frame
 * can be allocated once at its exact size. Lone surrogates count 3 bytes, as U+FFFD replaces them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAX_USERNAME_BYTES, utf8ByteLength } from "./mod.ts";
 * assert.equal(utf8ByteLength("hi!"), 3);
 * assert.equal(utf8ByteLength("Jos\u00e9"), 5); // é takes 2 bytes
 * assert.equal(utf8ByteLength("\u{1f44b}"), 4); // an emoji takes 4
 * assert.ok(utf8ByteLength("\u00e9".repeat(16)) <= MAX_USERNAME_BYTES);
 * ```
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    } else bytes += 3;
  }
  return bytes;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Encodes text as UTF-8 (lone surrogates become U+FFFD). */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Up to this many bytes, plain JavaScript beats a call into the runtime's UTF-8 codec for ASCII
 * text (names, short chat lines); `bench/codec_bench.ts` measures it.
 */
const SHORT_ASCII_BYTES = 32;

/**
 * Writes `text` into `target` at `offset`; returns the number of bytes written. `byteLength` is
 * `utf8ByteLength(text)`, already known to the caller: equal to `text.length` means pure ASCII.
 */
export function encodeUtf8Into(
  text: string,
  byteLength: number,
  target: Uint8Array,
  offset: number,
): number {
  const n = text.length;
  if (n === 0) return 0;
  if (byteLength === n && n <= SHORT_ASCII_BYTES) {
    for (let i = 0; i < n; i++) target[offset + i] = text.charCodeAt(i);
    return n;
  }
  return encoder.encodeInto(text, target.subarray(offset, offset + byteLength)).written;
}

/**
 * Decodes strict UTF-8, or returns `undefined` when the bytes are not valid UTF-8, so that the
 * caller can raise the error that names the right field. A leading BOM is kept as U+FEFF.
 */
export function decodeUtf8Strict(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return "";
  if (bytes.length <= SHORT_ASCII_BYTES) {
    const ascii = decodeShortAscii(bytes);
    if (ascii !== undefined) return ascii;
  }
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Decodes bytes that are all ASCII (each byte is one UTF-16 unit); `undefined` if one is not. */
function decodeShortAscii(bytes: Uint8Array): string | undefined {
  let text = "";
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte > 0x7f) return undefined;
    text += String.fromCharCode(byte);
  }
  return text;
}
