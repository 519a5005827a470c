/**
 * A ClusterLink over a MessagePort to the hub on the main thread (bench/workers/hub.ts): the
 * workers prototype's stand-in for RedisLink. Requests carry ids and are answered; published
 * events are not (a port to a live hub cannot lose them). Everything queued in one turn of the
 * worker's event loop goes out as one postMessage.
 *
 * The link is up from `start` to `close`: the hub lives as long as the process, so there is no
 * reconnecting, and `down`/`up` are never reported.
 * @module
 */

import type { BusEvent, RosterEntry } from "../../server/bus/codec.ts";
import type { ClusterLink, ClusterSnapshot, LinkHandlers } from "../../server/bus/link.ts";
import type { FromHub, HubOp, HubReplies, HubRequest, ToHub } from "./messages.ts";

/** A request on a link that is not started or already closed. */
export class PortLinkClosedError extends Error {
  constructor(op: string) {
    super(`workers hub link is closed (${op})`);
    this.name = "PortLinkClosedError";
  }
}

interface Pending {
  resolve(value: HubReplies[HubOp]): void;
  reject(error: Error): void;
}

/** The cluster link of one worker. */
export class PortLink implements ClusterLink {
  readonly instanceId: string;
  readonly #port: MessagePort;
  readonly #pending = new Map<number, Pending>();
  #handlers: LinkHandlers | null = null;
  #up = false;
  #nextId = 1;
  #queue: ToHub = [];
  #flushQueued = false;

  /** `port` is this worker's end of its channel to the hub. */
  constructor(instanceId: string, port: MessagePort) {
    this.instanceId = instanceId;
    this.#port = port;
  }

  get isUp(): boolean {
    return this.#up;
  }

  start(handlers: LinkHandlers): Promise<void> {
    this.#handlers = handlers;
    this.#port.onmessage = (message: MessageEvent<FromHub>) => this.#receive(message.data);
    this.#up = true;
    return Promise.resolve();
  }

  publish(event: BusEvent): Promise<void> {
    if (!this.#up) return Promise.reject(new PortLinkClosedError("publish"));
    this.#send({ op: "publish", event });
    return Promise.resolve();
  }

  claim(key: string): Promise<boolean> {
    return this.#request("claim", (id) => ({ op: "claim", id, key }));
  }

  async release(key: string): Promise<void> {
    await this.#request("release", (id) => ({ op: "release", id, key }));
  }

  joined(event: BusEvent & { kind: "joined" }): Promise<boolean> {
    return this.#request("joined", (id) => ({ op: "joined", id, event }));
  }

  async left(event: BusEvent & { kind: "left" }): Promise<void> {
    await this.#request("left", (id) => ({ op: "left", id, event }));
  }

  renew(users: readonly RosterEntry[]): Promise<string[]> {
    return this.#request("renew", (id) => ({ op: "renew", id, users: [...users] }));
  }

  async register(users: readonly RosterEntry[]): Promise<void> {
    await this.#request("register", (id) => ({ op: "register", id, users: [...users] }));
  }

  sweep(): Promise<string[]> {
    return this.#request("sweep", (id) => ({ op: "sweep", id }));
  }

  async snapshot(): Promise<ClusterSnapshot> {
    return new Map(await this.#request("snapshot", (id) => ({ op: "snapshot", id })));
  }

  /** Says goodbye to the hub (which frees this worker's names), then closes the port. */
  async close(): Promise<void> {
    if (!this.#up) return;
    try {
      await this.#request("close", (id) => ({ op: "close", id }));
    } finally {
      this.#up = false;
      this.#port.onmessage = null;
      this.#port.close();
      for (const pending of this.#pending.values()) {
        pending.reject(new PortLinkClosedError("closed while waiting"));
      }
      this.#pending.clear();
    }
  }

  #request<K extends HubOp>(op: K, build: (id: number) => HubRequest): Promise<HubReplies[K]> {
    if (!this.#up) return Promise.reject(new PortLinkClosedError(op));
    const id = this.#nextId++;
    return new Promise<HubReplies[K]>((resolve, reject) => {
      // The hub answers request `op` with HubReplies[op]; the id pairs them.
      this.#pending.set(id, {
        resolve: (value) => resolve(value as HubReplies[K]),
        reject,
      });
      this.#send(build(id));
    });
  }

  #send(request: HubRequest): void {
    this.#queue.push(request);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushQueued = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length > 0) this.#port.postMessage(batch);
  }

  #receive(batch: FromHub): void {
    const handlers = this.#handlers;
    for (const push of batch) {
      if (push.kind === "event") {
        handlers?.event(push.event);
        continue;
      }
      const pending = this.#pending.get(push.id);
      if (pending === undefined) continue;
      this.#pending.delete(push.id);
      pending.resolve(push.value);
    }
  }
}
