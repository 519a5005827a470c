/**
 * The frame: the one unit of the chat wire protocol, and the limits that bound it.
 *
 * Layout (big-endian): UNameL (2 bytes), MessageL (4 bytes), Username (UTF-8), Message (UTF-8).
 * @module
 */

/** One protocol frame. A notice is a frame whose username is empty. */
export interface Frame {
  /** The sender's name; empty for a server notice (no user may have an empty name). */
  username: string;
  /** The text; empty after login means a keepalive. */
  message: string;
}

/** Size of the fixed header: 2 bytes of username length, 4 of message length. */
export const HEADER_BYTES = 6;

/** The largest username the protocol allows, in UTF-8 bytes (after NFC normalization). */
export const MAX_USERNAME_BYTES = 32;

/** The default largest message a server accepts, in UTF-8 bytes (64 KiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 65536;

/** What the header's fields can express at all; anything larger cannot be framed. */
export const HEADER_MAX_USERNAME_BYTES = 0xffff;
/** What the header's 4-byte message length can express. */
export const HEADER_MAX_MESSAGE_BYTES = 0xffffffff;

/** Base class of every error the codec raises, so callers can tell protocol faults apart. */
export class ProtocolError extends Error {
  /** A stable machine-readable code (for logs and tests; the message is for people). */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** True for a notice: the server's own words, which no user can forge. */
export function isNotice(frame: Frame): boolean {
  return frame.username.length === 0;
}

/** Builds a notice frame, so callers never spell the empty-username convention themselves. */
export function notice(message: string): Frame {
  return { username: "", message };
}
