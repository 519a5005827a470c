/**
 * What crosses threads in the workers prototype: the link's requests to the hub and the hub's
 * replies and relayed events (over a MessagePort), and the control messages between the main
 * thread and each worker (over the worker's own channel). Everything is structured-cloned, so
 * these are plain data.
 * @module
 */

import type { BusEvent, RosterEntry } from "../../server/bus/codec.ts";
import type { ServerOptions } from "../../server/options.ts";

/** What each hub operation resolves with. */
export interface HubReplies {
  claim: boolean;
  release: null;
  joined: boolean;
  left: null;
  renew: string[];
  register: null;
  sweep: string[];
  /** Every live instance's users, as Map entries. */
  snapshot: [string, RosterEntry[]][];
  close: null;
}

/** A hub operation that is answered. */
export type HubOp = keyof HubReplies;

/** A request from a worker's link to the hub; `id` pairs it with its reply. */
export type HubRequest =
  | { op: "claim"; id: number; key: string }
  | { op: "release"; id: number; key: string }
  | { op: "joined"; id: number; event: BusEvent & { kind: "joined" } }
  | { op: "left"; id: number; event: BusEvent & { kind: "left" } }
  | { op: "renew"; id: number; users: RosterEntry[] }
  | { op: "register"; id: number; users: RosterEntry[] }
  | { op: "sweep"; id: number }
  | { op: "snapshot"; id: number }
  | { op: "close"; id: number }
  /** Not answered: a MessagePort cannot fail to deliver while the hub runs. */
  | { op: "publish"; event: BusEvent };

/** What the hub sends a worker's link: a reply, or another worker's event. */
export type HubPush =
  | { kind: "reply"; id: number; value: HubReplies[HubOp] }
  | { kind: "event"; event: BusEvent };

/**
 * The batches that cross the port: one postMessage carries everything one side queued in one
 * turn of its event loop, so a busy sender costs one message per turn, not one per event.
 */
export type ToHub = HubRequest[];
/** See {@link ToHub}. */
export type FromHub = HubPush[];

/** Main thread to worker. */
export type ToWorker =
  | {
    kind: "start";
    /** The worker's instance id in the shared room (`w1`, `w2`, ...). */
    instanceId: string;
    /** The server options, with the port every worker binds (0 only for the first). */
    options: ServerOptions;
    /** This worker's end of its channel to the hub. */
    port: MessagePort;
  }
  | { kind: "shutdown" };

/** Worker to main thread. */
export type FromWorker =
  | { kind: "listening"; hostname: string; port: number }
  | { kind: "failed"; message: string }
  | { kind: "finished" };
