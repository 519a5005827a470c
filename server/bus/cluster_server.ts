/**
 * Starting a server as one instance of a cluster: connect to Redis first (so an unreachable
 * Redis is a clear error before anything listens), then serve the shared room, and close the bus
 * after the last session on shutdown.
 * @module
 */

import { systemClock } from "../clock.ts";
import { ServerConsole, stdConsole } from "../console.ts";
import {
  DEFAULT_CLUSTER_ROOM,
  DEFAULT_PRESENCE_TIMEOUT_SECONDS,
  type ServerOptions,
} from "../options.ts";
import { nameSkeleton } from "../name_skeleton.ts";
import type { BusBacklogLimits } from "./backlog.ts";
import { Room } from "../room.ts";
import { type ChatServer, type ServerDeps, startServer } from "../server.ts";
import { processCounters } from "../metrics/counters.ts";
import { ClusterBus } from "./bus.ts";
import { presenceTiming } from "./presence.ts";
import { RedisLink } from "./redis_link.ts";
import { parseRedisUrl } from "./redis_url.ts";

export { DEFAULT_CLUSTER_ROOM } from "../options.ts";

/** A running clustered server and its bus (tests read the bus's per-instance counts). */
export interface ClusterServer extends ChatServer {
  /** The bus that mirrors the room. */
  readonly bus: ClusterBus;
}

/** A random instance id: 8 hex digits. */
export function randomInstanceId(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 8);
}

/** What a clustered server can be given besides a server's deps (tests: a smaller bound). */
export interface ClusterServerDeps extends ServerDeps {
  /** The bound on publications in flight to Redis (default: DEFAULT_BUS_BACKLOG). */
  busBacklog?: BusBacklogLimits;
}

/**
 * Starts a server that shares its room through the Redis at `options.redis`. Throws
 * RedisUrlError for a bad address, ClusterUnavailableError when Redis cannot be reached or the
 * instance id is taken, ListenError when the port cannot be bound (the bus is closed again).
 */
export async function startClusterServer(
  options: ServerOptions,
  deps: ClusterServerDeps = {},
): Promise<ClusterServer> {
  const address = parseRedisUrl(options.redis ?? "");
  const clock = deps.clock ?? systemClock;
  const console = deps.serverConsole ??
    new ServerConsole(deps.console ?? stdConsole, clock, { format: options.logFormat });
  const timing = presenceTiming(
    (options.presenceTimeoutSeconds ?? DEFAULT_PRESENCE_TIMEOUT_SECONDS) * 1000,
  );
  const room = deps.room ?? new Room({ batching: { clock }, skeleton: nameSkeleton });
  const clusterRoom = options.clusterRoom ?? DEFAULT_CLUSTER_ROOM;
  const link = new RedisLink({
    address,
    instanceId: options.instanceId ?? randomInstanceId(),
    room: clusterRoom,
    timing,
    clock,
  });
  const bus = new ClusterBus({ room, link, clock, console, timing, backlog: deps.busBacklog });
  const found = await bus.start();
  let server: ChatServer;
  try {
    server = await startServer(options, {
      ...deps,
      serverConsole: console,
      room,
      claims: bus,
      onlineDetail: () => bus.onlineDetail(),
      busPressure: () => bus.backlog.pressure(),
      afterShutdown: () => bus.close(),
    });
    bus.attachModeration(server.moderation);
  } catch (error) {
    await bus.close();
    console.close();
    throw error;
  }
  server.metrics.readiness.add(() => bus.ready ? null : "cluster link to Redis down");
  server.metrics.registry.registerAll([
    {
      name: "chat_cluster_instances",
      help: "Live cluster instances this one sees, itself included.",
      type: "gauge",
      read: () => bus.liveInstances,
    },
    {
      name: "chat_redis_reconnects_total",
      help: "Times the link to Redis came back after being lost.",
      type: "counter",
      read: () => processCounters.redisReconnects,
    },
  ]);
  console.info(
    `cluster: instance ${bus.instanceId}, room '${clusterRoom}' on ${address.url}; ` +
      `${found.remoteUsers} user(s) on ${found.otherInstances} other instance(s)`,
  );
  return Object.assign(server, { bus });
}
