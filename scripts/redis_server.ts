/**
 * How the project runs a private redis-server: the tests' (tests/helpers/redis.ts) and the
 * cluster benchmark's (bench/cluster.ts) share it, so both start the same throwaway Redis.
 * @module
 */

/**
 * The arguments for a redis-server that listens only on 127.0.0.1:port and persists nothing, so
 * killing it loses nothing anyone keeps and leaves no files behind.
 */
export function privateRedisArgs(port: number): string[] {
  return ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
}
