/**
 * What moderation says to users and to the room, in one place (PROTOCOL.md states each text).
 * @module
 */

import { BANNED_BY, errorNotice, KICKED_BY } from "../notices.ts";
import type { BanRecord, MuteRecord, TopicRecord } from "../store/moderation_store.ts";
import { describeDuration, describeTimeLeft, formatTimeLeft } from "./duration.ts";

/** The name the server console acts under. */
export const CONSOLE_NAME = "server";

/** `: REASON`, or nothing for no reason. */
function because(reason: string): string {
  return reason === "" ? "" : `: ${reason}`;
}

/** The leave reason of a kick: `kicked by OPER: REASON` (everyone sees `NAME left (...)`). */
export function kickReason(by: string, reason: string): string {
  return `${KICKED_BY}${by}${because(reason)}`;
}

/** The leave reason of a user disconnected by a ban: `banned by OPER: REASON`. */
export function banLeaveReason(by: string, reason: string): string {
  return `${BANNED_BY}${by}${because(reason)}`;
}

/** Told to a kicked user before its connection closes. */
export function kickedNotice(by: string, reason: string): string {
  return errorNotice(`kicked by ${by}${because(reason)}`);
}

/** Told to a banned connection or login before it is closed: `error: banned (REASON; 1h 59m left)`. */
export function bannedNotice(ban: BanRecord, now: number): string {
  const parts = [ban.reason, describeTimeLeft(ban.until, now)].filter((part) => part !== "");
  return errorNotice(`banned (${parts.join("; ")})`);
}

/** Told to a muted user for each message dropped: `error: you are muted (12m left)`. */
export function mutedNotice(mute: MuteRecord, now: number): string {
  return errorNotice(`you are muted (${describeTimeLeft(mute.until, now)})`);
}

/** Told to the room when a ban is set: `alice banned 10.0.0.0/8 for 2h: spam`. */
export function banAnnouncement(ban: BanRecord): string {
  const span = describeDuration(ban.until === null ? null : ban.until - ban.setAt);
  return `${ban.setBy} banned ${ban.target} ${span}${because(ban.reason)}`;
}

/** Told to the room when the topic changes. */
export function topicChangedNotice(topic: TopicRecord): string {
  return `${topic.setBy} set the topic: ${topic.text}`;
}

/** The topic, after the welcome and for `/topic`. */
export function topicNotice(topic: TopicRecord | null): string {
  return topic === null ? "No topic is set" : `Topic: ${topic.text} (set by ${topic.setBy})`;
}

/** One line of `/bans`: `bob: set by alice 5m ago, spam, 1h 55m left`. */
export function banLine(ban: BanRecord, now: number): string {
  const reason = ban.reason === "" ? "no reason given" : ban.reason;
  const ago = formatTimeLeft(now - ban.setAt);
  return `  ${ban.target}: set by ${ban.setBy} ${ago} ago, ${reason}, ${
    describeTimeLeft(ban.until, now)
  }`;
}
