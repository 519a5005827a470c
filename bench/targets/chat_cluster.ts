/**
 * A cluster of our servers as a benchmark target (`chat-cluster2`, `chat-cluster3`): a private
 * redis-server and N `chat server --redis` instances (bench/cluster.ts), clients spread over the
 * instances round-robin, CPU and memory summed over the instances and Redis's CPU kept apart.
 * redis-server is installed with apt-get when missing, like the IRC servers.
 * @module
 */

import { ClusterStartError, startCluster } from "../cluster.ts";
import { aptInstall } from "./apt.ts";
import type { ChatTargetOptions } from "./chat_server.ts";
import {
  type RunningServer,
  type Target,
  type TargetName,
  TargetUnavailableError,
} from "./target.ts";

/** The cluster sizes that have a target name. */
export type ClusterSize = 2 | 3;

/** The `chat-clusterN` target. */
export function chatClusterTarget(
  instances: ClusterSize,
  options: ChatTargetOptions,
  install: boolean,
): Target {
  const name: TargetName = instances === 2 ? "chat-cluster2" : "chat-cluster3";
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
    async start(maxClients: number): Promise<RunningServer> {
      try {
        const cluster = await startCluster(instances, {
          denoFlags: [...options.denoFlags],
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
          addresses: cluster.addresses,
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
