/**
 * How each line of the conversation looks in the interactive client: time, the sender's name
 * in its color, the text. Notices are dimmed and marked `--`, private messages and lines that
 * mention you have styles of their own, your own lines are marked as yours, your commands are
 * shown as commands, history is dimmed. Everything from the network is sanitized here, at the
 * last step before the terminal.
 * @module
 */

import type { Styles } from "./colors.ts";
import { sanitize } from "./sanitize.ts";

/** One line of the conversation, before formatting. */
export type ChatLine =
  /** A chat message from someone else; `mention` when it names you. */
  | { kind: "chat"; time: Date; from: string; text: string; mention?: boolean }
  /** A `/me` action (`* alice waves`), yours included. */
  | { kind: "action"; time: Date; from: string; text: string; mention?: boolean }
  /** A line from the room's history: `time` is when it was said. */
  | {
    kind: "history";
    time: Date;
    from: string;
    text: string;
    action: boolean;
    mention?: boolean;
  }
  /** A notice from the server (join, leave, welcome, errors, `[private] ...`). */
  | { kind: "notice"; time: Date; text: string }
  /** A chat line you sent, as it was sent. */
  | { kind: "own"; time: Date; from: string; text: string }
  /** A command you sent to the server (`/users`), shown as a command. */
  | { kind: "command"; time: Date; text: string }
  /** A private message you sent (`/msg bob psst` shows as `-> bob: psst`). */
  | { kind: "private-out"; time: Date; to: string; text: string }
  /** A message from the client itself (help, connection status, client errors). */
  | { kind: "info"; time: Date; text: string; error?: boolean }
  /** The day changed between two lines (history from another day, midnight). */
  | { kind: "day"; time: Date };

/** Private messages arrive as notices that start like this (protocol `/msg`). */
export const PRIVATE_PREFIX = "[private] ";

/** Error notices from the server start like this. */
export const ERROR_PREFIX = "error: ";

/** Local time as `HH:MM:SS`. */
export function formatTime(time: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}`;
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** The local day of a time, `Thursday 3 December 2026` (the day separator's text). */
export function formatDay(time: Date): string {
  return `${WEEKDAYS[time.getDay()]} ${time.getDate()} ${
    MONTHS[time.getMonth()]
  } ${time.getFullYear()}`;
}

/** A key that changes when the local day does. */
export function dayKey(time: Date): string {
  return `${time.getFullYear()}-${time.getMonth()}-${time.getDate()}`;
}

/**
 * Formats one line for the terminal: one logical line (the caller wraps it, see `wrap.ts`) that
 * never contains a line break or a control sequence other than the styles'. `indent` is the
 * display width of what comes before the text, so continuation rows can line up under it.
 * - chat: `12:00:00 <bob> hello`, the name in its color, the text in the mention style when it
 *   names you;
 * - action: `12:00:00 * bob waves`;
 * - history: `12:03:11 <bob> hello` (its own time) or `12:03:11 * bob waves`, dimmed;
 * - notice: `12:00:00 -- alice joined`, dimmed; `12:00:00 ** [private] bob: hi` in the private
 *   style; `12:00:00 !! error: ...` for error notices;
 * - own: `12:00:00 » <alice> hello`, the marker and name in bold;
 * - command: `12:00:00 » /users`, dimmed; private-out: `12:00:00 -> bob: psst`, private style;
 * - info: `12:00:00 -- text`, dimmed (or `!!` as an error);
 * - day: `-- Thursday 3 December 2026 --`, dimmed.
 */
export function formatLine(line: ChatLine, style: Styles): string {
  return layoutLine(line, style).text;
}

/** A formatted line and the width of its lead (time, marker, name) for wrapping. */
export interface FormattedLine {
  text: string;
  indent: number;
}

/** {@link formatLine} with the indent of its continuation rows. */
export function layoutLine(line: ChatLine, style: Styles): FormattedLine {
  if (line.kind === "day") return { text: style.dim(`-- ${formatDay(line.time)} --`), indent: 3 };
  const time = style.dim(formatTime(line.time));
  const lead = (plainLead: string, styledLead: string, body: string): FormattedLine => ({
    text: `${time} ${styledLead}${body}`,
    indent: 9 + [...plainLead].length,
  });
  switch (line.kind) {
    case "chat": {
      const name = sanitize(line.from);
      const text = sanitize(line.text);
      return lead(
        `<${name}> `,
        `${style.name(name, `<${name}>`)} `,
        line.mention === true ? style.mention(text) : text,
      );
    }
    case "action": {
      const name = sanitize(line.from);
      const text = sanitize(line.text);
      const body = `${style.name(name)} ${text}`;
      return lead(`* ${name} `, "* ", line.mention === true ? style.mention(body) : body);
    }
    case "history": {
      const name = sanitize(line.from);
      const text = sanitize(line.text);
      const plainLead = line.action ? `* ${name} ` : `<${name}> `;
      const body = line.mention === true ? style.mention(text) : style.dim(text);
      return lead(plainLead, style.dim(plainLead), body);
    }
    case "own": {
      const name = sanitize(line.from);
      return lead(
        `» <${name}> `,
        `${style.bold("»")} ${style.bold(style.name(name, `<${name}>`))} `,
        sanitize(line.text),
      );
    }
    case "command":
      return lead("» ", style.dim("» "), style.dim(sanitize(line.text)));
    case "private-out": {
      const to = sanitize(line.to);
      return lead(
        `-> ${to}: `,
        style.private(`-> ${to}:`) + " ",
        style.private(sanitize(line.text)),
      );
    }
    case "notice": {
      const text = sanitize(line.text);
      if (text.startsWith(PRIVATE_PREFIX)) return lead("** ", "", style.private(`** ${text}`));
      if (text.startsWith(ERROR_PREFIX)) return lead("!! ", "", style.error(`!! ${text}`));
      return lead("-- ", "", style.dim(`-- ${text}`));
    }
    case "info": {
      const text = sanitize(line.text);
      if (line.error === true) return lead("!! ", "", style.error(`!! ${text}`));
      return lead("-- ", "", style.dim(`-- ${text}`));
    }
  }
}
