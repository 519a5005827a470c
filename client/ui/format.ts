/**
 * How each line of the conversation looks in the interactive client: time, the sender's name
 * in its color, the text. Notices are dimmed and marked `--`, private messages stand out, your
 * own lines are marked as yours. Everything from the network is sanitized here, at the last
 * step before the terminal.
 * @module
 */

import type { Styles } from "./colors.ts";
import { sanitize } from "./sanitize.ts";

/** One line of the conversation, before formatting. */
export type ChatLine =
  /** A chat message from someone else. */
  | { kind: "chat"; time: Date; from: string; text: string }
  /** A notice from the server (join, leave, welcome, errors, `[private] ...`). */
  | { kind: "notice"; time: Date; text: string }
  /** A line you sent, as you typed it. */
  | { kind: "own"; time: Date; from: string; text: string }
  /** A message from the client itself (help, connection status, client errors). */
  | { kind: "info"; time: Date; text: string; error?: boolean };

/** Private messages arrive as notices that start like this (protocol `/msg`). */
export const PRIVATE_PREFIX = "[private] ";

/** Error notices from the server start like this. */
export const ERROR_PREFIX = "error: ";

/** Local time as `HH:MM:SS`. */
export function formatTime(time: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}`;
}

/**
 * Formats one line for the terminal (one logical line: the terminal may wrap it, but it never
 * contains a line break or a control sequence other than the styles').
 * - chat: `12:00:00 <bob> hello`, the name in its color;
 * - notice: `12:00:00 -- alice joined`, dimmed; `12:00:00 ** [private] bob: hi`, highlighted;
 *   `12:00:00 !! error: ...` for error notices;
 * - own: `12:00:00 » <alice> hello`, the marker and name in bold;
 * - info: `12:00:00 -- text`, dimmed (or `!!` as an error).
 */
export function formatLine(line: ChatLine, style: Styles): string {
  const time = style.dim(formatTime(line.time));
  switch (line.kind) {
    case "chat": {
      const name = sanitize(line.from);
      return `${time} ${style.name(name, `<${name}>`)} ${sanitize(line.text)}`;
    }
    case "own": {
      const name = sanitize(line.from);
      return `${time} ${style.bold("»")} ${style.bold(style.name(name, `<${name}>`))} ${
        sanitize(line.text)
      }`;
    }
    case "notice": {
      const text = sanitize(line.text);
      if (text.startsWith(PRIVATE_PREFIX)) return `${time} ${style.highlight(`** ${text}`)}`;
      if (text.startsWith(ERROR_PREFIX)) return `${time} ${style.error(`!! ${text}`)}`;
      return `${time} ${style.dim(`-- ${text}`)}`;
    }
    case "info": {
      const text = sanitize(line.text);
      if (line.error === true) return `${time} ${style.error(`!! ${text}`)}`;
      return `${time} ${style.dim(`-- ${text}`)}`;
    }
  }
}
