/**
 * The messages instances exchange on the cluster's Redis channel: one JSON object per event,
 * stamped with the instance that sent it and a format version. Everything that arrives is
 * checked field by field, so a malformed or foreign message is reported, never applied.
 * @module
 */

import { decodeModerationChange, ModerationRecordError } from "../moderation/change_codec.ts";
import type { ModerationChange } from "../moderation/moderation.ts";

/**
 * The format version in every message; a different one is rejected. 2: private messages carry
 * the target's name, and a refused one is answered with `private-refused`.
 */
export const BUS_FORMAT_VERSION = 2;

/** Why the target's instance did not deliver a private message (the room's own outcomes). */
export type PrivateRefusal = "offline" | "busy";

/** One user of an instance: the uniqueness key and the name as others see it. */
export interface RosterEntry {
  readonly key: string;
  readonly name: string;
}

/** What one instance tells the others. `instance` is always the sender. */
export type BusEvent =
  | { kind: "joined"; instance: string; key: string; name: string }
  | { kind: "left"; instance: string; key: string; name: string; reason: string }
  | { kind: "message"; instance: string; key: string; name: string; text: string }
  | { kind: "action"; instance: string; key: string; name: string; text: string }
  | {
    kind: "private";
    instance: string;
    key: string;
    name: string;
    /** The target's key. */
    to: string;
    /** The target's name, as the sender's instance knows it (for a refusal). */
    toName: string;
    /** The instance the target is on: only it delivers. */
    toInstance: string;
    text: string;
  }
  | {
    /** The answer to a `private` the target's instance did not deliver. */
    kind: "private-refused";
    /** The target's instance, which refused. */
    instance: string;
    /** The sender's key. */
    to: string;
    /** The sender's instance: only it tells the sender. */
    toInstance: string;
    /** The target's name, from the refused message. */
    name: string;
    reason: PrivateRefusal;
  }
  | { kind: "roster"; instance: string; users: RosterEntry[] }
  | { kind: "moderation"; instance: string; change: ModerationChange };

/** A message on the channel that is not a valid event of this format. */
export class BusMessageError extends Error {
  constructor(reason: string) {
    super(`bad cluster message: ${reason}`);
    this.name = "BusMessageError";
  }
}

/** The channel text for an event. */
export function encodeBusEvent(event: BusEvent): string {
  return JSON.stringify({ v: BUS_FORMAT_VERSION, ...event });
}

/** Parses a channel message; throws BusMessageError when it is not a valid event. */
export function decodeBusEvent(text: string): BusEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BusMessageError("not JSON");
  }
  if (!isRecord(value)) throw new BusMessageError("not an object");
  if (value.v !== BUS_FORMAT_VERSION) {
    throw new BusMessageError(`format version ${String(value.v)}, expected ${BUS_FORMAT_VERSION}`);
  }
  const field = (name: string): string => {
    const got = value[name];
    if (typeof got !== "string") throw new BusMessageError(`field '${name}' is not a string`);
    return got;
  };
  const instance = field("instance");
  if (instance === "") throw new BusMessageError("empty instance");
  switch (value.kind) {
    case "joined":
      return { kind: "joined", instance, key: field("key"), name: field("name") };
    case "left":
      return {
        kind: "left",
        instance,
        key: field("key"),
        name: field("name"),
        reason: field("reason"),
      };
    case "message":
    case "action":
      return {
        kind: value.kind,
        instance,
        key: field("key"),
        name: field("name"),
        text: field("text"),
      };
    case "private":
      return {
        kind: "private",
        instance,
        key: field("key"),
        name: field("name"),
        to: field("to"),
        toName: field("toName"),
        toInstance: field("toInstance"),
        text: field("text"),
      };
    case "private-refused":
      return {
        kind: "private-refused",
        instance,
        to: field("to"),
        toInstance: field("toInstance"),
        name: field("name"),
        reason: refusal(value.reason),
      };
    case "roster":
      return { kind: "roster", instance, users: rosterEntries(value.users) };
    case "moderation":
      try {
        return { kind: "moderation", instance, change: decodeModerationChange(value.change) };
      } catch (error) {
        if (error instanceof ModerationRecordError) throw new BusMessageError(error.message);
        throw error;
      }
    default:
      throw new BusMessageError(`unknown kind ${JSON.stringify(value.kind)}`);
  }
}

function refusal(value: unknown): PrivateRefusal {
  if (value === "offline" || value === "busy") return value;
  throw new BusMessageError(`unknown refusal ${JSON.stringify(value)}`);
}

function rosterEntries(value: unknown): RosterEntry[] {
  if (!Array.isArray(value)) throw new BusMessageError("field 'users' is not an array");
  return value.map((entry) => {
    if (!isRecord(entry) || typeof entry.key !== "string" || typeof entry.name !== "string") {
      throw new BusMessageError("a roster entry is not {key, name}");
    }
    return { key: entry.key, name: entry.name };
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
