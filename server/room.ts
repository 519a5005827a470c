/**
 * The chat room: who is online under which unique name, and the fan-out of messages and
 * notices. It knows members only as things that take bytes, never sockets, and it publishes
 * what happens as events so a cluster bus can mirror the room elsewhere.
 * @module
 */

import { encodeFrame, notice, utf8ByteLength } from "../protocol/mod.ts";
import {
  actionNotice,
  isModerationLeave,
  JOIN_NAME_LIMIT,
  joinNotice,
  leaveNotice,
  onlineList,
  privateNotice,
  WELCOME_NAME_LIMIT,
  welcomeNotice,
} from "./notices.ts";
import { type BatchOptions, NoticeBatcher } from "./notice_batcher.ts";
import { Roster } from "./roster.ts";

/** Someone in the room: a local session today, perhaps a remote user later. */
export interface Member {
  /** The registered name, NFC-normalized, as others see it. */
  readonly name: string;
  /** The uniqueness key (usernameKey of the name). */
  readonly key: string;
  /**
   * Hands over one or more encoded frames; must not block and must not modify the bytes.
   * `fanOut` is true when the same bytes are being handed to every member in turn, so a local
   * member may keep one shared copy instead of its own reference.
   */
  deliver(bytes: Uint8Array, fanOut?: boolean): void;
  /** The other instance a remote member is on (set by a cluster bus); absent for local ones. */
  readonly instance?: string;
  /** Ends a local member's connection with a notice (a cluster bus uses it when a name is lost). */
  kick?(notice: string, reason: string): void;
  /**
   * True for a member that learns joins, leaves, its welcome and private messages from the
   * room's events and tells them in its own protocol (an IRC client): the room sends it no
   * notices for them. Chat and other notices reach it as frames like everyone else.
   */
  readonly followsEvents?: boolean;
  /**
   * Takes `bytes` from a local member's budget for incoming private messages (from everyone
   * together); false means this one is refused. Absent: no budget.
   */
  admitPrivate?(bytes: number): boolean;
}

/** What became of a private message: delivered, nobody by that name, or the target's budget full. */
export type PrivateOutcome = "sent" | "offline" | "busy";

/** What happened in the room, for listeners such as the console or a cluster bus. */
export type RoomEvent =
  | { kind: "joined"; name: string; member: Member }
  | { kind: "left"; name: string; reason: string; member: Member }
  | { kind: "message"; from: string; text: string; member: Member }
  | { kind: "action"; from: string; text: string; member: Member }
  | { kind: "private"; from: string; to: string; text: string; member: Member; target: Member };

/** A leave waiting in a busy moment's batch: who, and why. */
interface GatheredLeave {
  readonly name: string;
  readonly reason: string;
}

/** Receives room events, synchronously, in order. */
export type RoomListener = (event: RoomEvent) => void;

/** How leaving is announced. */
export interface LeaveOptions {
  /** Tell the remaining members (default true; false during shutdown, where all are told once). */
  announce?: boolean;
}

/** How a room is set up. */
export interface RoomOptions {
  /**
   * Gather the join and leave notices of busy moments and announce them together (the server
   * always does; without it every join and leave is announced on its own at once). Joins and
   * leaves each get a batcher with these numbers.
   */
  batching?: BatchOptions;
  /**
   * The look-alike form of a name (the server's: its confusables skeleton); names with the same
   * one look the same, so a login whose name looks like an online one is refused. Without it only
   * keys are compared.
   */
  skeleton?: (name: string) => string;
}

/**
 * The members (a {@link Roster}: unique keys, display order, look-alikes) and everything said to
 * them. Every broadcast encodes its frame once and hands the same bytes to each recipient.
 *
 * Join and leave notices may be gathered (see {@link RoomOptions.batching}); whatever the room
 * sends next first announces what is gathered, so nobody sees a newcomer's message, leave or
 * private message before the newcomer's join, nor a returning name's join before its leave. Only
 * one kind is gathered at a time: a join first announces gathered leaves and a leave gathered
 * joins, so the two never change places. Events (for IRC clients, the console, a cluster bus)
 * are emitted at once, one per join or leave.
 */
export class Room {
  readonly #roster: Roster<Member>;
  readonly #listeners = new Set<RoomListener>();
  readonly #joins: NoticeBatcher<Member> | null;
  readonly #leaves: NoticeBatcher<GatheredLeave> | null;
  /** Which kind of notice is gathered now, if any (never both). */
  #gathered: "joins" | "leaves" | null = null;
  #replay: (() => Uint8Array | null) | null = null;
  /** The topic notice every newcomer gets right after its welcome, encoded once; null: none. */
  #topic: Uint8Array | null = null;

  constructor(options: RoomOptions = {}) {
    this.#roster = new Roster<Member>(options.skeleton ?? null);
    const batching = options.batching;
    this.#joins = batching === undefined
      ? null
      : new NoticeBatcher<Member>(batching, () => this.announceGathered());
    this.#leaves = batching === undefined
      ? null
      : new NoticeBatcher<GatheredLeave>(batching, () => this.announceGathered());
  }

  /** How many members are online. */
  get size(): number {
    return this.#roster.size;
  }

  /** The member registered under this name (compared case-insensitively), if any. */
  find(key: string): Member | undefined {
    return this.#roster.find(key);
  }

  /**
   * The online member whose name looks like `name` (same skeleton) under another key, if any:
   * `оbs0` with a Cyrillic о finds `obs0`.
   */
  lookalike(name: string, key: string): Member | undefined {
    return this.#roster.lookalike(name, key);
  }

  /** True if this exact member is in the room. */
  contains(member: Member): boolean {
    return this.#roster.contains(member);
  }

  /** Names in display order; `limit` takes only the first ones. */
  names(limit = Infinity): string[] {
    return this.#roster.names(limit);
  }

  /**
   * Sets where a newcomer's replay comes from: encoded frames handed to each newcomer right
   * after its welcome, before anything live (null or empty bytes: nothing to replay).
   */
  setReplay(source: (() => Uint8Array | null) | null): void {
    this.#replay = source;
  }

  /** Sets the notice a newcomer gets after its welcome (the topic); null for none. */
  setTopic(text: string | null): void {
    this.#topic = text === null ? null : encodeFrame(notice(text));
  }

  /**
   * The replay a newcomer gets now (encoded frames, the same array until the history changes),
   * for members that show their welcome themselves and ask for it after (an IRC client).
   */
  replayBytes(): Uint8Array | null {
    const replay = this.#replay?.() ?? null;
    return replay !== null && replay.length > 0 ? replay : null;
  }

  /** Subscribes to room events; returns the unsubscribe function. */
  subscribe(listener: RoomListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Adds a member unless its key is taken. The newcomer gets the welcome, the others the join
   * notice. Returns false (and changes nothing) when the name is taken.
   */
  join(member: Member): boolean {
    if (this.#roster.has(member.key)) return false;
    // Those who left before this join are told of it first; the newcomer never hears of them.
    if (this.#gathered === "leaves") this.announceGathered();
    this.#roster.add(member);
    const welcome = welcomeNotice(member.name, this.size, this.names(WELCOME_NAME_LIMIT));
    if (member.followsEvents !== true) {
      member.deliver(encodeFrame(notice(welcome)));
      if (this.#topic !== null) member.deliver(this.#topic);
      const replay = this.#replay?.() ?? null;
      // The same bytes for every newcomer until the history changes: kept, never copied.
      if (replay !== null && replay.length > 0) member.deliver(replay);
    }
    if (this.#joins === null || this.#joins.admit(member)) {
      this.#fanOutRoster(encodeFrame(notice(joinNotice(member.name))), member);
    } else {
      this.#gathered = "joins";
    }
    this.#emit({ kind: "joined", name: member.name, member });
    return true;
  }

  /** Removes a member, once; the others are told why. Returns false if it was not in the room. */
  leave(member: Member, reason: string, options: LeaveOptions = {}): boolean {
    if (!this.contains(member)) return false;
    if (this.#gathered === "joins") this.announceGathered();
    this.#roster.remove(member);
    if (options.announce ?? true) {
      if (this.#leaves === null || isModerationLeave(reason)) {
        this.announceGathered();
        this.#fanOutRoster(encodeFrame(notice(leaveNotice(member.name, reason))), null);
      } else if (this.#leaves.admit({ name: member.name, reason })) {
        this.#fanOutRoster(encodeFrame(notice(leaveNotice(member.name, reason))), null);
      } else {
        this.#gathered = "leaves";
      }
    }
    this.#emit({ kind: "left", name: member.name, reason, member });
    return true;
  }

  /** Sends a chat message to everyone but its sender, stamped with the sender's name. */
  broadcast(from: Member, text: string): void {
    this.announceGathered();
    this.#fanOut(encodeFrame({ username: from.name, message: text }), from);
    this.#emit({ kind: "message", from: from.name, text, member: from });
  }

  /** An action (`/me`): the notice `* NAME TEXT` to everyone, its sender included. */
  action(from: Member, text: string): void {
    this.announceGathered();
    this.#fanOutRoster(encodeFrame(notice(actionNotice(from.name, text))), null);
    this.#emit({ kind: "action", from: from.name, text, member: from });
  }

  /** Sends a notice to every member (except `except`, if given). */
  announce(text: string, except: Member | null = null): void {
    this.announceGathered();
    this.#fanOut(encodeFrame(notice(text)), except);
  }

  /**
   * Delivers a private message as a notice to `targetKey`'s member, unless nobody by that name is
   * online or the target already receives private messages as fast as its budget allows.
   */
  sendPrivate(from: Member, targetKey: string, text: string): PrivateOutcome {
    const target = this.#roster.find(targetKey);
    if (target === undefined) return "offline";
    if (target.admitPrivate !== undefined && !target.admitPrivate(utf8ByteLength(text))) {
      return "busy";
    }
    this.announceGathered();
    if (target.followsEvents !== true) {
      target.deliver(encodeFrame(notice(privateNotice(from.name, text))));
    }
    this.#emit({ kind: "private", from: from.name, to: target.name, text, member: from, target });
    return "sent";
  }

  /**
   * The `/users` reply: everyone online. What is gathered is announced first, so the list never
   * contradicts the joins and leaves its reader was told (and `/users` stays a barrier).
   */
  userList(): string {
    this.announceGathered();
    return onlineList(this.size, this.names());
  }

  /**
   * Announces the gathered joins or leaves now. Called when the gathering window ends and before
   * anything else is sent.
   */
  announceGathered(): void {
    // On every broadcast's path: nothing gathered is the common case, and costs one check.
    if (this.#gathered === null) return;
    const kind = this.#gathered;
    this.#gathered = null;
    if (kind === "joins") this.#announceJoins();
    else this.#announceLeaves();
  }

  /**
   * The gathered joins: one notice naming them all to everyone who was online before them, and
   * to each of them the joins that came after it (the earlier ones were in its welcome).
   */
  #announceJoins(): void {
    if (this.#joins === null) return;
    const batch = this.#joins.drain();
    const joiners = batch.filter((member) => this.contains(member));
    if (joiners.length === 0) return;
    const names = joiners.map((member) => member.name);
    const inBatch = new Set(joiners);
    const all = encodeFrame(notice(joinNotice(names)));
    for (const member of this.#roster.members()) {
      if (!inBatch.has(member) && member.followsEvents !== true) member.deliver(all, true);
    }
    const firstNames = JOIN_NAME_LIMIT + 1;
    for (let i = 0; i < joiners.length - 1; i++) {
      if (joiners[i].followsEvents === true) continue;
      const later = names.slice(i + 1, i + 1 + firstNames);
      joiners[i].deliver(encodeFrame(notice(joinNotice(later, names.length - i - 1))));
    }
  }

  /**
   * The gathered leaves: one notice naming them all to everyone who remains, with their reason
   * when they all had the same one.
   */
  #announceLeaves(): void {
    if (this.#leaves === null) return;
    const batch = this.#leaves.drain();
    if (batch.length === 0) return;
    const reason = batch[0].reason;
    const shared = batch.every((leave) => leave.reason === reason) ? reason : null;
    const names = batch.map((leave) => leave.name);
    this.#fanOutRoster(encodeFrame(notice(leaveNotice(names, shared))), null);
  }

  /**
   * Stops gathering joins and leaves (the server is shutting down): what is gathered is
   * announced now and later ones at once, so no timer is left behind.
   */
  close(): void {
    this.announceGathered();
    this.#joins?.close();
    this.#leaves?.close();
  }

  #fanOut(bytes: Uint8Array, except: Member | null): void {
    for (const member of this.#roster.members()) {
      if (member !== except) member.deliver(bytes, true);
    }
  }

  /**
   * A join, leave or action notice: to the members that do not follow the room's events (the
   * others tell them in their own protocol).
   */
  #fanOutRoster(bytes: Uint8Array, except: Member | null): void {
    for (const member of this.#roster.members()) {
      if (member !== except && member.followsEvents !== true) member.deliver(bytes, true);
    }
  }

  #emit(event: RoomEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
