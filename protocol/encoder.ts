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

/** A field is longer than the 2- or 4-byte header length can express. */
export class FrameEncodeError extends ProtocolError {
  /** Which field does not fit. */
  readonly field: "username" | "message";
  /** Its length in bytes. */
  readonly bytes: number;
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
 * import { encodeFrame } from "./mod.ts";
 * encodeFrame({ username: "al", message: "hi!" }); // 00 02 00 00 00 03 61 6c 68 69 21
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
