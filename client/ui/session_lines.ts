/**
 * What the interactive client shows for each session event: chat lines and notices as they
 * came, and one short line for each change of the connection (lost, retrying, back online).
 * @module
 */

import { describeCloseReason } from "../connection.ts";
import type { SessionEvent } from "../session.ts";
import type { ChatLine } from "./format.ts";

/** The line to print for a session event, or undefined when it shows nothing. */
export function sessionEventLine(event: SessionEvent, now: Date): ChatLine | undefined {
  switch (event.type) {
    case "frame": {
      const { username, message } = event.frame;
      const time = event.receivedAt;
      return event.kind === "chat"
        ? { kind: "chat", time, from: username, text: message }
        : { kind: "notice", time, text: message };
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
