/**
 * The lines scripting mode prints for received frames: plain text (`HH:MM:SS <name> text`,
 * `HH:MM:SS -- notice`) made safe for a terminal, or one JSON object a line.
 * @module
 */

import type { Frame } from "../protocol/mod.ts";
import { sanitize } from "./ui/sanitize.ts";

/** What `--json` prints for each frame, one object a line. */
export interface JsonLine {
  /** When the frame arrived, ISO-8601 in UTC. */
  time: string;
  type: "chat" | "notice";
  /** The sender, or null for a server notice. */
  from: string | null;
  /** The text exactly as received. */
  text: string;
}

/** Local wall-clock time as `HH:MM:SS`. */
export function clockTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/**
 * One plain line for a frame. Name and text go through `sanitize`, so escape sequences are
 * removed and a newline inside a message cannot fake a second line.
 */
export function formatPlainLine(frame: Frame, receivedAt: Date): string {
  const time = clockTime(receivedAt);
  if (frame.username.length === 0) return `${time} -- ${sanitize(frame.message)}`;
  return `${time} <${sanitize(frame.username)}> ${sanitize(frame.message)}`;
}

// JSON.stringify escapes C0 controls but not C1 controls (a terminal may take U+009B as CSI),
// bidi overrides, or the line separators U+2028/U+2029; escape those too, keeping valid JSON
// with the same value.
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One JSON line for a frame; the text is exact, with every control character escaped. */
export function formatJsonLine(frame: Frame, receivedAt: Date): string {
  const line: JsonLine = {
    time: receivedAt.toISOString(),
    type: frame.username.length === 0 ? "notice" : "chat",
    from: frame.username.length === 0 ? null : frame.username,
    text: frame.message,
  };
  return JSON.stringify(line).replace(
    JSON_UNSAFE,
    (char) => "\\u" + char.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}
