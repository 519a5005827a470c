/**
 * The login's decisions, apart from the session that acts on them: the name rules, a ban on the
 * name or its look-alikes, whether a cluster-wide claim must come first, and entering the room
 * under a name no one else (nor a look-alike) holds. Refusals are values, so the session's one
 * end path sends the notice and closes.
 * @module
 */

import { checkUsername } from "../protocol/mod.ts";
import type { Clock } from "./clock.ts";
import { bannedNotice } from "./moderation/notices.ts";
import type { Moderation } from "./moderation/moderation.ts";
import type { NameClaims } from "./name_claims.ts";
import { errorNotice, lookalikeTakenNotice, nameTakenNotice } from "./notices.ts";
import type { Member, Room } from "./room.ts";

/** A login turned away: the leave reason and the notice the client is sent before the close. */
export interface LoginRefusal {
  readonly ok: false;
  /** The leave reason (the console's, and the transport's close). */
  readonly reason: string;
  /** The error notice the client gets. */
  readonly notice: string;
}

/** A name that passed the rules and no ban covers, or why not. */
export type LoginCheck =
  | { readonly ok: true; readonly name: string; readonly key: string }
  | LoginRefusal;

/** Checks the first frame's name against the rules and the bans; the checked name on success. */
export function checkLogin(
  username: string,
  moderation: Moderation | undefined,
  clock: Clock,
): LoginCheck {
  const check = checkUsername(username);
  if (!check.ok) {
    return { ok: false, reason: "invalid name", notice: errorNotice(check.error.message) };
  }
  const ban = moderation?.banForName(check.key) ?? null;
  if (ban !== null) return { ok: false, reason: "banned", notice: bannedNotice(ban, clock.now()) };
  return check;
}

/**
 * True when the name must be claimed cluster-wide before entering: there are claims, and this
 * room holds neither the name nor a look-alike (those are refused locally without asking).
 */
export function needsClaim(
  claims: NameClaims | undefined,
  room: Room,
  name: string,
  key: string,
): claims is NameClaims {
  return claims !== undefined && room.find(key) === undefined &&
    room.lookalike(name, key) === undefined;
}

/** Joins `member` to the room under its checked name; null, or why the name is taken. */
export function joinRoom(
  room: Room,
  member: Member,
  name: string,
  key: string,
): LoginRefusal | null {
  const lookalike = room.lookalike(name, key);
  if (lookalike !== undefined) {
    return { ok: false, reason: "name taken", notice: lookalikeTakenNotice(name, lookalike.name) };
  }
  if (!room.join(member)) {
    const taken = room.find(key)?.name ?? name;
    return { ok: false, reason: "name taken", notice: nameTakenNotice(taken) };
  }
  return null;
}
