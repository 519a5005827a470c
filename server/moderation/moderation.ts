/**
 * The room's moderation state: bans, mutes and the topic in memory (every check is a lookup, no
 * store round trip), loaded from the store at start and written through on every change. Changes
 * made here are published to the other instances of a cluster; changes that arrive from them are
 * applied to memory only (their instance wrote the store). Expired bans and mutes stop counting
 * by themselves: every check compares with the clock.
 * @module
 */

import type { Clock } from "../clock.ts";
import {
  type BanRecord,
  inForce,
  type ModerationStore,
  type MuteRecord,
  type TopicRecord,
} from "../store/moderation_store.ts";
import { type AddressRange, parseRange, rangeContains } from "./address.ts";
import { nameBanHolds } from "./targets.ts";

/** One change, as the bus carries it between instances. */
export type ModerationChange =
  | { op: "ban"; ban: BanRecord }
  | { op: "unban"; key: string }
  | { op: "mute"; mute: MuteRecord }
  | { op: "unmute"; key: string }
  | { op: "topic"; topic: TopicRecord }
  | { op: "kick"; key: string; by: string; reason: string; byConsole: boolean }
  | { op: "notice"; text: string };

/** What a change does beyond the state: the server disconnects and announces. */
export interface ModerationEffects {
  /** A ban is in force: disconnect the local users it matches. */
  banned(ban: BanRecord): void;
  /**
   * Another instance kicks a user: disconnect it if it is here (an operator only when the
   * console asked).
   */
  kick(key: string, by: string, reason: string, byConsole: boolean): void;
  /** The topic changed: the welcome shows the new one. */
  topicChanged(topic: TopicRecord): void;
  /** A notice from the console (`/say`) for everyone. */
  notice(text: string): void;
}

/** Where changes go to reach the other instances (a cluster bus); absent when alone. */
export interface ModerationPeers {
  publish(change: ModerationChange): void;
}

interface BanEntry {
  readonly ban: BanRecord;
  /** The range of an address ban; null for a name ban. */
  readonly range: AddressRange | null;
}

/** The range a ban key names, or null for a name ban. */
function rangeOfKey(key: string): AddressRange | null {
  return key.startsWith("net:") ? parseRange(key.slice(4)) : null;
}

/** Bans, mutes and the topic of one room. */
export class Moderation {
  readonly #store: ModerationStore;
  readonly #clock: Clock;
  readonly #problem: (text: string) => void;
  readonly #bans = new Map<string, BanEntry>();
  readonly #mutes = new Map<string, MuteRecord>();
  #topic: TopicRecord | null = null;
  #effects: ModerationEffects | null = null;
  #peers: ModerationPeers | null = null;
  readonly #writes = new Set<Promise<void>>();

  constructor(store: ModerationStore, clock: Clock, problem: (text: string) => void) {
    this.#store = store;
    this.#clock = clock;
    this.#problem = problem;
  }

  /** Reads what the store holds (at start). */
  async load(): Promise<void> {
    const state = await this.#store.loadModeration(this.#clock.now());
    for (const ban of state.bans) this.#putBan(ban);
    for (const mute of state.mutes) this.#mutes.set(mute.key, mute);
    this.#topic = state.topic;
  }

  /**
   * Reads the store again after changes may have been missed (a cluster link that was down):
   * bans new to this instance are enforced, lifted ones dropped, mutes replaced, a new topic
   * announced. A failure keeps what is in memory and is reported.
   */
  async resync(): Promise<void> {
    let state;
    try {
      state = await this.#store.loadModeration(this.#clock.now());
    } catch (error) {
      this.#problem(`moderation: cannot read the store again (${describe(error)})`);
      return;
    }
    const fresh = new Set(state.bans.map((ban) => ban.key));
    for (const key of [...this.#bans.keys()]) if (!fresh.has(key)) this.#bans.delete(key);
    for (const ban of state.bans) {
      const known = this.#bans.get(ban.key)?.ban;
      if (known === undefined || known.setAt !== ban.setAt) this.apply({ op: "ban", ban });
    }
    this.#mutes.clear();
    for (const mute of state.mutes) this.#mutes.set(mute.key, mute);
    const topic = state.topic;
    if (topic !== null && (this.#topic === null || this.#topic.setAt !== topic.setAt)) {
      this.apply({ op: "topic", topic });
    }
  }

  /** Sets what changes do to the room (the server). */
  setEffects(effects: ModerationEffects): void {
    this.#effects = effects;
  }

  /** Sets where changes are published (a cluster bus). */
  setPeers(peers: ModerationPeers | null): void {
    this.#peers = peers;
  }

  /** The topic, if one is set. */
  get topic(): TopicRecord | null {
    return this.#topic;
  }

  /** The ban in force for a connection from `ip`, if any: the one place the address is checked. */
  banForAddress(ip: string): BanRecord | null {
    const now = this.#clock.now();
    for (const entry of this.#bans.values()) {
      if (entry.range !== null && inForce(entry.ban.until, now) && rangeContains(entry.range, ip)) {
        return entry.ban;
      }
    }
    return null;
  }

  /** The ban in force for a name (by its uniqueness key), if any. */
  banForName(nameKey: string): BanRecord | null {
    const now = this.#clock.now();
    for (const entry of this.#bans.values()) {
      if (
        entry.range === null && inForce(entry.ban.until, now) &&
        nameBanHolds(entry.ban.key, nameKey)
      ) {
        return entry.ban;
      }
    }
    return null;
  }

  /** The mute in force for a name key, if any. */
  muteFor(nameKey: string): MuteRecord | null {
    const mute = this.#mutes.get(nameKey);
    return mute !== undefined && inForce(mute.until, this.#clock.now()) ? mute : null;
  }

  /** The ban under a ban key, in force or not. */
  banByKey(key: string): BanRecord | null {
    return this.#bans.get(key)?.ban ?? null;
  }

  /** Every ban in force, oldest first. */
  bans(): BanRecord[] {
    const now = this.#clock.now();
    return [...this.#bans.values()].map((entry) => entry.ban)
      .filter((ban) => inForce(ban.until, now))
      .sort((a, b) => a.setAt - b.setAt);
  }

  /** Sets a ban here, in the store and on every instance; disconnects who it matches. */
  ban(ban: BanRecord): void {
    this.#local({ op: "ban", ban }, () => this.#store.putBan(ban));
  }

  /** Lifts a ban; false when there was none in force under this key. */
  unban(key: string): boolean {
    const entry = this.#bans.get(key);
    if (entry === undefined || !inForce(entry.ban.until, this.#clock.now())) return false;
    this.#local({ op: "unban", key }, () => this.#store.deleteBan(key));
    return true;
  }

  /** Mutes a name everywhere. */
  mute(mute: MuteRecord): void {
    this.#local({ op: "mute", mute }, () => this.#store.putMute(mute));
  }

  /** Lifts a mute; false when the name was not muted. */
  unmute(key: string): boolean {
    if (this.muteFor(key) === null) return false;
    this.#local({ op: "unmute", key }, () => this.#store.deleteMute(key));
    return true;
  }

  /** Sets the topic everywhere. */
  setTopic(topic: TopicRecord): void {
    this.#local({ op: "topic", topic }, () => this.#store.putTopic(topic));
  }

  /** Asks the other instances to kick a user that is on one of them. */
  kickElsewhere(key: string, by: string, reason: string, byConsole: boolean): void {
    this.#peers?.publish({ op: "kick", key, by, reason, byConsole });
  }

  /** A notice to everyone on every instance (`/say`). */
  announce(text: string): void {
    const change: ModerationChange = { op: "notice", text };
    this.apply(change);
    this.#peers?.publish(change);
  }

  /** A change from another instance: memory and effects only. */
  apply(change: ModerationChange): void {
    switch (change.op) {
      case "ban":
        this.#putBan(change.ban);
        this.#effects?.banned(change.ban);
        return;
      case "unban":
        this.#bans.delete(change.key);
        return;
      case "mute":
        this.#mutes.set(change.mute.key, change.mute);
        return;
      case "unmute":
        this.#mutes.delete(change.key);
        return;
      case "topic":
        this.#topic = change.topic;
        this.#effects?.topicChanged(change.topic);
        return;
      case "kick":
        this.#effects?.kick(change.key, change.by, change.reason, change.byConsole);
        return;
      case "notice":
        this.#effects?.notice(change.text);
        return;
    }
  }

  /** Waits for the writes in progress (shutdown, tests). */
  async settle(): Promise<void> {
    while (this.#writes.size > 0) await Promise.all(this.#writes);
  }

  /** A change made here: memory and effects, then the store and the peers. */
  #local(change: ModerationChange, write: () => Promise<void>): void {
    this.apply(change);
    this.#peers?.publish(change);
    let task: Promise<void>;
    try {
      task = write();
    } catch (error) {
      task = Promise.reject(error);
    }
    const tracked = task.catch((error) => {
      this.#problem(`moderation: cannot save ${change.op} (${describe(error)})`);
    }).finally(() => this.#writes.delete(tracked));
    this.#writes.add(tracked);
  }

  #putBan(ban: BanRecord): void {
    let range: AddressRange | null = null;
    try {
      range = rangeOfKey(ban.key);
    } catch {
      this.#problem(`moderation: ignoring a ban with a bad key ${JSON.stringify(ban.key)}`);
      return;
    }
    this.#bans.set(ban.key, { ban, range });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0] : String(error);
}
