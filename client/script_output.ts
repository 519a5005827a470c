/**
 * The lines scripting mode prints for received frames: plain text (`HH:MM:SS <name> text`,
 * `HH:MM:SS -- notice`, history lines as the messages they were) made safe for a terminal, or one
 * JSON object a line.
 * @module
 */

import type { Frame } from "../protocol/mod.ts";
import { parseRoomNotice } from "./room_notices.ts";
import { sanitize } from "./ui/sanitize.ts";

/**
 * What `--json` prints, one object a line: each frame (`chat`, `notice`, and the parsed notice
 * forms `history` and `action`), and in JSON mode the client's own `error` and `status` lines.
 */
export type JsonLine =
  /** A chat message (`from` the sender) or a server notice (`from` null). */
  | { time: string; type: "chat" | "notice"; from: string | null; text: string }
  /** A history line: `time` is when the server received it; `action` marks a `/me`. */
  | { time: string; type: "history"; from: string; text: string; action?: true }
  /** A live `/me` action. */
  | { time: string; type: "action"; from: string; text: string }
  /** The client's own report: an error (what plain mode prints on stderr), or a status. */
  | { time: string; type: "error" | "status"; text: string };

/** Local wall-clock time as `HH:MM:SS`. */
export function clockTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/**
 * One plain line for a frame. Name and text go through `sanitize`, so escape sequences are
 * removed and a newline inside a message cannot fake a second line. A history line is printed
 * as the live line it was, at the time it was said: `HH:MM:SS <name> text` for a message,
 * `HH:MM:SS -- * name text` for a `/me` (the `History: ...` and `End of history` notices around
 * them tell a replay from live chat).
 */
export function formatPlainLine(frame: Frame, receivedAt: Date): string {
  if (frame.username.length > 0) {
    return `${clockTime(receivedAt)} <${sanitize(frame.username)}> ${sanitize(frame.message)}`;
  }
  const parsed = parseRoomNotice(frame.message);
  if (parsed?.kind === "history") {
    const said = clockTime(parsed.time);
    const [from, text] = [sanitize(parsed.from), sanitize(parsed.text)];
    return parsed.action ? `${said} -- * ${from} ${text}` : `${said} <${from}> ${text}`;
  }
  return `${clockTime(receivedAt)} -- ${sanitize(frame.message)}`;
}

// JSON.stringify escapes C0 controls but not C1 controls (a terminal may take U+009B as CSI),
// bidi overrides, or the line separators U+2028/U+2029; escape those too, keeping valid JSON
// with the same value.
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The JSON object for a frame: history lines and actions in their own forms. */
export function jsonLineOf(frame: Frame, receivedAt: Date): JsonLine {
  const time = receivedAt.toISOString();
  if (frame.username.length > 0) {
    return { time, type: "chat", from: frame.username, text: frame.message };
  }
  const parsed = parseRoomNotice(frame.message);
  if (parsed?.kind === "history") {
    const { from, text } = parsed;
    const line: JsonLine = { time: parsed.time.toISOString(), type: "history", from, text };
    return parsed.action ? { ...line, action: true } : line;
  }
  if (parsed?.kind === "action") {
    return { time, type: "action", from: parsed.from, text: parsed.text };
  }
  return { time, type: "notice", from: null, text: frame.message };
}

/** One JSON line for a frame; the text is exact, with every control character escaped. */
export function formatJsonLine(frame: Frame, receivedAt: Date): string {
  return stringifyJsonLine(jsonLineOf(frame, receivedAt));
}

/** One JSON line for the client's own error or status report. */
export function formatJsonReport(type: "error" | "status", text: string, at: Date): string {
  return stringifyJsonLine({ time: at.toISOString(), type, text });
}

function stringifyJsonLine(line: JsonLine): string {
  return JSON.stringify(line).replace(
    JSON_UNSAFE,
    (char) => "\\u" + char.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}
