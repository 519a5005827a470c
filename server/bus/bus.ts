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
 *
 * The bus owns its parts and wires them together: local_events.ts publishes what local users
 * do (and the answers to refused private messages), remote_events.ts applies what arrives, and heartbeat.ts keeps the instance alive and in
 * sync (readiness, heartbeat, sweep, recovery after an outage).
 * @module
 */

import { type Clock, within } from "../clock.ts";
import type { ServerConsole } from "../console.ts";
import { nameTakenNotice } from "../notices.ts";
import type { Moderation } from "../moderation/moderation.ts";
import type { Room } from "../room.ts";
import type { ClaimOutcome, NameClaims } from "../name_claims.ts";
import { processCounters } from "../metrics/counters.ts";
import { Heartbeat } from "./heartbeat.ts";
import { type ClusterLink, ClusterUnavailableError } from "./link.ts";
import { LocalEvents } from "./local_events.ts";
import { BusBacklog, type BusBacklogLimits, DEFAULT_BUS_BACKLOG } from "./backlog.ts";
import { CLAIM_UNAVAILABLE_NOTICE } from "./notices.ts";
import type { PresenceTiming } from "./presence.ts";
import { applyRemoteEvent } from "./remote_events.ts";
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
  /** The bound on publications in flight (default: DEFAULT_BUS_BACKLOG). */
  readonly backlog?: BusBacklogLimits;
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
  /** Local members by key, and what they do, published. */
  readonly #local: LocalEvents;
  /** Remote members by instance, then key. */
  readonly #remote: RemoteRoster;
  /** Readiness, heartbeat, sweep and recovery; names freed while the link was down. */
  readonly #heartbeat: Heartbeat;
  readonly #pending = new Set<Promise<unknown>>();
  /** Publications in flight to the store, bounded (back-pressure, then shedding). */
  readonly backlog: BusBacklog;
  #unsubscribe: (() => void) | null = null;
  #moderation: Moderation | null = null;
  #closed = false;

  constructor(settings: ClusterBusSettings) {
    this.#room = settings.room;
    this.#link = settings.link;
    this.#clock = settings.clock;
    this.#console = settings.console;
    this.#remote = new RemoteRoster(settings.room, settings.console);
    const track = (task: Promise<unknown>) => this.#track(task);
    this.backlog = new BusBacklog(settings.backlog ?? DEFAULT_BUS_BACKLOG, settings.clock);
    this.#local = new LocalEvents({
      ...settings,
      backlog: this.backlog,
      ready: () => this.ready,
      releaseLater: (key) => this.#heartbeat.releaseLater(key),
      track,
    });
    this.#heartbeat = new Heartbeat({
      ...settings,
      remote: this.#remote,
      localUsers: () => this.#local.users(),
      nameLost: (key) => this.#local.nameLost(key),
      track,
    });
  }

  /** This instance's id. */
  get instanceId(): string {
    return this.#link.instanceId;
  }

  /** True while names can be claimed and events published. */
  get ready(): boolean {
    return this.#heartbeat.ready;
  }

  /**
   * Connects, loads the users of the other instances into the room, registers this instance
   * and starts the heartbeat. Throws ClusterUnavailableError (and leaves nothing open) if the
   * store cannot be reached or used.
   */
  async start(): Promise<ClusterStart> {
    await this.#link.start({
      event: (event) => {
        this.#heartbeat.heard(event);
        applyRemoteEvent(event, this.instanceId, this.#room, this.#remote, {
          moderation: (change) => this.#moderation?.apply(change),
          refusePrivate: (refusal) => this.#local.refusePrivate(refusal),
        });
      },
      badMessage: (reason) => this.#console.problem(reason),
      down: (reason) => this.#heartbeat.down(reason),
      up: () => {
        processCounters.redisReconnects++;
        void this.#heartbeat.recover();
        // Bans, mutes and the topic changed meanwhile were published to nobody here.
        if (this.#moderation !== null) this.#track(this.#moderation.resync());
      },
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
    this.#heartbeat.start();
    this.#unsubscribe = this.#room.subscribe((event) => this.#local.publish(event));
    return { remoteUsers: this.#remote.size, otherInstances: this.#remote.instances().length };
  }

  /**
   * Carries moderation between the instances: changes made here are published, changes from
   * the others are applied here.
   */
  attachModeration(moderation: Moderation): void {
    this.#moderation = moderation;
    moderation.setPeers({
      publish: (change) => {
        const failed = () =>
          this.#console.problem(`cluster: a ${change.op} was not sent to the other instances`);
        if (!this.ready) {
          failed();
          return;
        }
        this.#track(
          this.#link.publish({ kind: "moderation", instance: this.instanceId, change }).catch(
            failed,
          ),
        );
      },
    });
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
      this.#heartbeat.releaseLater(key);
      return;
    }
    this.#track(this.#link.release(key).catch(() => this.#heartbeat.releaseLater(key)));
  }

  /** ` [instances: a 2, b 1]`: users per instance, this one marked, for the console's list. */
  onlineDetail(): string {
    const counts: [string, number][] = [[`${this.instanceId} (this)`, this.#local.size]];
    for (const [id, n] of this.#remote.counts()) counts.push([id, n]);
    counts.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
    const link = this.ready ? "" : "; cluster link down";
    return `[instances: ${counts.map(([id, n]) => `${id} ${n}`).join(", ")}${link}]`;
  }

  /** Live instances, this one included: from the last sweep, or those known at start. */
  get liveInstances(): number {
    return this.#heartbeat.liveInstances ?? this.#remote.instances().length + 1;
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
    this.#heartbeat.stop();
    this.backlog.close();
    await this.#settle(CLOSE_WAIT_MS);
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#moderation?.setPeers(null);
    await this.#link.close();
  }

  /** Waits for what is being published, at most `ms` (a Redis that stopped answering). */
  async #settle(ms: number): Promise<void> {
    const settled = (async () => {
      while (this.#pending.size > 0) await Promise.all(this.#pending);
    })();
    await within(this.#clock, ms, settled);
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
