/**
 * A private `redis-server`: a free loopback port, no persistence, stopped by pid, restartable on
 * the same port (to test an outage). The cluster tests and the benchmark's cluster targets start
 * the same throwaway Redis through it.
 * @module
 */

import { freePort } from "./ports.ts";
import { Subprocess } from "./process.ts";
import { TimeoutError } from "./timeout.ts";

/** How long a fresh redis-server may take to accept connections. */
const READY_TIMEOUT_MS = 5000;

/**
 * The arguments for a redis-server that listens only on 127.0.0.1:port and persists nothing, so
 * killing it loses nothing anyone keeps and leaves no files behind.
 */
export function privateRedisArgs(port: number): string[] {
  return ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
}

/** A running private redis-server. */
export class RedisServer {
  /** The port it listens on, kept across restarts. */
  readonly port: number;
  #child: Subprocess | null = null;

  private constructor(port: number) {
    this.port = port;
  }

  /**
   * Starts one on a free port and waits until it answers PING. Throws Deno.errors.NotFound when
   * redis-server is not installed, TimeoutError when it does not answer.
   */
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
    await child.kill();
  }

  /** Starts it again on the same port, empty. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  async #spawn(): Promise<void> {
    this.#child = new Subprocess("redis-server", privateRedisArgs(this.port));
    try {
      await waitForPong(this.port);
    } catch (error) {
      await this.stop();
      throw error;
    }
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
