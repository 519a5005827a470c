/**
 * A private `redis-server` for a test: a free loopback port, no persistence, stopped by pid, and
 * restartable on the same port (to test an outage). Tests skip, with a printed reason, when
 * `redis-server` is not installed (so CI on other platforms can skip them).
 * @module
 */

import { privateRedisArgs } from "../../scripts/redis_server.ts";
import { commandUnavailable } from "./platform.ts";
import { TimeoutError } from "./timeout.ts";

/** How long a fresh redis-server may take to accept connections. */
const READY_TIMEOUT_MS = 5000;

/** Null if `redis-server` can be run here, otherwise why not. */
export function redisUnavailableReason(): Promise<string | null> {
  return commandUnavailable("redis-server");
}

/** A free TCP port on 127.0.0.1 (bound and released: good enough for a test). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** A running redis-server owned by one test. */
export class RedisServer {
  /** The port it listens on, kept across restarts. */
  readonly port: number;
  #child: Deno.ChildProcess | null = null;

  private constructor(port: number) {
    this.port = port;
  }

  /** Starts one on a free port and waits until it answers PING. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(freePort());
    await server.#spawn();
    return server;
  }

  /** `redis://127.0.0.1:PORT`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The process id of the running server (null while stopped). */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Kills it (SIGKILL: like a crash, all data is gone since nothing is persisted). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === null) return;
    this.#child = null;
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await child.status;
  }

  /** Starts it again on the same port, empty. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  async #spawn(): Promise<void> {
    this.#child = new Deno.Command("redis-server", {
      args: privateRedisArgs(this.port),
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await waitForPong(this.port);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }
}

/** Runs `body` with a fresh redis-server that is always stopped afterwards. */
export async function withRedis(body: (redis: RedisServer) => Promise<void>): Promise<void> {
  const redis = await RedisServer.start();
  try {
    await body(redis);
  } finally {
    await redis.stop();
  }
}

async function waitForPong(port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await pings(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new TimeoutError(`redis-server on port ${port} to answer PING`, READY_TIMEOUT_MS);
}

async function pings(port: number): Promise<boolean> {
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
  } catch {
    return false;
  }
  try {
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buffer = new Uint8Array(64);
    const count = await conn.read(buffer);
    return count !== null &&
      new TextDecoder().decode(buffer.subarray(0, count)).startsWith("+PONG");
  } catch {
    return false;
  } finally {
    conn.close();
  }
}
