/**
 * The cluster bus: the seam between the one room abstraction and the other instances. It
 * publishes what local users do (join, leave, chat, private messages to remote users) and
 * applies what arrives from other instances to the local room, where remote users are
 * RemoteMembers. It also claims names cluster-wide for logins, renews them on a heartbeat,
 * removes the users of dead instances, and resynchronizes after the link comes back.
 *
 * Ordering: local events are delivered at once and published; remote events are applied in the
 * order the channel delivers them. All of it goes through the one room on one thread, so every
 * user of this instance sees the same order, and nothing is delivered twice: the link drops the
 * instance's own events.
 * @module
 */

import { encodeFrame, notice } from "../../protocol/mod.ts";
import type { Clock, Timer } from "../clock.ts";
import type { ServerConsole } from "../console.ts";
import { nameTakenNotice } from "../notices.ts";
import type { Member, Room, RoomEvent } from "../room.ts";
import type { ClaimOutcome, NameClaims } from "../name_claims.ts";
import type { BusEvent, RosterEntry } from "./codec.ts";
import { type ClusterLink, ClusterUnavailableError } from "./link.ts";
import {
  CLAIM_UNAVAILABLE_NOTICE,
  INSTANCE_LOST_REASON,
  LINK_DOWN_NOTICE,
  LINK_UP_NOTICE,
  nameLostNotice,
  notPublishedNotice,
  privateNotSentNotice,
} from "./notices.ts";
import type { PresenceTiming } from "./presence.ts";
import { RemoteRoster } from "./remote_roster.ts";

/** How long closing waits for the last events (a shutdown's leaves) to be published. */
export const CLOSE_WAIT_MS = 3000;

/** What a bus works with. */
export interface ClusterBusSettings {
  /** The local room the bus mirrors. */
  readonly room: Room;
  /** The shared store. */
  readonly link: ClusterLink;
  /** Heartbeat timer and grace periods. */
  readonly clock: Clock;
  /** Cluster lines (link down/up, remote joins and leaves, lost instances). */
  readonly console: ServerConsole;
  /** Claim expiry and heartbeat. */
  readonly timing: PresenceTiming;
}

/** How a bus found the cluster when it started. */
export interface ClusterStart {
  /** Users on other instances. */
  readonly remoteUsers: number;
  /** Other live instances. */
  readonly otherInstances: number;
}

/** Mirrors one room across instances through a ClusterLink. */
export class ClusterBus implements NameClaims {
  readonly #room: Room;
  readonly #link: ClusterLink;
  readonly #clock: Clock;
  readonly #console: ServerConsole;
  readonly #timing: PresenceTiming;
  /** Local members by key. */
  readonly #local = new Map<string, Member>();
  /** Remote members by instance, then key. */
  readonly #remote: RemoteRoster;
  /** Names freed while the link was down: released in Redis once it is back. */
  readonly #releaseLater = new Set<string>();
  readonly #pending = new Set<Promise<unknown>>();
  #heartbeat: Timer | null = null;
  #unsubscribe: (() => void) | null = null;
  /** True while the link is up and this instance is registered and in sync. */
  #ready = false;
  #ticking = false;
  #recovering: Promise<void> | null = null;
  /** Until then, instances missing from Redis are not removed (they may be re-registering). */
  #graceUntil = 0;
  /** Joins and rosters applied so far, and per instance the count when it was last heard. */
  #heardCount = 0;
  readonly #lastHeard = new Map<string, number>();
  #closed = false;

  constructor(settings: ClusterBusSettings) {
    this.#room = settings.room;
    this.#link = settings.link;
    this.#clock = settings.clock;
    this.#console = settings.console;
    this.#timing = settings.timing;
    this.#remote = new RemoteRoster(settings.room, settings.console);
  }

  /** This instance's id. */
  get instanceId(): string {
    return this.#link.instanceId;
  }

  /** True while names can be claimed and events published. */
  get ready(): boolean {
    return this.#ready && this.#link.isUp;
  }

  /**
   * Connects, loads the users of the other instances into the room, registers this instance
   * and starts the heartbeat. Throws ClusterUnavailableError (and leaves nothing open) if the
   * store cannot be reached or used.
   */
  async start(): Promise<ClusterStart> {
    await this.#link.start({
      event: (event) => this.#apply(event),
      badMessage: (reason) => this.#console.problem(reason),
      down: (reason) => this.#onDown(reason),
      up: () => void this.#recover(),
    });
    try {
      const snapshot = await this.#link.snapshot();
      this.#remote.applySnapshot(snapshot, this.instanceId, true);
      await this.#link.register([]);
    } catch (error) {
      await this.#link.close();
      throw new ClusterUnavailableError(`cluster start failed: ${describe(error)}`, {
        cause: error,
      });
    }
    this.#ready = true;
    this.#unsubscribe = this.#room.subscribe((event) => this.#onRoomEvent(event));
    this.#heartbeat = this.#clock.every(this.#timing.heartbeatMs, () => this.#tick());
    return { remoteUsers: this.#remote.size, otherInstances: this.#remote.instances().length };
  }

  /** Claims a name for a login (NameClaims). */
  async claim(key: string, name: string): Promise<ClaimOutcome> {
    const unavailable: ClaimOutcome = {
      ok: false,
      notice: CLAIM_UNAVAILABLE_NOTICE,
      reason: "cluster link down",
    };
    if (!this.ready) return unavailable;
    let claimed: boolean;
    try {
      claimed = await this.#link.claim(key);
    } catch {
      return unavailable;
    }
    if (claimed) return { ok: true };
    const taken = this.#room.find(key)?.name ?? name;
    return { ok: false, notice: nameTakenNotice(taken), reason: "name taken" };
  }

  /** Gives back an unused claim (NameClaims). */
  release(key: string): void {
    if (!this.#link.isUp) {
      this.#releaseLater.add(key);
      return;
    }
    this.#track(this.#link.release(key).catch(() => this.#releaseLater.add(key)));
  }

  /** ` [instances: a 2, b 1]`: users per instance, this one marked, for the console's list. */
  onlineDetail(): string {
    const counts: [string, number][] = [[`${this.instanceId} (this)`, this.#local.size]];
    for (const [id, n] of this.#remote.counts()) counts.push([id, n]);
    counts.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
    const link = this.ready ? "" : "; cluster link down";
    return `[instances: ${counts.map(([id, n]) => `${id} ${n}`).join(", ")}${link}]`;
  }

  /** Users per instance id (this one included), for tests and the console. */
  instanceCounts(): Map<string, number> {
    const counts = new Map<string, number>([[this.instanceId, this.#local.size]]);
    for (const [id, n] of this.#remote.counts()) counts.set(id, n);
    return counts;
  }

  /**
   * Stops the heartbeat, waits for what is being published (the leaves of a shutdown), then
   * unregisters and closes the link. Call it after the server has closed its sessions.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#heartbeat?.cancel();
    this.#heartbeat = null;
    await this.#settle(CLOSE_WAIT_MS);
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    await this.#link.close();
  }

  // --- local events, published ---------------------------------------------------------

  #onRoomEvent(event: RoomEvent): void {
    if (event.member.instance !== undefined) return;
    const self = this.instanceId;
    const member = event.member;
    switch (event.kind) {
      case "joined": {
        this.#local.set(member.key, member);
        if (!this.ready) return;
        this.#track(
          this.#link.joined({ kind: "joined", instance: self, key: member.key, name: member.name })
            .then((kept) => {
              if (!kept) this.#nameLost(member);
            }, () => {/* the resync after reconnecting registers it */}),
        );
        return;
      }
      case "left": {
        if (this.#local.get(member.key) === member) this.#local.delete(member.key);
        if (!this.ready) {
          this.#releaseLater.add(member.key);
          return;
        }
        this.#track(
          this.#link.left({
            kind: "left",
            instance: self,
            key: member.key,
            name: member.name,
            reason: event.reason,
          }).catch(() => this.#releaseLater.add(member.key)),
        );
        return;
      }
      case "message":
        this.#publishFor(member, notPublishedNotice(event.text), {
          kind: "message",
          instance: self,
          key: member.key,
          name: member.name,
          text: event.text,
        });
        return;
      case "private": {
        const target = event.target;
        if (target.instance === undefined) return;
        this.#publishFor(member, privateNotSentNotice(target.name), {
          kind: "private",
          instance: self,
          key: member.key,
          name: member.name,
          to: target.key,
          toInstance: target.instance,
          text: event.text,
        });
        return;
      }
    }
  }

  /** Publishes on behalf of a local user, who is told if it could not be done. */
  #publishFor(sender: Member, failure: string, event: BusEvent): void {
    const tell = () => {
      if (this.#room.contains(sender)) sender.deliver(encodeFrame(notice(failure)));
    };
    if (!this.ready) {
      tell();
      return;
    }
    this.#track(this.#link.publish(event).catch(tell));
  }

  #nameLost(member: Member): void {
    if (!this.#room.contains(member)) return;
    this.#console.problem(`${member.name}: name lost to another instance; disconnecting`);
    member.kick?.(nameLostNotice(member.name), "name lost to another server");
  }

  // --- remote events, applied --------------------------------------------------------

  #apply(event: BusEvent): void {
    if (event.kind === "joined" || event.kind === "roster") {
      this.#lastHeard.set(event.instance, ++this.#heardCount);
    }
    switch (event.kind) {
      case "joined":
        this.#remote.add(event.instance, event);
        return;
      case "left": {
        this.#remote.remove(event.instance, event.key, event.reason);
        return;
      }
      case "message":
        this.#room.broadcast(
          this.#remote.sender(event.instance, event.key, event.name),
          event.text,
        );
        return;
      case "private": {
        if (event.toInstance !== this.instanceId) return;
        const target = this.#room.find(event.to);
        if (target === undefined || target.instance !== undefined) return;
        this.#room.sendPrivate(
          this.#remote.sender(event.instance, event.key, event.name),
          event.to,
          event.text,
        );
        return;
      }
      case "roster":
        this.#remote.reconcile(event.instance, event.users);
        return;
    }
  }

  // --- link state, heartbeat, recovery --------------------------------------------------

  #onDown(reason: string): void {
    if (this.#closed) return;
    const wasReady = this.#ready;
    this.#ready = false;
    if (!wasReady) return;
    this.#console.problem(`cluster link down (${reason}); reconnecting`);
    this.#room.announce(LINK_DOWN_NOTICE);
  }

  /** After reconnecting: free, re-register, re-claim, and resync the view of the others. */
  #recover(): Promise<void> {
    this.#recovering ??= this.#resync().finally(() => this.#recovering = null);
    return this.#recovering;
  }

  async #resync(): Promise<void> {
    if (this.#closed || !this.#link.isUp) return;
    try {
      for (const key of [...this.#releaseLater]) {
        await this.#link.release(key);
        this.#releaseLater.delete(key);
      }
      // Register before renewing: renewing puts this instance in the instance list, and an
      // instance listed without its roster (after a Redis restart) would look empty to the
      // others' snapshots, which would then drop its users. Registering re-claims the names
      // first and leaves out those taken elsewhere meanwhile, which renewing then reports.
      await this.#link.register(this.#localUsers());
      await this.#renew();
      const snapshot = await this.#link.snapshot();
      // Instances missing now may be re-registering after a Redis restart: give them time.
      this.#graceUntil = this.#clock.now() + this.#timing.deadAfterMs + this.#timing.heartbeatMs;
      this.#remote.applySnapshot(snapshot, this.instanceId);
    } catch (error) {
      if (this.#link.isUp) this.#console.problem(`cluster resync failed: ${describe(error)}`);
      return;
    }
    if (this.#closed || this.#ready) return;
    this.#ready = true;
    this.#console.info("cluster link restored");
    this.#room.announce(LINK_UP_NOTICE);
  }

  #tick(): void {
    if (this.#closed || this.#ticking) return;
    this.#ticking = true;
    this.#track(this.#beat().finally(() => this.#ticking = false));
  }

  async #beat(): Promise<void> {
    if (!this.#link.isUp) return;
    if (!this.#ready) {
      await this.#recover();
      return;
    }
    try {
      await this.#renew();
      // The channel and the sweep's reply race: an instance whose join or roster arrived while
      // the sweep was out may have registered after it ran, so the next sweep judges it.
      const asked = this.#heardCount;
      const live = new Set(await this.#link.sweep());
      if (this.#closed || this.#clock.now() < this.#graceUntil) return;
      for (const id of this.#remote.instances()) {
        const heardSince = (this.#lastHeard.get(id) ?? 0) > asked;
        if (live.has(id) || heardSince) continue;
        this.#remote.dropInstance(id, INSTANCE_LOST_REASON);
        this.#lastHeard.delete(id);
      }
    } catch {
      // A failed heartbeat means the link is failing: the link reports it and reconnects.
    }
  }

  async #renew(): Promise<void> {
    const lost = await this.#link.renew(this.#localUsers());
    for (const key of lost) {
      const member = this.#local.get(key);
      if (member !== undefined) this.#nameLost(member);
      // Its leave (while not ready) queued the name for release, but it is another's.
      this.#releaseLater.delete(key);
    }
  }

  #localUsers(): RosterEntry[] {
    return [...this.#local.values()].map((member) => ({ key: member.key, name: member.name }));
  }

  /** Waits for what is being published, at most `ms` (a Redis that stopped answering). */
  async #settle(ms: number): Promise<void> {
    let timer: Timer | null = null;
    const timeout = new Promise<void>((resolve) => timer = this.#clock.after(ms, resolve));
    const settled = (async () => {
      while (this.#pending.size > 0) await Promise.all(this.#pending);
    })();
    await Promise.race([settled, timeout]);
    (timer as Timer | null)?.cancel();
  }

  #track(task: Promise<unknown>): void {
    this.#pending.add(task);
    const done = () => void this.#pending.delete(task);
    task.then(done, done);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
