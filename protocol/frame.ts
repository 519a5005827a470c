/**
 * The frame: the one unit of the chat wire protocol, and the limits that bound it.
 *
 * Layout (big-endian): UNameL (2 bytes), MessageL (4 bytes), Username (UTF-8), Message (UTF-8).
 * @module
 */

/**
 * One protocol frame. A notice is a frame whose username is empty.
 *
 * @example
 * ```ts
 * import type { Frame } from "./mod.ts";
 * const chat: Frame = { username: "al", message: "hi!" };
 * const keepalive: Frame = { username: "al", message: "" };
 * ```
 */
export interface Frame {
  /** The sender's name; empty for a server notice (no user may have an empty name). */
  username: string;
  /** The text; empty after login means a keepalive. */
  message: string;
}

/**
 * Size of the fixed header: 2 bytes of username length, 4 of message length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrame, HEADER_BYTES } from "./mod.ts";
 * // An empty frame is all header.
 * assert.equal(encodeFrame({ username: "", message: "" }).length, HEADER_BYTES);
 * ```
 */
export const HEADER_BYTES = 6;

/**
 * The largest username the protocol allows, in UTF-8 bytes (after NFC normalization).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkUsername, MAX_USERNAME_BYTES } from "./mod.ts";
 * assert.equal(checkUsername("a".repeat(MAX_USERNAME_BYTES)).ok, true);
 * assert.equal(checkUsername("a".repeat(MAX_USERNAME_BYTES + 1)).ok, false);
 * ```
 */
export const MAX_USERNAME_BYTES = 32;

/**
 * The default largest message a server accepts, in UTF-8 bytes (64 KiB).
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_MESSAGE_BYTES, FrameDecoder } from "./mod.ts";
 * // A decoder for a server configured to accept messages twice the default size.
 * const decoder = new FrameDecoder({ maxMessageBytes: 2 * DEFAULT_MAX_MESSAGE_BYTES });
 * ```
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 65536;

/**
 * What the header's 2-byte username length can express at all; a longer name cannot be framed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrame, FrameEncodeError, HEADER_MAX_USERNAME_BYTES } from "./mod.ts";
 * const username = "a".repeat(HEADER_MAX_USERNAME_BYTES + 1);
 * assert.throws(() => encodeFrame({ username, message: "" }), FrameEncodeError);
 * ```
 */
export const HEADER_MAX_USERNAME_BYTES = 0xffff;
/**
 * What the header's 4-byte message length can express; a longer message cannot be framed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HEADER_MAX_MESSAGE_BYTES, utf8ByteLength } from "./mod.ts";
 * // Check a message fits before framing it, without encoding it first.
 * assert.ok(utf8ByteLength("hi!") <= HEADER_MAX_MESSAGE_BYTES);
 * ```
 */
export const HEADER_MAX_MESSAGE_BYTES = 0xffffffff;

/**
 * Base class of every error the codec raises, so callers can tell protocol faults apart.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFrame, ProtocolError } from "./mod.ts";
 * // Three bytes are not a whole frame: a protocol fault, with a code for logs.
 * assert.throws(
 *   () => decodeFrame(new Uint8Array([0, 2, 0])),
 *   (error) => error instanceof ProtocolError && error.code === "incomplete-frame",
 * );
 * ```
 */
export class ProtocolError extends Error {
  /** A stable machine-readable code (for logs and tests; the message is for people). */
  readonly code: string;
  /**
   * Subclasses call this; the error's `name` becomes the subclass's name.
   *
   * @param code A stable machine-readable code, such as `"incomplete-frame"`.
   * @param message A sentence for people.
   */
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * True for a notice: the server's own words, which no user can forge.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isNotice } from "./mod.ts";
 * assert.equal(isNotice({ username: "", message: "al joined" }), true);
 * assert.equal(isNotice({ username: "al", message: "hi!" }), false);
 * ```
 */
export function isNotice(frame: Frame): boolean {
  return frame.username.length === 0;
}

/**
 * Builds a notice frame, so callers never spell the empty-username convention themselves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFrame, encodeFrame, isNotice, notice } from "./mod.ts";
 * const frame = decodeFrame(encodeFrame(notice("al joined")));
 * assert.ok(isNotice(frame));
 * assert.equal(frame.message, "al joined");
 * ```
 */
export function notice(message: string): Frame {
  return { username: "", message };
}
