/**
 * Counting what happens in the room (logins, leaves by reason, messages) from the room's own
 * events, so the session and the room carry no metrics code. Only this instance's clients are
 * counted: the users of other cluster instances are counted by their own instance.
 * @module
 */

import { LeaveReason } from "../notices.ts";
import type { Room, RoomEvent } from "../room.ts";
import type { MetricSource, Sample } from "./registry.ts";

/** The bounded set of `reason` label values of `chat_leaves_total`. */
export const LEAVE_LABELS = [
  "quit",
  "closed",
  "reset",
  "timed_out",
  "too_slow",
  "protocol_error",
  "shutdown",
  "name_lost",
  "kicked",
  "banned",
  "other",
] as const;

/** One of {@link LEAVE_LABELS}. */
export type LeaveLabel = typeof LEAVE_LABELS[number];

/** The label for a leave reason as the console shows it: a fixed set, whatever the text. */
export function leaveLabel(reason: string): LeaveLabel {
  switch (reason) {
    case LeaveReason.quit:
      return "quit";
    case LeaveReason.closed:
      return "closed";
    case LeaveReason.reset:
      return "reset";
    case LeaveReason.timedOut:
      return "timed_out";
    case LeaveReason.shutdown:
      return "shutdown";
  }
  if (reason.startsWith("too slow")) return "too_slow";
  if (reason.startsWith("protocol error") || reason === "invalid name") return "protocol_error";
  if (reason.startsWith("name lost")) return "name_lost";
  if (reason.startsWith("kicked")) return "kicked";
  if (reason.startsWith("banned")) return "banned";
  return "other";
}

/** Logins, leaves and messages of this instance's clients, counted from room events. */
export class RoomCounters {
  #logins = 0;
  #roomMessages = 0;
  #privateMessages = 0;
  readonly #leaves = new Map<LeaveLabel, number>(LEAVE_LABELS.map((label) => [label, 0]));
  readonly #unsubscribe: () => void;

  constructor(room: Room) {
    this.#unsubscribe = room.subscribe((event) => this.#count(event));
  }

  /** Stops counting. */
  close(): void {
    this.#unsubscribe();
  }

  /** The chat_ metrics these counts feed. */
  sources(): MetricSource[] {
    return [
      {
        name: "chat_logins_total",
        help: "Clients that logged in to this instance.",
        type: "counter",
        read: () => this.#logins,
      },
      {
        name: "chat_leaves_total",
        help: "Clients of this instance that left the room, by reason.",
        type: "counter",
        read: () =>
          LEAVE_LABELS.map((reason): Sample => ({
            labels: { reason },
            value: this.#leaves.get(reason) ?? 0,
          })),
      },
      {
        name: "chat_slow_consumer_drops_total",
        help:
          "Clients dropped because they read too slowly (bytes left unsent too long, or too many).",
        type: "counter",
        read: () => this.#leaves.get("too_slow") ?? 0,
      },
      {
        name: "chat_messages_received_total",
        help: "Messages accepted from this instance's clients, room chat or private.",
        type: "counter",
        read: () => [
          { labels: { kind: "room" }, value: this.#roomMessages },
          { labels: { kind: "private" }, value: this.#privateMessages },
        ],
      },
    ];
  }

  #count(event: RoomEvent): void {
    if (event.member.instance !== undefined) return;
    switch (event.kind) {
      case "joined":
        this.#logins++;
        return;
      case "left": {
        const label = leaveLabel(event.reason);
        this.#leaves.set(label, (this.#leaves.get(label) ?? 0) + 1);
        return;
      }
      case "message":
        this.#roomMessages++;
        return;
      case "private":
        this.#privateMessages++;
        return;
    }
  }
}
