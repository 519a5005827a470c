/**
 * The counters the hot path bumps: plain integer fields of one object per process, incremented
 * where the work happens (an outbox's write, a delivery, a flood drop) and read only when
 * `/metrics` is scraped. No labels, no maps, no calls: the cost is one add.
 * @module
 */

/** Counts that only go up, for the life of the process. */
export interface ProcessCounters {
  /** Frames handed to local clients' outboxes (one per recipient of a broadcast). */
  deliveries: number;
  /** Bytes written to client sockets. */
  bytesSent: number;
  /** Messages refused by flood control. */
  floodDrops: number;
  /** Times the cluster link to Redis came back after being lost. */
  redisReconnects: number;
  /** History batches the store failed to write (each retry that fails counts). */
  storeWriteErrors: number;
}

/**
 * This process's counters. Per process rather than per server: production runs one server per
 * process, and the outbox, the session and the flood gate can count without being handed
 * anything. Tests that run several servers in one process compare before and after.
 */
export const processCounters: ProcessCounters = {
  deliveries: 0,
  bytesSent: 0,
  floodDrops: 0,
  redisReconnects: 0,
  storeWriteErrors: 0,
};
