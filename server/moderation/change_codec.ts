/**
 * Moderation records and changes checked field by field when they come from outside this
 * process (the cluster's channel, Redis): a malformed one is rejected, never applied.
 * @module
 */

import type { BanRecord, MuteRecord, TopicRecord } from "../store/moderation_store.ts";
import type { ModerationChange } from "./moderation.ts";

/** A record or change that is not valid. */
export class ModerationRecordError extends Error {
  constructor(reason: string) {
    super(`bad moderation record: ${reason}`);
    this.name = "ModerationRecordError";
  }
}

type Fields = Record<string, unknown>;

function record(value: unknown, what: string): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ModerationRecordError(`${what} is not an object`);
  }
  return value as Fields;
}

function text(fields: Fields, name: string): string {
  const value = fields[name];
  if (typeof value !== "string") throw new ModerationRecordError(`'${name}' is not a string`);
  return value;
}

function time(fields: Fields, name: string): number {
  const value = fields[name];
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new ModerationRecordError(`'${name}' is not a time`);
  }
  return value;
}

function until(fields: Fields): number | null {
  return fields.until === null ? null : time(fields, "until");
}

/** A ban as JSON data; throws ModerationRecordError. */
export function decodeBan(value: unknown): BanRecord {
  const f = record(value, "a ban");
  return {
    key: text(f, "key"),
    target: text(f, "target"),
    setBy: text(f, "setBy"),
    reason: text(f, "reason"),
    setAt: time(f, "setAt"),
    until: until(f),
  };
}

/** A mute as JSON data; throws ModerationRecordError. */
export function decodeMute(value: unknown): MuteRecord {
  const f = record(value, "a mute");
  return {
    key: text(f, "key"),
    name: text(f, "name"),
    setBy: text(f, "setBy"),
    setAt: time(f, "setAt"),
    until: until(f),
  };
}

/** A topic as JSON data; throws ModerationRecordError. */
export function decodeTopic(value: unknown): TopicRecord {
  const f = record(value, "a topic");
  return { text: text(f, "text"), setBy: text(f, "setBy"), setAt: time(f, "setAt") };
}

/** A change as the bus carries it; throws ModerationRecordError. */
export function decodeModerationChange(value: unknown): ModerationChange {
  const f = record(value, "a change");
  switch (f.op) {
    case "ban":
      return { op: "ban", ban: decodeBan(f.ban) };
    case "unban":
      return { op: "unban", key: text(f, "key") };
    case "mute":
      return { op: "mute", mute: decodeMute(f.mute) };
    case "unmute":
      return { op: "unmute", key: text(f, "key") };
    case "topic":
      return { op: "topic", topic: decodeTopic(f.topic) };
    case "kick":
      if (typeof f.byConsole !== "boolean") {
        throw new ModerationRecordError("'byConsole' is not a boolean");
      }
      return {
        op: "kick",
        key: text(f, "key"),
        by: text(f, "by"),
        reason: text(f, "reason"),
        byConsole: f.byConsole,
      };
    case "notice":
      return { op: "notice", text: text(f, "text") };
    default:
      throw new ModerationRecordError(`unknown op ${JSON.stringify(f.op)}`);
  }
}
