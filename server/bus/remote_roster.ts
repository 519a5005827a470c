/**
 * The users of the other instances, as this instance knows them: kept in step with the local
 * room, where each is a RemoteMember. Adding or removing one here is what gives local users the
 * join and leave notices and the console its lines.
 * @module
 */

import type { ServerConsole } from "../console.ts";
import type { Member, Room } from "../room.ts";
import type { RosterEntry } from "./codec.ts";
import type { ClusterSnapshot } from "./link.ts";
import { RESYNC_REASON } from "./notices.ts";
import { RemoteMember } from "./remote_member.ts";

/** Remote members by instance, mirrored into the room. */
export class RemoteRoster {
  readonly #room: Room;
  readonly #console: ServerConsole;
  readonly #byInstance = new Map<string, Map<string, RemoteMember>>();

  constructor(room: Room, console: ServerConsole) {
    this.#room = room;
    this.#console = console;
  }

  /** Ids of the instances with at least one user here. */
  instances(): string[] {
    return [...this.#byInstance.keys()];
  }

  /** Users per instance. */
  counts(): Map<string, number> {
    return new Map([...this.#byInstance].map(([id, members]) => [id, members.size]));
  }

  /** All remote users. */
  get size(): number {
    let total = 0;
    for (const members of this.#byInstance.values()) total += members.size;
    return total;
  }

  /** The sender of a remote event: its member if known, else a stand-in with its name. */
  sender(instance: string, key: string, name: string): Member {
    return this.#byInstance.get(instance)?.get(key) ?? new RemoteMember(name, key, instance);
  }

  /** A user joined on `instance`; nothing happens if it is already here. */
  add(instance: string, user: RosterEntry, quiet = false): void {
    const existing = this.#room.find(user.key);
    if (existing !== undefined) {
      if (existing.instance === instance && existing.name === user.name) return;
      if (existing.instance === undefined) {
        this.#console.problem(`${user.name} is online here and on instance ${instance}`);
        return;
      }
      if (existing instanceof RemoteMember) this.#remove(existing, RESYNC_REASON, true);
    }
    const member = new RemoteMember(user.name, user.key, instance);
    let members = this.#byInstance.get(instance);
    if (members === undefined) {
      members = new Map();
      this.#byInstance.set(instance, members);
    }
    members.set(user.key, member);
    this.#room.join(member);
    if (!quiet) this.#console.joined(user.name, `instance ${instance}`);
  }

  /** A user of `instance` left; nothing happens if it was not here. */
  remove(instance: string, key: string, reason: string): void {
    const member = this.#byInstance.get(instance)?.get(key);
    if (member !== undefined) this.#remove(member, reason);
  }

  /** Makes this instance's view of `instance`'s users match `users`. */
  reconcile(instance: string, users: readonly RosterEntry[], quiet = false): void {
    const wanted = new Map(users.map((user) => [user.key, user.name]));
    for (const member of [...(this.#byInstance.get(instance)?.values() ?? [])]) {
      if (wanted.get(member.key) !== member.name) this.#remove(member, RESYNC_REASON, quiet);
    }
    for (const user of users) this.add(instance, user, quiet);
  }

  /** Reconciles every instance of a snapshot except `self`. */
  applySnapshot(snapshot: ClusterSnapshot, self: string, quiet = false): void {
    for (const [id, users] of snapshot) {
      if (id !== self) this.reconcile(id, users, quiet);
    }
  }

  /** An instance is gone: all its users leave, with `reason`. */
  dropInstance(instance: string, reason: string): void {
    const members = [...(this.#byInstance.get(instance)?.values() ?? [])];
    this.#console.info(`instance ${instance} lost: ${members.length} user(s) leave`);
    for (const member of members) this.#remove(member, reason);
    this.#byInstance.delete(instance);
  }

  #remove(member: RemoteMember, reason: string, quiet = false): void {
    const members = this.#byInstance.get(member.instance);
    if (members?.get(member.key) === member) {
      members.delete(member.key);
      if (members.size === 0) this.#byInstance.delete(member.instance);
    }
    if (this.#room.leave(member, reason, { announce: !quiet }) && !quiet) {
      this.#console.left(member.name, `${reason}, instance ${member.instance}`);
    }
  }
}
