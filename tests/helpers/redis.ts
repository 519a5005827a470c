/**
 * A private `redis-server` for a test (the kit's, kit/redis_server.ts), skipped with a printed
 * reason when `redis-server` is not installed (so CI on other platforms can skip those tests).
 * @module
 */

import { RedisServer } from "../../kit/redis_server.ts";
import { commandUnavailable } from "./platform.ts";

export { freePort } from "../../kit/ports.ts";
export { RedisServer } from "../../kit/redis_server.ts";

/** Null if `redis-server` can be run here, otherwise why not. */
export function redisUnavailableReason(): Promise<string | null> {
  return commandUnavailable("redis-server");
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

/** Sends one command to Redis over a raw socket (RESP), for messages no instance would send. */
export async function redisCommand(port: number, ...args: string[]): Promise<void> {
  const encoder = new TextEncoder();
  const parts = args.map((arg) => `$${encoder.encode(arg).length}\r\n${arg}\r\n`);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(encoder.encode(`*${args.length}\r\n${parts.join("")}`));
    await conn.read(new Uint8Array(256));
  } finally {
    conn.close();
  }
}
