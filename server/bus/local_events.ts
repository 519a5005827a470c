/**
 * This instance's users and what they do, published to the other instances: joins (which record
 * the user in the roster, unless its claim was lost meanwhile), leaves, chat, and private
 * messages to remote users, and the answers to remote senders whose private messages to local
 * users were refused. A user whose message could not be published is told so; while the link is
 * down, the names of users who leave are kept to be freed once it is back.
 * @module
 */

import { encodeFrame, notice } from "../../protocol/mod.ts";
import type { ServerConsole } from "../console.ts";
import type { Member, Room, RoomEvent } from "../room.ts";
import type { BusEvent, RosterEntry } from "./codec.ts";
import type { ClusterLink } from "./link.ts";
import {
  busyNotPublishedNotice,
  busyPrivateNotSentNotice,
  nameLostNotice,
  notPublishedNotice,
  privateNotSentNotice,
} from "./notices.ts";
import { type BusBacklog, PUBLICATION_OVERHEAD_BYTES, publicationBytes } from "./backlog.ts";

/** What publishing works with: the bus's parts, and what the bus decides. */
export interface LocalEventsSettings {
  /** The local room (is a sender still here to be told). */
  readonly room: Room;
  /** The shared store. */
  readonly link: ClusterLink;
  /** Lost names. */
  readonly console: ServerConsole;
  /** True while events can be published. */
  readonly ready: () => boolean;
  /** A name to free in Redis once the link is back. */
  readonly releaseLater: (key: string) => void;
  /** Keeps a publication in the bus's pending work, so closing waits for it. */
  readonly track: (task: Promise<unknown>) => void;
  /** What is in flight to the store, bounded. */
  readonly backlog: BusBacklog;
}

/** Tracks the local users from the room's events and publishes what they do. */
export class LocalEvents {
  readonly #settings: LocalEventsSettings;
  readonly #room: Room;
  readonly #link: ClusterLink;
  /** Local members by key. */
  readonly #local = new Map<string, Member>();

  constructor(settings: LocalEventsSettings) {
    this.#settings = settings;
    this.#room = settings.room;
    this.#link = settings.link;
  }

  /** How many users are on this instance. */
  get size(): number {
    return this.#local.size;
  }

  /** The local users, for registering and renewing. */
  users(): RosterEntry[] {
    return [...this.#local.values()].map((member) => ({ key: member.key, name: member.name }));
  }

  /** Another instance now owns the name of local user `key`: it is disconnected if still here. */
  nameLost(key: string): void {
    const member = this.#local.get(key);
    if (member !== undefined) this.#nameLost(member);
  }

  /** A room event: those of local users are published (remote users' are the bus's own). */
  publish(event: RoomEvent): void {
    if (event.member.instance !== undefined) return;
    const { ready, releaseLater, track } = this.#settings;
    const self = this.#link.instanceId;
    const member = event.member;
    switch (event.kind) {
      case "joined": {
        this.#local.set(member.key, member);
        if (!ready()) return;
        track(this.#counted(
          this.#link.joined({ kind: "joined", instance: self, key: member.key, name: member.name })
            .then((kept) => {
              if (!kept) this.#nameLost(member);
            }, () => {/* the resync after reconnecting registers it */}),
        ));
        return;
      }
      case "left": {
        if (this.#local.get(member.key) === member) this.#local.delete(member.key);
        if (!ready()) {
          releaseLater(member.key);
          return;
        }
        track(this.#counted(
          this.#link.left({
            kind: "left",
            instance: self,
            key: member.key,
            name: member.name,
            reason: event.reason,
          }).catch(() => releaseLater(member.key)),
        ));
        return;
      }
      case "message":
      case "action":
        this.#publishFor(member, event.text, notPublishedNotice, busyNotPublishedNotice, {
          kind: event.kind,
          instance: self,
          key: member.key,
          name: member.name,
          text: event.text,
        });
        return;
      case "private": {
        const target = event.target;
        if (target.instance === undefined) return;
        const name = target.name;
        this.#publishFor(
          member,
          event.text,
          () => privateNotSentNotice(name),
          () => busyPrivateNotSentNotice(name),
          {
            kind: "private",
            instance: self,
            key: member.key,
            name: member.name,
            to: target.key,
            toName: target.name,
            toInstance: target.instance,
            text: event.text,
          },
        );
        return;
      }
    }
  }

  /**
   * Tells a remote sender's instance that its private message to a local user was refused. Best
   * effort: while the link is down or the backlog is full the answer is dropped, and the sender
   * is told nothing.
   */
  refusePrivate(event: BusEvent & { kind: "private-refused" }): void {
    const backlog = this.#settings.backlog;
    if (!this.#settings.ready() || !backlog.admit(PUBLICATION_OVERHEAD_BYTES)) return;
    this.#settings.track(
      this.#link.publish(event).then(
        () => backlog.done(PUBLICATION_OVERHEAD_BYTES),
        () => backlog.done(PUBLICATION_OVERHEAD_BYTES),
      ),
    );
  }

  /**
   * Publishes on behalf of a local user, who is told if it could not be done: the link is down
   * (`failure`), or the backlog is full (`busy`, the message shed).
   */
  #publishFor(
    sender: Member,
    text: string,
    failure: (text: string) => string,
    busy: (text: string) => string,
    event: BusEvent,
  ): void {
    const tell = (say: (text: string) => string) => {
      if (this.#room.contains(sender)) sender.deliver(encodeFrame(notice(say(text))));
    };
    if (!this.#settings.ready()) {
      tell(failure);
      return;
    }
    const backlog = this.#settings.backlog;
    const bytes = publicationBytes(text);
    if (!backlog.admit(bytes)) {
      tell(busy);
      return;
    }
    this.#settings.track(
      this.#link.publish(event).then(
        () => backlog.done(bytes),
        () => {
          backlog.done(bytes);
          tell(failure);
        },
      ),
    );
  }

  /** Counts a join or leave in the backlog while it is in flight (never shed). */
  #counted(task: Promise<void>): Promise<void> {
    const backlog = this.#settings.backlog;
    backlog.add(PUBLICATION_OVERHEAD_BYTES);
    return task.finally(() => backlog.done(PUBLICATION_OVERHEAD_BYTES));
  }

  #nameLost(member: Member): void {
    if (!this.#room.contains(member)) return;
    this.#settings.console.problem(`${member.name}: name lost to another instance; disconnecting`);
    member.kick?.(nameLostNotice(member.name), "name lost to another server");
  }
}
