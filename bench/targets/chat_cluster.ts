/**
 * A cluster of our servers as a benchmark target (`chat-cluster2`, `chat-cluster3`): a private
 * redis-server and N `chat server --redis` instances, clients spread over the instances
 * round-robin, CPU and memory summed over the instances and Redis's CPU kept apart.
 * `chat-cluster2-one` puts every client on the first of two instances: the second and Redis only
 * relay, so the first's bus carries the whole load (how far its memory grows is the question).
 * redis-server is installed with apt-get when missing, like the IRC servers.
 * @module
 */

import type { ChatServerProcess } from "../../kit/chat_process.ts";
import { ChatServerStartError } from "../../kit/chat_process.ts";
import { RedisServer } from "../../kit/redis_server.ts";
import { aptInstall } from "./apt.ts";
import { type ChatTargetOptions, launchChatServer } from "./chat_server.ts";
import {
  type ServerAddress,
  type StartedTarget,
  type Target,
  type TargetName,
  TargetUnavailableError,
} from "./target.ts";

/** A running cluster: Redis and the instances, stopped together. */
export interface Cluster {
  /** Every instance, in start order. */
  readonly addresses: readonly ServerAddress[];
  /** Every instance's pid (to sum CPU and memory), in the same order. */
  readonly pids: readonly number[];
  /** The redis-server's pid. */
  readonly redisPid: number;
  /** Stops the instances, then Redis. Idempotent. */
  stop(): Promise<void>;
}

/** The cluster could not be started (redis-server missing, an instance did not come up). */
export class ClusterStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClusterStartError";
  }
}

/**
 * Starts a private redis-server (no persistence) and `instances` chat servers sharing one room
 * through it, with the single-server target's settings.
 */
export async function startCluster(
  instances: number,
  options: ChatTargetOptions,
): Promise<Cluster> {
  let redis: RedisServer;
  try {
    redis = await RedisServer.start();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ClusterStartError("redis-server is not installed (apt-get install redis-server)");
    }
    throw new ClusterStartError(`redis-server did not start: ${error}`);
  }
  const redisPid = redis.pid ?? 0;
  const servers: ChatServerProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.process.stop()));
    await redis.stop();
  };
  try {
    for (let i = 0; i < instances; i++) {
      try {
        servers.push(
          await launchChatServer(options, ["--redis", redis.url, "--instance-id", `bench${i + 1}`]),
        );
      } catch (error) {
        if (!(error instanceof ChatServerStartError)) throw error;
        throw new ClusterStartError(`instance ${i + 1} did not start: ${error.message}`);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    addresses: servers.map((s) => ({ host: "127.0.0.1", port: s.port })),
    pids: servers.map((s) => s.process.pid),
    redisPid,
    stop,
  };
}

/** The cluster sizes that have a target name. */
export type ClusterSize = 2 | 3;

/** Where a cluster target's clients connect: spread over the instances, or all on the first. */
export type ClusterSpread = "round-robin" | "first";

/** The `chat-clusterN` and `chat-cluster2-one` targets. */
export function chatClusterTarget(
  instances: ClusterSize,
  options: ChatTargetOptions,
  install: boolean,
  spread: ClusterSpread = "round-robin",
): Target {
  const name: TargetName = spread === "first"
    ? "chat-cluster2-one"
    : instances === 2
    ? "chat-cluster2"
    : "chat-cluster3";
  return {
    name,
    protocol: "chat",
    // Each instance listens with Deno's backlog of 511; one bound for the whole crowd, as for
    // the single server.
    maxPendingLogins: 256,
    senderSetup: [],
    async prepare(): Promise<void> {
      if (await redisRunnable()) return;
      if (!install) {
        throw new TargetUnavailableError(name, "redis-server not installed (--no-install)");
      }
      await aptInstall(name, {
        packageName: "redis-server",
        binary: "redis-server",
        installed: redisRunnable,
      });
    },
    async start(maxClients: number): Promise<StartedTarget> {
      try {
        const cluster = await startCluster(instances, {
          denoFlags: options.denoFlags,
          serverArgs: [
            "--max-clients",
            String(Math.max(10_000, maxClients)),
            ...options.serverArgs,
          ],
        });
        const [first] = cluster.addresses;
        return {
          pid: cluster.pids[0],
          host: first.host,
          port: first.port,
          addresses: spread === "first" ? [first] : cluster.addresses,
          pids: cluster.pids,
          redisPid: cluster.redisPid,
          stop: cluster.stop,
        };
      } catch (error) {
        if (!(error instanceof ClusterStartError)) throw error;
        throw new TargetUnavailableError(name, error.message);
      }
    },
  };
}

/** True if `redis-server --version` runs. */
async function redisRunnable(): Promise<boolean> {
  try {
    const out = await new Deno.Command("redis-server", {
      args: ["--version"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}
