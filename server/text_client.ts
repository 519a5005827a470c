/**
 * Recognizing a client that speaks text to the binary port (an IRC client's `NICK alice`, an
 * HTTP request, someone in telnet) from its first bytes, so it gets a line it can read and the
 * console names the likely cause instead of a length error.
 * @module
 */

import { MAX_USERNAME_BYTES } from "../protocol/mod.ts";

/** The leave reason and console cause of such a connection. */
export const TEXT_CLIENT_REASON = "text client";

/** What it is told, in plain text, before the connection is closed (IRC clients show it too). */
export const TEXT_CLIENT_REPLY: Uint8Array = new TextEncoder().encode(
  "ERROR :Closing link: this port speaks chat frames (see PROTOCOL.md), not text such as IRC, " +
    "HTTP or telnet; connect with 'chat client HOST PORT NAME'\r\n",
);

/** How many of the first bytes are looked at (the frame header's length). */
const HEADER_BYTES = 6;

function isTextByte(byte: number): boolean {
  return (byte >= 0x20 && byte <= 0x7e) || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/**
 * True when the first bytes of a connection are printable ASCII where a frame header would be:
 * a header whose first two bytes are text declares a name of at least 0x0909 bytes, far more
 * than any name may have, so no chat client ever starts like this. Needs at least two bytes.
 */
export function looksLikeText(first: Uint8Array): boolean {
  if (first.length < 2) return false;
  const declaredName = (first[0] << 8) | first[1];
  if (declaredName <= MAX_USERNAME_BYTES) return false;
  const end = Math.min(first.length, HEADER_BYTES);
  for (let i = 0; i < end; i++) {
    if (!isTextByte(first[i])) return false;
  }
  return true;
}

/** The start of what it sent, for the console: its first line, printable, at most 40 chars. */
export function textSample(first: Uint8Array): string {
  const line = new TextDecoder().decode(first.subarray(0, 80)).split(/\r?\n/)[0];
  return line.replace(/[^\x20-\x7e]/g, "?").slice(0, 40);
}
