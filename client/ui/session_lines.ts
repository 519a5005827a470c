/**
 * What the interactive client shows for each session event: chat lines and notices as they
 * came, and one short line for each change of the connection (lost, retrying, back online).
 * @module
 */

import { describeCloseReason } from "../connection.ts";
import type { BellMode } from "../options.ts";
import { mentions, parseRoomNotice } from "../room_notices.ts";
import type { SessionEvent } from "../session.ts";
import { type ChatLine, PRIVATE_PREFIX } from "./format.ts";

/**
 * The line to print for a session event, or undefined when it shows nothing. `me` is the name
 * logged in with: a chat line, action or history line from someone else that names it is marked
 * as a mention (your own lines never are).
 */
export function sessionEventLine(event: SessionEvent, now: Date, me = ""): ChatLine | undefined {
  switch (event.type) {
    case "frame": {
      const { username, message } = event.frame;
      const time = event.receivedAt;
      const mark = <T extends ChatLine & { from: string; text: string }>(line: T): T =>
        !sameName(line.from, me) && mentions(line.text, me) ? { ...line, mention: true } : line;
      if (event.kind === "chat") return mark({ kind: "chat", time, from: username, text: message });
      const parsed = parseRoomNotice(message);
      if (parsed?.kind === "history") return mark(parsed);
      if (parsed?.kind === "action") return mark({ ...parsed, time });
      return { kind: "notice", time, text: message };
    }
    case "bad-frame":
      return {
        kind: "info",
        time: event.receivedAt,
        text: `a message was dropped: ${event.error.message}`,
        error: true,
      };
    case "online":
      return event.reconnected
        ? { kind: "info", time: now, text: `reconnected as ${event.name}` }
        : undefined;
    case "offline":
      return {
        kind: "info",
        time: now,
        text: `${describeCloseReason(event.reason)}; reconnecting`,
        error: true,
      };
    case "retrying":
      return {
        kind: "info",
        time: now,
        text: `reconnecting in ${(event.delayMs / 1000).toFixed(1)} s (attempt ${event.attempt})`,
      };
    case "connect-failed":
      return { kind: "info", time: now, text: event.message, error: true };
    case "dropped":
      return {
        kind: "info",
        time: now,
        text: `offline queue full (${event.limit} lines): dropped "${event.text}"`,
        error: true,
      };
    case "ended":
      return undefined;
  }
}

function sameName(a: string, b: string): boolean {
  return a.normalize("NFC").toLowerCase() === b.normalize("NFC").toLowerCase();
}

/**
 * Whether a line rings the terminal bell: `never`; `mention` for a live line that names you and
 * for a private message to you; `always` for every live line from someone else. History never
 * rings (it was said before you came), and neither do your own lines.
 */
export function ringsBell(line: ChatLine, mode: BellMode, me: string): boolean {
  if (mode === "never") return false;
  const privateToMe = line.kind === "notice" && line.text.startsWith(PRIVATE_PREFIX);
  if (privateToMe) return true;
  if (line.kind !== "chat" && line.kind !== "action") return false;
  if (sameName(line.from, me)) return false;
  return mode === "always" || line.mention === true;
}
