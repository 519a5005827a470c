/**
 * Choosing and opening the store from the server's options: SQLite in memory by default, a
 * SQLite file with `--db`, the cluster's Redis with `--redis`.
 * @module
 */

import type { Clock } from "../clock.ts";
import { DEFAULT_CLUSTER_ROOM, DEFAULT_SERVER_OPTIONS, type ServerOptions } from "../options.ts";
import { RedisStore } from "./redis_store.ts";
import { SqliteStore } from "./sqlite_store.ts";
import type { Retention, Store, StoreReport } from "./store.ts";

/** The retention the options ask for. */
export function retentionOf(options: ServerOptions): Retention {
  return {
    lines: options.historyLines ?? DEFAULT_SERVER_OPTIONS.historyLines ?? 0,
    days: options.historyDays ?? DEFAULT_SERVER_OPTIONS.historyDays ?? 0,
  };
}

/**
 * Opens the store the options name (`--redis`: the cluster's Redis; `--db`: that SQLite file;
 * otherwise SQLite in memory); throws StoreOpenError when it cannot.
 */
export function openStore(
  options: ServerOptions,
  clock: Clock,
  report: StoreReport,
): Promise<Store> {
  const retention = retentionOf(options);
  if (options.redis !== undefined) {
    const room = options.clusterRoom ?? DEFAULT_CLUSTER_ROOM;
    return RedisStore.open({ url: options.redis, room, retention, clock, report });
  }
  try {
    return Promise.resolve(
      new SqliteStore({ file: options.db ?? null, retention, clock, report }),
    );
  } catch (error) {
    return Promise.reject(error);
  }
}
