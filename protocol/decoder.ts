/**
 * Streaming decoder: bytes in, in whatever chunks the network gives, frames out.
 * @module
 */

import {
  DEFAULT_MAX_MESSAGE_BYTES,
  type Frame,
  HEADER_BYTES,
  MAX_USERNAME_BYTES,
  ProtocolError,
} from "./frame.ts";
import { decodeUtf8Strict } from "./utf8.ts";

/**
 * Which part of a frame an error is about.
 *
 * @example
 * ```ts
 * import type { FrameField } from "./mod.ts";
 * const field: FrameField = "message";
 * ```
 */
export type FrameField = "username" | "message";

/**
 * A header declared a length over the limit. Fatal: the stream cannot be trusted past it, and the
 * declared body is never buffered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrame, FrameDecoder, FrameTooLargeError } from "./mod.ts";
 * const decoder = new FrameDecoder({ maxMessageBytes: 2 });
 * const [result] = decoder.push(encodeFrame({ username: "al", message: "hi!" }));
 * assert.ok(!result.ok && result.error instanceof FrameTooLargeError);
 * assert.equal(result.error.field, "message");
 * assert.equal(result.error.declared, 3);
 * assert.equal(result.error.limit, 2);
 * // Fatal: the decoder keeps the error and ignores everything pushed after it.
 * assert.equal(decoder.failure, result.error);
 * ```
 */
export class FrameTooLargeError extends ProtocolError {
  /** The field whose declared length is too large. */
  readonly field: FrameField;
  /** The length the header declared, in bytes. */
  readonly declared: number;
  /** The limit it broke, in bytes. */
  readonly limit: number;
  /**
   * Raised by the decoder; code `"username-too-long"` or `"message-too-long"`.
   *
   * @param field The field whose declared length is too large.
   * @param declared The length the header declared, in bytes.
   * @param limit The limit it broke, in bytes.
   */
  constructor(field: FrameField, declared: number, limit: number) {
    super(
      field === "username" ? "username-too-long" : "message-too-long",
      `${field} length ${declared} bytes exceeds the limit of ${limit} bytes`,
    );
    this.field = field;
    this.declared = declared;
    this.limit = limit;
  }
}

/**
 * A field was not valid UTF-8. Not fatal to the stream: the frame's length was known, so the
 * decoder skips exactly that frame and goes on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrame, FrameDecoder, InvalidUtf8Error } from "./mod.ts";
 * // A frame whose one-byte message is 0xff (never valid UTF-8), then a good frame.
 * const bad = new Uint8Array([0, 2, 0, 0, 0, 1, 0x61, 0x6c, 0xff]);
 * const good = encodeFrame({ username: "al", message: "hi!" });
 * const [first, second] = new FrameDecoder().push(new Uint8Array([...bad, ...good]));
 * assert.ok(!first.ok && first.error instanceof InvalidUtf8Error);
 * assert.equal(first.error.field, "message");
 * assert.ok(second.ok); // the stream goes on
 * assert.equal(second.frame.message, "hi!");
 * ```
 */
export class InvalidUtf8Error extends ProtocolError {
  /** The field that held the invalid bytes. */
  readonly field: FrameField;
  /**
   * Raised by the decoder; code `"invalid-utf8-username"` or `"invalid-utf8-message"`.
   *
   * @param field The field that held the invalid bytes.
   */
  constructor(field: FrameField) {
    super(`invalid-utf8-${field}`, `${field} is not valid UTF-8`);
    this.field = field;
  }
}

/**
 * Every error the decoder reports.
 *
 * @example
 * ```ts
 * import { type DecodeError, FrameTooLargeError } from "./mod.ts";
 * // Only a too-large header ends the stream; invalid UTF-8 costs one frame.
 * function isFatal(error: DecodeError): boolean {
 *   return error instanceof FrameTooLargeError;
 * }
 * ```
 */
export type DecodeError = FrameTooLargeError | InvalidUtf8Error;

/**
 * One decoder output: a frame, or the error that took its place.
 *
 * @example
 * ```ts
 * import { type DecodeResult, encodeFrame, FrameDecoder } from "./mod.ts";
 * const results: DecodeResult[] = new FrameDecoder().push(
 *   encodeFrame({ username: "al", message: "hi!" }),
 * );
 * for (const result of results) {
 *   if (result.ok) console.log(`<${result.frame.username}> ${result.frame.message}`);
 *   else console.error(result.error.message);
 * }
 * ```
 */
export type DecodeResult = { ok: true; frame: Frame } | { ok: false; error: DecodeError };

/**
 * Length limits the decoder enforces from the header, before any body is buffered.
 *
 * @example
 * ```ts
 * import { type DecoderLimits, FrameDecoder } from "./mod.ts";
 * // A client that refuses frames over 1 MiB; omitted limits keep their defaults.
 * const limits: Partial<DecoderLimits> = { maxMessageBytes: 1 << 20 };
 * const decoder = new FrameDecoder(limits);
 * ```
 */
export interface DecoderLimits {
  /** Largest username accepted, in bytes (default 32). */
  maxUsernameBytes: number;
  /** Largest message accepted, in bytes (default 65536). */
  maxMessageBytes: number;
}

/**
 * The smallest buffer kept for a partial body (it grows by doubling as more bytes arrive). 64
 * bytes is V8's largest typed array kept inside the JavaScript heap: a stalled body that small
 * costs no separately allocated backing store, so a stalled connection costs what an idle one
 * does.
 */
export const MIN_BODY_BUFFER_BYTES = 64;

/**
 * Decodes a byte stream into frames.
 *
 * Feed it every chunk read from the socket with {@link FrameDecoder.push}; it returns the frames
 * (or errors) completed by that chunk. A frame may span many chunks and a chunk may hold many
 * frames. Complete frames inside one chunk are decoded in place; only a partial frame is copied
 * into a buffer that grows (by doubling, up to the frame's size) as its bytes arrive, so a header
 * that promises 64 KiB and stalls holds only what came, and a 64 KiB body arriving one byte at a
 * time still costs linear time. The decoder never keeps a reference to a pushed chunk, so the caller may reuse its
 * read buffer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameDecoder } from "./mod.ts";
 * const decoder = new FrameDecoder();
 * // The header and "al" arrive first: no frame yet.
 * assert.deepEqual(decoder.push(new Uint8Array([0, 2, 0, 0, 0, 3, 0x61, 0x6c])), []);
 * // "hi!" completes it.
 * assert.deepEqual(decoder.push(new Uint8Array([0x68, 0x69, 0x21])), [
 *   { ok: true, frame: { username: "al", message: "hi!" } },
 * ]);
 * ```
 */
export class FrameDecoder {
  readonly #maxUsername: number;
  readonly #maxMessage: number;
  readonly #header = new Uint8Array(HEADER_BYTES);
  #headerFill = 0;
  #body: Uint8Array | null = null;
  #bodyFill = 0;
  /** Bytes the partial frame's header declared after itself (name and message). */
  #bodyTotal = 0;
  #nameLength = 0;
  #failed: DecodeError | null = null;

  /** Throws a `RangeError` for a limit that is not a non-negative integer: NaN would disable it. */
  constructor(limits: Partial<DecoderLimits> = {}) {
    this.#maxUsername = checkLimit("maxUsernameBytes", limits.maxUsernameBytes, MAX_USERNAME_BYTES);
    this.#maxMessage = checkLimit(
      "maxMessageBytes",
      limits.maxMessageBytes,
      DEFAULT_MAX_MESSAGE_BYTES,
    );
  }

  /** The fatal error that stopped this decoder, if any; once set, pushes return nothing. */
  get failure(): DecodeError | null {
    return this.#failed;
  }

  /** Bytes held for a frame not yet complete (0 between frames): a stream that ends with more
   * than 0 here ended mid-frame. */
  get pendingBytes(): number {
    return this.#body === null ? this.#headerFill : HEADER_BYTES + this.#bodyFill;
  }

  /**
   * Bytes of memory held for the frame in progress (its buffer's capacity, 0 between frames):
   * it follows the bytes received, never the length the header declared.
   */
  get bufferedCapacity(): number {
    return this.#body === null ? 0 : this.#body.length;
  }

  /** Feeds one chunk; returns every frame (or error) it completes, in stream order. */
  push(chunk: Uint8Array): DecodeResult[] {
    const out: DecodeResult[] = [];
    if (this.#failed !== null) return out;
    let pos = 0;
    const end = chunk.length;
    while (pos < end) {
      if (this.#body !== null) {
        // Continue a partial body, growing its buffer only as far as the bytes that came.
        const total = this.#bodyTotal;
        const take = Math.min(total - this.#bodyFill, end - pos);
        const body = this.#reserve(this.#bodyFill + take);
        body.set(chunk.subarray(pos, pos + take), this.#bodyFill);
        this.#bodyFill += take;
        pos += take;
        if (this.#bodyFill < total) break;
        this.#body = null;
        out.push(this.#decodeBody(body, 0, this.#nameLength, total));
        continue;
      }
      let nameLength: number;
      let messageLength: number;
      if (this.#headerFill === 0 && end - pos >= HEADER_BYTES) {
        nameLength = (chunk[pos] << 8) | chunk[pos + 1];
        messageLength = readUint32(chunk, pos + 2);
        pos += HEADER_BYTES;
      } else {
        const take = Math.min(HEADER_BYTES - this.#headerFill, end - pos);
        this.#header.set(chunk.subarray(pos, pos + take), this.#headerFill);
        this.#headerFill += take;
        pos += take;
        if (this.#headerFill < HEADER_BYTES) break;
        this.#headerFill = 0;
        nameLength = (this.#header[0] << 8) | this.#header[1];
        messageLength = readUint32(this.#header, 2);
      }
      const tooLarge = this.#checkLimits(nameLength, messageLength);
      if (tooLarge !== null) {
        this.#failed = tooLarge;
        out.push({ ok: false, error: tooLarge });
        return out;
      }
      const total = nameLength + messageLength;
      if (end - pos >= total) {
        out.push(this.#decodeBody(chunk, pos, nameLength, total));
        pos += total;
      } else {
        // The header only promises the body: hold what arrived, never what was declared.
        const take = end - pos;
        const body = new Uint8Array(Math.min(total, Math.max(take, MIN_BODY_BUFFER_BYTES)));
        body.set(chunk.subarray(pos, end), 0);
        pos = end;
        this.#body = body;
        this.#bodyFill = take;
        this.#bodyTotal = total;
        this.#nameLength = nameLength;
      }
    }
    return out;
  }

  /**
   * The partial body's buffer, with room for `needed` bytes: doubled (up to the frame's size)
   * when it is too small, so a body arriving in many pieces is copied fewer than twice per byte
   * on average.
   */
  #reserve(needed: number): Uint8Array {
    const body = this.#body as Uint8Array;
    if (needed <= body.length) return body;
    const total = this.#bodyTotal;
    let size = Math.max(needed, body.length * 2);
    // Within a doubling of the whole frame: take the whole frame, saving one more copy.
    if (size * 2 > total) size = total;
    const grown = new Uint8Array(size);
    grown.set(body.subarray(0, this.#bodyFill), 0);
    this.#body = grown;
    return grown;
  }

  #checkLimits(nameLength: number, messageLength: number): FrameTooLargeError | null {
    if (nameLength > this.#maxUsername) {
      return new FrameTooLargeError("username", nameLength, this.#maxUsername);
    }
    if (messageLength > this.#maxMessage) {
      return new FrameTooLargeError("message", messageLength, this.#maxMessage);
    }
    return null;
  }

  #decodeBody(bytes: Uint8Array, start: number, nameLength: number, total: number): DecodeResult {
    const username = decodeUtf8Strict(bytes.subarray(start, start + nameLength));
    if (username === undefined) return { ok: false, error: new InvalidUtf8Error("username") };
    const message = decodeUtf8Strict(bytes.subarray(start + nameLength, start + total));
    if (message === undefined) return { ok: false, error: new InvalidUtf8Error("message") };
    return { ok: true, frame: { username, message } };
  }
}

function checkLimit(
  name: keyof DecoderLimits,
  value: number | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) >>> 0) + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
}

/**
 * How a buffer given to {@link decodeFrame} failed to be exactly one frame.
 *
 * @example
 * ```ts
 * import type { FrameBoundaryProblem } from "./mod.ts";
 * const problem: FrameBoundaryProblem = "trailing-bytes";
 * ```
 */
export type FrameBoundaryProblem = "incomplete-frame" | "trailing-bytes";

/**
 * A buffer given to {@link decodeFrame} ended before its frame did, or held bytes after it.
 * Only `decodeFrame` raises it: a stream decoder simply waits for more bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFrame, encodeFrame, FrameBoundaryError } from "./mod.ts";
 * const bytes = encodeFrame({ username: "al", message: "hi!" });
 * assert.throws(
 *   () => decodeFrame(bytes.subarray(0, bytes.length - 1)),
 *   (error) => error instanceof FrameBoundaryError && error.problem === "incomplete-frame",
 * );
 * assert.throws(
 *   () => decodeFrame(new Uint8Array([...bytes, 0])),
 *   (error) => error instanceof FrameBoundaryError && error.problem === "trailing-bytes",
 * );
 * ```
 */
export class FrameBoundaryError extends ProtocolError {
  /** Whether the frame was cut short or followed by more bytes. */
  readonly problem: FrameBoundaryProblem;
  /**
   * Raised by {@link decodeFrame}; the code is the problem itself.
   *
   * @param problem Whether the frame was cut short or followed by more bytes.
   * @param length The length of the buffer, in bytes (for the message).
   */
  constructor(problem: FrameBoundaryProblem, length: number) {
    super(
      problem,
      problem === "incomplete-frame"
        ? `incomplete frame: ${length} bytes do not hold a whole frame`
        : `${length} bytes hold more than one frame`,
    );
    this.problem = problem;
  }
}

/**
 * Decodes a buffer that must hold exactly one frame (test vectors, stored frames); throws the
 * decoder's typed error, or a {@link FrameBoundaryError} when the buffer is not exactly one frame.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFrame } from "./mod.ts";
 * const bytes = new Uint8Array([0, 2, 0, 0, 0, 3, 0x61, 0x6c, 0x68, 0x69, 0x21]);
 * assert.deepEqual(decodeFrame(bytes), { username: "al", message: "hi!" });
 * ```
 */
export function decodeFrame(bytes: Uint8Array, limits: Partial<DecoderLimits> = {}): Frame {
  const decoder = new FrameDecoder(limits);
  const results = decoder.push(bytes);
  const first = results[0];
  if (first === undefined) throw new FrameBoundaryError("incomplete-frame", bytes.length);
  if (!first.ok) throw first.error;
  if (results.length > 1 || decoder.pendingBytes > 0) {
    throw new FrameBoundaryError("trailing-bytes", bytes.length);
  }
  return first.frame;
}
