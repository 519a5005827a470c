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
