/**
 * Cluster instances for a test: in-process servers (server/bus/cluster_server.ts) sharing one
 * room through the test's redis-server (tests/helpers/redis.ts), each with a captured console,
 * and clients that are closed before the instances shut down.
 * @module
 */

import {
  type ClusterServer,
  type ClusterServerDeps,
  startClusterServer,
} from "../../server/bus/cluster_server.ts";
import type { ServerOptions } from "../../server/options.ts";
import type { RedisServer } from "./redis.ts";
import { CapturedConsole, testServerOptions } from "./server.ts";
import { TestClient, waitUntil } from "./wire.ts";

/** The presence timeout instances get unless a test says otherwise: the dead leave within 2 s. */
export const CLUSTER_PRESENCE_SECONDS = 2;

/** What an instance can be given besides its options: its console is the fixture's. */
export type InstanceDeps = Omit<ClusterServerDeps, "console" | "serverConsole">;

/** One instance's own settings, on top of the cluster's. */
export interface InstanceSettings {
  /** Its instance id; `i0`, `i1`, ... by the order of starting when not given. */
  id?: string;
  /** Option overrides (e.g. `redis` through a proxy); they win over the cluster's. */
  options?: Partial<ServerOptions>;
  /** Deps overrides; they win over the cluster's (the console is always a captured one). */
  deps?: InstanceDeps;
}

/** Settings for {@link withCluster}. */
export interface WithClusterSettings {
  /** The instances started before the body runs: how many, or each one's settings (default 2). */
  instances?: number | InstanceSettings[];
  /** Option overrides for every instance. */
  options?: Partial<ServerOptions>;
  /** Deps for every instance (e.g. a smaller bus bound). */
  deps?: InstanceDeps;
}

/** An instance, by its index in the order of starting or itself. */
export type InstanceRef = number | ClusterServer;

/** What a cluster test body gets. */
export interface ClusterFixture {
  /** The instances, in the order they were started. */
  servers: ClusterServer[];
  /** What each instance printed, by the same index. */
  consoles: CapturedConsole[];
  /** Starts one more instance (shut down at the end of the test). */
  start(settings?: InstanceSettings): Promise<ClusterServer>;
  /** Connects a client to an instance (closed at the end of the test). */
  connect(instance: InstanceRef): Promise<TestClient>;
  /** Logs in on an instance and waits until every instance lists the name. */
  login(instance: InstanceRef, name: string): Promise<TestClient>;
}

/**
 * Runs `body` against instances sharing the room through `redis`. However it ends, the clients
 * are closed, then the instances shut down and awaited; the caller stops Redis afterwards.
 */
export async function withCluster(
  redis: RedisServer,
  settings: WithClusterSettings,
  body: (fixture: ClusterFixture) => Promise<void>,
): Promise<void> {
  const servers: ClusterServer[] = [];
  const consoles: CapturedConsole[] = [];
  const clients: TestClient[] = [];
  const start = async (instance: InstanceSettings = {}) => {
    const console = new CapturedConsole();
    const server = await startClusterServer(
      testServerOptions({
        redis: redis.url,
        instanceId: instance.id ?? `i${servers.length}`,
        presenceTimeoutSeconds: CLUSTER_PRESENCE_SECONDS,
        ...settings.options,
        ...instance.options,
      }),
      { ...settings.deps, ...instance.deps, console },
    );
    servers.push(server);
    consoles.push(console);
    return server;
  };
  const find = (instance: InstanceRef) =>
    typeof instance === "number" ? servers[instance] : instance;
  const connect = async (instance: InstanceRef) => {
    const client = await TestClient.connect(find(instance).addr);
    clients.push(client);
    return client;
  };
  const login = async (instance: InstanceRef, name: string) => {
    const client = await connect(instance);
    await client.login(name);
    await waitUntil(
      () => servers.every((s) => s.onlineNames().includes(name)),
      5000,
      `every instance to list ${name}`,
    );
    return client;
  };
  try {
    const instances = settings.instances ?? 2;
    const each: InstanceSettings[] = typeof instances === "number"
      ? Array.from({ length: instances }, () => ({}))
      : instances;
    for (const instance of each) await start(instance);
    await body({ servers, consoles, start, connect, login });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(servers.map((s) => s.shutdown()));
  }
}
