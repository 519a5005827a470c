/**
 * The hub of the workers prototype, on the main thread: what Redis is for a cluster of
 * processes. It owns the name claims (key -> instance), each instance's roster and the set of
 * live instances, and relays every event an instance publishes to every other instance.
 *
 * One thread handles every request in the order the ports deliver them, so the relayed events
 * reach every worker in the one order the hub received them. That is not one order for every
 * user: each worker delivers its own users' events at once, before the hub sees them (see
 * bench/workers/main.ts).
 * Claims never expire: workers live as long as the process, so there is nothing to time out.
 * @module
 */

import type { BusEvent, RosterEntry } from "../../server/bus/codec.ts";
import type { FromHub, HubOp, HubPush, HubReplies, HubRequest, ToHub } from "./messages.ts";

/** One worker as the hub sees it. */
interface Instance {
  readonly id: string;
  readonly port: MessagePort;
  /** Its users, key -> name. */
  readonly roster: Map<string, string>;
  /** What goes out to it at the end of the current batch. */
  outbox: HubPush[];
  /** False once it has said goodbye: nothing is relayed to it, its claims are refused. */
  live: boolean;
}

/** The claims, rosters and relay shared by the workers of one process. */
export class Hub {
  readonly #instances = new Map<string, Instance>();
  /** Name key -> the instance that owns it. */
  readonly #claims = new Map<string, string>();
  /** Instances with something queued in their outbox. */
  readonly #dirty = new Set<Instance>();

  /** Serves one worker through `port` (the hub's end of the worker's channel). */
  attach(instanceId: string, port: MessagePort): void {
    if (this.#instances.has(instanceId)) {
      throw new Error(`hub: instance id '${instanceId}' is attached already`);
    }
    const instance: Instance = {
      id: instanceId,
      port,
      roster: new Map(),
      outbox: [],
      live: true,
    };
    this.#instances.set(instanceId, instance);
    port.onmessage = (message: MessageEvent<ToHub>) => this.#receive(instance, message.data);
  }

  /** Ids of the attached instances that have not said goodbye (the sweep's answer). */
  liveInstances(): string[] {
    return [...this.#instances.values()].filter((i) => i.live).map((i) => i.id);
  }

  /** Closes every port (after the workers have finished). */
  close(): void {
    for (const instance of this.#instances.values()) {
      instance.live = false;
      instance.port.onmessage = null;
      instance.port.close();
    }
    this.#instances.clear();
    this.#claims.clear();
  }

  #receive(from: Instance, batch: ToHub): void {
    for (const request of batch) this.#handle(from, request);
    for (const instance of this.#dirty) {
      const out: FromHub = instance.outbox;
      instance.outbox = [];
      if (instance.live || out.some((push) => push.kind === "reply")) {
        instance.port.postMessage(out);
      }
    }
    this.#dirty.clear();
  }

  #handle(from: Instance, request: HubRequest): void {
    switch (request.op) {
      case "publish":
        this.#relay(from, request.event);
        return;
      case "claim": {
        const owner = this.#claims.get(request.key);
        const ok = owner === undefined && from.live;
        if (ok) this.#claims.set(request.key, from.id);
        this.#reply(from, request.id, ok);
        return;
      }
      case "release":
        this.#free(from, request.key);
        this.#reply(from, request.id, null);
        return;
      case "joined": {
        const { event } = request;
        const kept = this.#claims.get(event.key) === from.id;
        if (kept) {
          from.roster.set(event.key, event.name);
          this.#relay(from, event);
        }
        this.#reply(from, request.id, kept);
        return;
      }
      case "left": {
        const { event } = request;
        this.#free(from, event.key);
        from.roster.delete(event.key);
        this.#relay(from, event);
        this.#reply(from, request.id, null);
        return;
      }
      case "renew": {
        const lost: string[] = [];
        for (const user of request.users) {
          const owner = this.#claims.get(user.key);
          if (owner === undefined) this.#claims.set(user.key, from.id);
          else if (owner !== from.id) lost.push(user.key);
        }
        this.#reply(from, request.id, lost);
        return;
      }
      case "register": {
        from.roster.clear();
        for (const user of request.users) from.roster.set(user.key, user.name);
        this.#relay(from, { kind: "roster", instance: from.id, users: request.users });
        this.#reply(from, request.id, null);
        return;
      }
      case "sweep":
        this.#reply(from, request.id, this.liveInstances());
        return;
      case "snapshot": {
        const entries: [string, RosterEntry[]][] = [];
        for (const instance of this.#instances.values()) {
          if (!instance.live) continue;
          const users = [...instance.roster].map(([key, name]) => ({ key, name }));
          entries.push([instance.id, users]);
        }
        this.#reply(from, request.id, entries);
        return;
      }
      case "close":
        this.#unregister(from);
        this.#reply(from, request.id, null);
        return;
    }
  }

  /** An instance leaves for good: its roster and the names it owns go with it. */
  #unregister(instance: Instance): void {
    instance.live = false;
    for (const key of instance.roster.keys()) this.#free(instance, key);
    instance.roster.clear();
    for (const [key, owner] of this.#claims) {
      if (owner === instance.id) this.#claims.delete(key);
    }
  }

  /** Compare-and-delete, as the Redis release script does. */
  #free(from: Instance, key: string): void {
    if (this.#claims.get(key) === from.id) this.#claims.delete(key);
  }

  #relay(from: Instance, event: BusEvent): void {
    for (const instance of this.#instances.values()) {
      if (instance === from || !instance.live) continue;
      instance.outbox.push({ kind: "event", event });
      this.#dirty.add(instance);
    }
  }

  #reply(to: Instance, id: number, value: HubReplies[HubOp]): void {
    to.outbox.push({ kind: "reply", id, value });
    this.#dirty.add(to);
  }
}
