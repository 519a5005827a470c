/**
 * The benchmark against a cluster: a private redis-server and N `chat server --redis`
 * instances on 127.0.0.1, with clients spread over the instances round-robin.
 *
 * Two uses:
 * - `startCluster(n)` for the load generator's `chat-clusterN` targets
 *   (bench/targets/chat_cluster.ts): it returns every instance's address and pid; the crowd
 *   connects client i to `addressFor(cluster, i)`, and the CPU and memory figures are summed
 *   over `pids`.
 * - Run directly, a small stand-alone measurement of chat throughput and latency for 1, 2 and 3
 *   instances with the same crowd (its figures are the ones in docs/scaling.md):
 *
 *   deno run --allow-net=127.0.0.1 --allow-read=/proc --allow-run=deno,redis-server,getconf,cat \
 *     bench/cluster.ts [--instances 1,2,3] [--clients 150] [--senders 15] [--rate 200] \
 *     [--seconds 8]
 * @module
 */

import { parseArgs } from "node:util";
import { encodeFrame, FrameDecoder } from "../protocol/mod.ts";
import { clockTicksPerSecond, cpuSeconds } from "./proc_stats.ts";
import { privateRedisArgs } from "../scripts/redis_server.ts";
import {
  ChatServerStartError,
  launchChatServer,
  type LaunchedChatServer,
} from "./targets/chat_server.ts";
import { freePort, ServerProcess, waitForPort } from "./targets/process.ts";
import type { ServerAddress } from "./targets/target.ts";

/** One instance's address. */
export type InstanceAddress = ServerAddress;

/** A running cluster: Redis and the instances, stopped together. */
export interface RunningCluster {
  /** Every instance, in start order. */
  readonly addresses: readonly InstanceAddress[];
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
 * The address client `index` connects to: round-robin over the instances, so every instance
 * holds the same share of the clients (and of the senders, which are the first S clients).
 */
export function addressFor(
  cluster: { readonly addresses: readonly InstanceAddress[] },
  index: number,
): InstanceAddress {
  return cluster.addresses[index % cluster.addresses.length];
}

/**
 * Starts a private redis-server (no persistence) and `instances` chat servers sharing one room
 * through it, with flood control, the per-address limit and the periodic list off (as the
 * single-server target does).
 */
export async function startCluster(
  instances: number,
  options: { denoFlags?: string[]; serverArgs?: string[] } = {},
): Promise<RunningCluster> {
  const redisPort = freePort();
  const redis = new ServerProcess("redis-server", privateRedisArgs(redisPort));
  const servers: ServerProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await redis.stop();
  };
  try {
    if (!await waitForPort("127.0.0.1", redisPort, 5000, redis.status)) {
      throw new ClusterStartError(`redis-server did not start:\n${redis.tail()}`);
    }
    const addresses: InstanceAddress[] = [];
    for (let i = 0; i < instances; i++) {
      let server: LaunchedChatServer;
      try {
        server = await launchChatServer(
          { denoFlags: options.denoFlags ?? [], serverArgs: options.serverArgs ?? [] },
          ["--redis", `redis://127.0.0.1:${redisPort}`, "--instance-id", `bench${i + 1}`],
        );
      } catch (error) {
        if (!(error instanceof ChatServerStartError)) throw error;
        throw new ClusterStartError(`instance ${i + 1} did not start: ${error.message}`);
      }
      servers.push(server.process);
      addresses.push({ host: "127.0.0.1", port: server.port });
    }
    return { addresses, pids: servers.map((s) => s.pid), redisPid: redis.pid, stop };
  } catch (error) {
    await stop();
    if (error instanceof Deno.errors.NotFound) {
      throw new ClusterStartError("redis-server is not installed (apt-get install redis-server)");
    }
    throw error;
  }
}

// --- the stand-alone measurement --------------------------------------------------------------

/** What one measurement does. */
interface Workload {
  clients: number;
  senders: number;
  /** Messages per second, all senders together. */
  rate: number;
  seconds: number;
}

/** What one measurement found. */
interface Figures {
  instances: number;
  sent: number;
  delivered: number;
  expected: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU the instances used per delivery, from the first send to the last delivery. */
  instanceCpuMicrosPerDelivery: number;
  /** Redis's CPU use over the same time, in percent of one core. */
  redisCpuPercent: number;
}

/** One measuring client: logs in, counts chat frames and their latency. */
class Probe {
  readonly conn: Deno.TcpConn;
  readonly #decoder = new FrameDecoder({ maxMessageBytes: 1 << 20 });
  readonly #latencies: number[];
  welcomed = false;
  delivered = 0;
  #reading: Promise<void> | null = null;

  constructor(conn: Deno.TcpConn, latencies: number[]) {
    this.conn = conn;
    this.#latencies = latencies;
  }

  start(name: string): Promise<number> {
    this.#reading = this.#read();
    return this.conn.write(encodeFrame({ username: name, message: "" }));
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    for (;;) {
      let count: number | null;
      try {
        count = await this.conn.read(buffer);
      } catch {
        return;
      }
      if (count === null) return;
      const now = performance.now();
      for (const result of this.#decoder.push(buffer.subarray(0, count))) {
        if (!result.ok) continue;
        const { username, message } = result.frame;
        if (username === "") {
          if (message.startsWith("Welcome, ")) this.welcomed = true;
          continue;
        }
        this.delivered++;
        const sent = Number(message.split(" ", 1)[0]);
        if (Number.isFinite(sent)) this.#latencies.push(now - sent);
      }
    }
  }

  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
    await this.#reading;
  }
}

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** Measures one cluster size with the workload. */
async function measure(instances: number, work: Workload, ticks: number): Promise<Figures> {
  const cluster = await startCluster(instances);
  const latencies: number[] = [];
  const probes: Probe[] = [];
  try {
    for (let i = 0; i < work.clients; i++) {
      const { host, port } = addressFor(cluster, i);
      const probe = new Probe(await Deno.connect({ hostname: host, port }), latencies);
      probes.push(probe);
      await probe.start(`c${i}`);
    }
    if (!await waitFor(() => probes.every((p) => p.welcomed), 30_000)) {
      throw new ClusterStartError("not every client was welcomed within 30 s");
    }
    // Let the join notices of the last logins settle on every instance.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const padding = "x".repeat(48);
    const interval = 1000 / work.rate;
    const total = Math.round(work.rate * work.seconds);
    const cpu = async () => {
      const each = await Promise.all(cluster.pids.map((pid) => cpuSeconds(pid, ticks)));
      const redis = await cpuSeconds(cluster.redisPid, ticks);
      return { instances: each.reduce((a, b) => a + b, 0), redis };
    };
    const cpu0 = await cpu();
    const start = performance.now();
    for (let n = 0; n < total; n++) {
      const due = start + n * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const sender = probes[n % work.senders];
      await sender.conn.write(
        encodeFrame({ username: "", message: `${performance.now()} ${padding}` }),
      );
    }
    const elapsed = (performance.now() - start) / 1000;
    const expected = total * (work.clients - 1);
    const delivered = () => probes.reduce((sum, p) => sum + p.delivered, 0);
    await waitFor(() => delivered() >= expected, 15_000);
    const got = delivered();
    const cpu1 = await cpu();
    const wall = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      instances,
      sent: total,
      delivered: got,
      expected,
      deliveriesPerSecond: got / elapsed,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      instanceCpuMicrosPerDelivery: ((cpu1.instances - cpu0.instances) * 1e6) / Math.max(1, got),
      redisCpuPercent: ((cpu1.redis - cpu0.redis) / wall) * 100,
    };
  } finally {
    await Promise.all(probes.map((p) => p.close()));
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      instances: { type: "string", default: "1,2,3" },
      clients: { type: "string", default: "150" },
      senders: { type: "string", default: "15" },
      rate: { type: "string", default: "200" },
      seconds: { type: "string", default: "8" },
    },
    strict: true,
  });
  const positive = (name: string, text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) {
      console.error(`bench/cluster.ts: --${name} must be a positive integer, got '${text}'`);
      Deno.exit(2);
    }
    return value;
  };
  const work: Workload = {
    clients: positive("clients", values.clients),
    senders: positive("senders", values.senders),
    rate: positive("rate", values.rate),
    seconds: positive("seconds", values.seconds),
  };
  if (work.senders > work.clients) {
    console.error("bench/cluster.ts: --senders cannot exceed --clients");
    Deno.exit(2);
  }
  const sizes = values.instances.split(",").map((n) => positive("instances", n));
  console.log(
    `clients ${work.clients} (round-robin over the instances), senders ${work.senders}, ` +
      `${work.rate} messages/s for ${work.seconds} s, 64-byte messages`,
  );
  console.log(
    "| instances | deliveries/s | delivered / expected | p50 latency | p99 latency " +
      "| instances' CPU per delivery | Redis CPU |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  const ticks = await clockTicksPerSecond();
  for (const instances of sizes) {
    const f = await measure(instances, work, ticks);
    const rate = Math.round(f.deliveriesPerSecond);
    console.log(
      `| ${f.instances} | ${rate} | ${f.delivered} / ${f.expected} | ` +
        `${f.p50Ms.toFixed(2)} ms | ${f.p99Ms.toFixed(2)} ms | ` +
        `${f.instanceCpuMicrosPerDelivery.toFixed(2)} µs | ${f.redisCpuPercent.toFixed(1)}% |`,
    );
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(`bench/cluster.ts: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
