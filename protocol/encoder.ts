/**
 * Encoding frames to bytes.
 * @module
 */

import {
  type Frame,
  HEADER_BYTES,
  HEADER_MAX_MESSAGE_BYTES,
  HEADER_MAX_USERNAME_BYTES,
  ProtocolError,
} from "./frame.ts";
import { encodeUtf8Into, utf8ByteLength } from "./utf8.ts";

/**
 * A field is longer than the 2- or 4-byte header length can express.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrame, FrameEncodeError } from "./mod.ts";
 * assert.throws(
 *   () => encodeFrame({ username: "a".repeat(70_000), message: "" }),
 *   (error) => error instanceof FrameEncodeError && error.field === "username",
 * );
 * ```
 */
export class FrameEncodeError extends ProtocolError {
  /** Which field does not fit. */
  readonly field: "username" | "message";
  /** Its length in bytes. */
  readonly bytes: number;
  /**
   * Raised by {@link encodeFrame}; code `"frame-unencodable"`.
   *
   * @param field The field that does not fit.
   * @param bytes Its length in UTF-8 bytes.
   */
  constructor(field: "username" | "message", bytes: number) {
    super("frame-unencodable", `${field} of ${bytes} bytes does not fit in the frame header`);
    this.field = field;
    this.bytes = bytes;
  }
}

/**
 * Encodes one frame into a single freshly allocated buffer (header and both strings), so a
 * broadcast can encode once and hand the same bytes to every recipient.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrame } from "./mod.ts";
 * const bytes = encodeFrame({ username: "al", message: "hi!" });
 * // Header (name length 2, message length 3), then "al", then "hi!".
 * assert.deepEqual(bytes, new Uint8Array([0, 2, 0, 0, 0, 3, 0x61, 0x6c, 0x68, 0x69, 0x21]));
 * ```
 */
export function encodeFrame(frame: Frame): Uint8Array {
  const nameBytes = utf8ByteLength(frame.username);
  const messageBytes = utf8ByteLength(frame.message);
  if (nameBytes > HEADER_MAX_USERNAME_BYTES) throw new FrameEncodeError("username", nameBytes);
  if (messageBytes > HEADER_MAX_MESSAGE_BYTES) throw new FrameEncodeError("message", messageBytes);
  const out = new Uint8Array(HEADER_BYTES + nameBytes + messageBytes);
  const view = new DataView(out.buffer);
  view.setUint16(0, nameBytes);
  view.setUint32(2, messageBytes);
  encodeUtf8Into(frame.username, nameBytes, out, HEADER_BYTES);
  encodeUtf8Into(frame.message, messageBytes, out, HEADER_BYTES + nameBytes);
  return out;
}
