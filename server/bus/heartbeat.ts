/**
 * The bus's standing in the cluster: whether this instance is registered and in sync (ready),
 * the heartbeat that renews its claims and sweeps out dead instances, and the recovery after the
 * link comes back (free, re-register, re-claim, resync the view of the others). The bus owns one
 * and tells it what it cannot see itself: which instances it has heard from, which names to free
 * once the link is back.
 * @module
 */

import type { Clock, Timer } from "../clock.ts";
import type { ServerConsole } from "../console.ts";
import type { Room } from "../room.ts";
import type { BusEvent, RosterEntry } from "./codec.ts";
import type { ClusterLink } from "./link.ts";
import { INSTANCE_LOST_REASON, LINK_DOWN_NOTICE, LINK_UP_NOTICE } from "./notices.ts";
import type { PresenceTiming } from "./presence.ts";
import type { RemoteRoster } from "./remote_roster.ts";

/** What a heartbeat works with: the bus's parts, and what only the bus knows. */
export interface HeartbeatSettings {
  /** Told when the link goes down and when it is restored. */
  readonly room: Pick<Room, "announce">;
  /** The shared store. */
  readonly link: ClusterLink;
  /** The heartbeat timer and the grace period. */
  readonly clock: Clock;
  /** Link down, restored, resync failures. */
  readonly console: ServerConsole;
  /** Claim expiry and heartbeat. */
  readonly timing: PresenceTiming;
  /** The users of the other instances, resynced after an outage and swept when they die. */
  readonly remote: Pick<RemoteRoster, "applySnapshot" | "instances" | "dropInstance">;
  /** This instance's users, registered and renewed. */
  localUsers(): RosterEntry[];
  /** Another instance now owns the name of the local user `key` (if still here). */
  nameLost(key: string): void;
  /** Keeps a beat in the bus's pending work, so closing waits for it. */
  track(task: Promise<unknown>): void;
}

/** Keeps one instance alive and in sync in the cluster, and restores it after an outage. */
export class Heartbeat {
  readonly #settings: HeartbeatSettings;
  readonly #link: ClusterLink;
  /** Names freed while the link was down: released in Redis once it is back. */
  readonly #releaseLater = new Set<string>();
  #timer: Timer | null = null;
  /** True while the link is up and this instance is registered and in sync. */
  #ready = false;
  #ticking = false;
  #recovering: Promise<void> | null = null;
  /** Until then, instances missing from Redis are not removed (they may be re-registering). */
  #graceUntil = 0;
  /** Joins and rosters applied so far, and per instance the count when it was last heard. */
  #heardCount = 0;
  readonly #lastHeard = new Map<string, number>();
  #stopped = false;
  /** Live instances at the last sweep (null before the first). */
  #liveInstances: number | null = null;

  constructor(settings: HeartbeatSettings) {
    this.#settings = settings;
    this.#link = settings.link;
  }

  /** True while names can be claimed and events published. */
  get ready(): boolean {
    return this.#ready && this.#link.isUp;
  }

  /** The instance is registered and in sync: starts the heartbeat. */
  start(): void {
    this.#ready = true;
    this.#timer = this.#settings.clock.every(this.#settings.timing.heartbeatMs, () => this.#tick());
  }

  /** Stops the heartbeat for good; link reports after this are ignored. */
  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
  }

  /** An event arrived from another instance: joins and rosters count as hearing from it. */
  heard(event: BusEvent): void {
    if (event.kind === "joined" || event.kind === "roster") {
      this.#lastHeard.set(event.instance, ++this.#heardCount);
    }
  }

  /** A name to free in Redis once the link is back (it was freed while the link was down). */
  releaseLater(key: string): void {
    this.#releaseLater.add(key);
  }

  /** How many instances were live at the last sweep, this one included (null before it). */
  get liveInstances(): number | null {
    return this.#liveInstances;
  }

  /** The link reports it is down. */
  down(reason: string): void {
    if (this.#stopped) return;
    const wasReady = this.#ready;
    this.#ready = false;
    if (!wasReady) return;
    this.#settings.console.problem(`cluster link down (${reason}); reconnecting`);
    this.#settings.room.announce(LINK_DOWN_NOTICE);
  }

  /** After reconnecting: free, re-register, re-claim, and resync the view of the others. */
  recover(): Promise<void> {
    this.#recovering ??= this.#resync().finally(() => this.#recovering = null);
    return this.#recovering;
  }

  async #resync(): Promise<void> {
    if (this.#stopped || !this.#link.isUp) return;
    const { clock, timing } = this.#settings;
    try {
      for (const key of [...this.#releaseLater]) {
        await this.#link.release(key);
        this.#releaseLater.delete(key);
      }
      // Register before renewing: renewing puts this instance in the instance list, and an
      // instance listed without its roster (after a Redis restart) would look empty to the
      // others' snapshots, which would then drop its users. Registering re-claims the names
      // first and leaves out those taken elsewhere meanwhile, which renewing then reports.
      await this.#link.register(this.#settings.localUsers());
      await this.#renew();
      const snapshot = await this.#link.snapshot();
      // Instances missing now may be re-registering after a Redis restart: give them time.
      this.#graceUntil = clock.now() + timing.deadAfterMs + timing.heartbeatMs;
      this.#settings.remote.applySnapshot(snapshot, this.#link.instanceId);
    } catch (error) {
      if (this.#link.isUp) {
        this.#settings.console.problem(`cluster resync failed: ${describe(error)}`);
      }
      return;
    }
    if (this.#stopped || this.#ready) return;
    this.#ready = true;
    this.#settings.console.info("cluster link restored");
    this.#settings.room.announce(LINK_UP_NOTICE);
  }

  #tick(): void {
    if (this.#stopped || this.#ticking) return;
    this.#ticking = true;
    this.#settings.track(this.#beat().finally(() => this.#ticking = false));
  }

  async #beat(): Promise<void> {
    if (!this.#link.isUp) return;
    if (!this.#ready) {
      await this.recover();
      return;
    }
    try {
      await this.#renew();
      // The channel and the sweep's reply race: an instance whose join or roster arrived while
      // the sweep was out may have registered after it ran, so the next sweep judges it.
      const asked = this.#heardCount;
      const live = new Set(await this.#link.sweep());
      this.#liveInstances = live.size;
      if (this.#stopped || this.#settings.clock.now() < this.#graceUntil) return;
      const remote = this.#settings.remote;
      for (const id of remote.instances()) {
        const heardSince = (this.#lastHeard.get(id) ?? 0) > asked;
        if (live.has(id) || heardSince) continue;
        remote.dropInstance(id, INSTANCE_LOST_REASON);
        this.#lastHeard.delete(id);
      }
    } catch {
      // A failed heartbeat means the link is failing: the link reports it and reconnects.
    }
  }

  async #renew(): Promise<void> {
    const lost = await this.#link.renew(this.#settings.localUsers());
    for (const key of lost) {
      this.#settings.nameLost(key);
      // Its leave (while not ready) queued the name for release, but it is another's.
      this.#releaseLater.delete(key);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
