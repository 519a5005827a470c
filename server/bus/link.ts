/**
 * The cluster link: what the bus needs from the shared store (claims, rosters, the event
 * channel), as an interface, so the room-side logic never sees a Redis client.
 * @module
 */

import type { BusEvent, RosterEntry } from "./codec.ts";

/** What the link reports to the bus. Called synchronously, in order. */
export interface LinkHandlers {
  /** An event from another instance (the link drops this instance's own). */
  event(event: BusEvent): void;
  /** A message on the channel could not be decoded. */
  badMessage(reason: string): void;
  /** The connection to the store is lost; the link retries with backoff by itself. */
  down(reason: string): void;
  /** Reconnected after `down` (not called for the first connection). */
  up(): void;
}

/** Every live instance's users, by instance id. */
export type ClusterSnapshot = Map<string, RosterEntry[]>;

/**
 * The shared store as the bus uses it. Every method rejects when the link is down or the store
 * fails; the bus decides what that means for users.
 */
export interface ClusterLink {
  /** This instance's id, unique among live instances. */
  readonly instanceId: string;
  /** Connects and registers the instance; throws ClusterUnavailableError if it cannot. */
  start(handlers: LinkHandlers): Promise<void>;
  /** True while connected. */
  readonly isUp: boolean;
  /** Publishes an event to the other instances. */
  publish(event: BusEvent): Promise<void>;
  /** Claims a name for this instance, atomically; false if another owns it. */
  claim(key: string): Promise<boolean>;
  /** Gives back a claim that was not used. */
  release(key: string): Promise<void>;
  /** Records a local join in the roster and publishes its event; false if the claim was lost. */
  joined(event: BusEvent & { kind: "joined" }): Promise<boolean>;
  /** Frees a local user's name, drops it from the roster, publishes its event. */
  left(event: BusEvent & { kind: "left" }): Promise<void>;
  /** The heartbeat: renews the claims; resolves with the keys another instance now owns. */
  renew(users: readonly RosterEntry[]): Promise<string[]>;
  /**
   * Replaces this instance's roster with `users` and publishes it as a roster event, leaving out
   * users whose name another instance owns (after an outage; the next renew reports them).
   */
  register(users: readonly RosterEntry[]): Promise<void>;
  /** Removes dead instances; resolves with the ids of the live ones. */
  sweep(): Promise<string[]>;
  /** Every live instance's users. */
  snapshot(): Promise<ClusterSnapshot>;
  /** Unregisters (best effort) and closes every connection and timer. */
  close(): Promise<void>;
}

/** The store could not be reached or used when the instance started. */
export class ClusterUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ClusterUnavailableError";
  }
}
