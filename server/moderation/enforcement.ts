/**
 * What moderation does to this instance's connections and room: a ban closes the connections it
 * matches and is announced, a kick from another instance closes its user here, the topic goes
 * into every welcome. Also the one check of a new connection's address against the bans, and the
 * console's view of the connections.
 * @module
 */

import type { Clock } from "../clock.ts";
import { formatClockTime, type ServerConsole } from "../console.ts";
import type { Room } from "../room.ts";
import type { BanRecord, TopicRecord } from "../store/moderation_store.ts";
import { parseRange, rangeContains } from "./address.ts";
import type { Moderation } from "./moderation.ts";
import {
  banAnnouncement,
  banLeaveReason,
  bannedNotice,
  kickedNotice,
  kickReason,
  topicChangedNotice,
  topicNotice,
} from "./notices.ts";
import { nameBanHolds } from "./targets.ts";

/** A connection of this instance, as moderation sees it (a session). */
export interface ModeratedConnection {
  readonly name: string;
  readonly key: string;
  /** The peer's IP address. */
  readonly address: string;
  /** The peer's `host:port`. */
  readonly remote: string;
  readonly loggedIn: boolean;
  readonly isOperator: boolean;
  /** When it was accepted (clock ms). */
  readonly connectedAt: number;
  /** Ends it with a notice; `reason` is what the room is told. */
  kick(notice: string, reason: string): void;
}

/** What enforcement works on. */
export interface EnforcementSettings {
  readonly room: Room;
  readonly moderation: Moderation;
  readonly console: ServerConsole;
  readonly clock: Clock;
  /** This instance's connections, logged in or not. */
  readonly connections: () => Iterable<ModeratedConnection>;
  /**
   * Wraps the room's notice of a topic change (`announce`), for a door whose clients are told it
   * their own way (IRC's TOPIC line); absent: the notice alone.
   */
  readonly announceTopic?: (topic: TopicRecord, announce: () => void) => void;
}

/** Moderation applied to one instance. */
export class Enforcement {
  readonly #settings: EnforcementSettings;

  /** Puts the topic in the welcome and takes over moderation's effects. */
  constructor(settings: EnforcementSettings) {
    this.#settings = settings;
    const { room, moderation, console } = settings;
    const topic = moderation.topic;
    room.setTopic(topic === null ? null : topicNotice(topic));
    moderation.setEffects({
      banned: (ban) => this.#enforceBan(ban),
      kick: (key, by, reason, byConsole) => {
        const target = this.localUser(key);
        if (target === undefined) return;
        if (target.isOperator && !byConsole) {
          console.problem(`refused a kick of operator ${target.name} by ${by} (another instance)`);
          return;
        }
        target.kick(kickedNotice(by, reason), kickReason(by, reason));
      },
      notice: (text) => room.announce(text),
      topicChanged: (topic) => {
        room.setTopic(topicNotice(topic));
        const announce = () => room.announce(topicChangedNotice(topic));
        if (settings.announceTopic === undefined) announce();
        else settings.announceTopic(topic, announce);
      },
    });
  }

  /**
   * The ban notice for a new connection from `ip`, or null: the one place an address is checked
   * before its login is read (the accept path calls it).
   */
  banFor(ip: string): string | null {
    const ban = this.#settings.moderation.banForAddress(ip);
    return ban === null ? null : bannedNotice(ban, this.#settings.clock.now());
  }

  /** A logged-in connection of this instance by name key. */
  localUser(key: string): ModeratedConnection | undefined {
    for (const connection of this.#settings.connections()) {
      if (connection.loggedIn && connection.key === key) return connection;
    }
    return undefined;
  }

  /** The console's `/users`: each connection's name, address and connect time. */
  consoleUserList(): string[] {
    const all = [...this.#settings.connections()];
    const lines = [`Connections here (${all.length}):`];
    for (const connection of all) {
      const name = connection.loggedIn ? connection.name : "(logging in)";
      const role = connection.isOperator ? " operator" : "";
      const since = formatClockTime(connection.connectedAt);
      lines.push(`  ${name} from ${connection.remote} since ${since}${role}`);
    }
    const elsewhere = this.#settings.room.size - all.filter((c) => c.loggedIn).length;
    if (elsewhere > 0) lines.push(`  and ${elsewhere} on other instances`);
    return lines;
  }

  /** A ban is set: the room is told, and this instance's connections it matches are closed. */
  #enforceBan(ban: BanRecord): void {
    this.#settings.room.announce(banAnnouncement(ban));
    const range = ban.key.startsWith("net:") ? parseRange(ban.key.slice(4)) : null;
    const notice = bannedNotice(ban, this.#settings.clock.now());
    const reason = banLeaveReason(ban.setBy, ban.reason);
    for (const connection of [...this.#settings.connections()]) {
      const matches = range !== null
        ? rangeContains(range, connection.address)
        : connection.loggedIn && nameBanHolds(ban.key, connection.key);
      if (matches) connection.kick(notice, reason);
    }
  }
}
