/**
 * Reading a started target's CPU and memory, whether it is one process or a cluster: the
 * instances' figures are summed (they are the server), Redis's CPU is kept apart so the server
 * column stays comparable with a single server's.
 * @module
 */

import { cpuSeconds, type MemorySample, totalCpuSeconds, totalMemory } from "../kit/proc.ts";
import type { StartedTarget } from "./targets/target.ts";

/** CPU seconds used so far by the server's processes and by its Redis (0 without one). */
export interface CpuSample {
  server: number;
  redis: number;
}

/** The processes of one running target, measured through /proc. */
export class ServerMeter {
  readonly #pids: readonly number[];
  readonly #redisPid: number | undefined;
  readonly #ticks: number;

  constructor(server: StartedTarget, ticksPerSecond: number) {
    this.#pids = server.pids !== undefined && server.pids.length > 0 ? server.pids : [server.pid];
    this.#redisPid = server.redisPid;
    this.#ticks = ticksPerSecond;
  }

  /** Server processes summed over (1 for a single server). */
  get processes(): number {
    return this.#pids.length;
  }

  /** CPU used so far, all threads, user + system. */
  async cpu(): Promise<CpuSample> {
    const [server, redis] = await Promise.all([
      totalCpuSeconds(this.#pids, this.#ticks),
      this.#redisPid === undefined ? 0 : cpuSeconds(this.#redisPid, this.#ticks),
    ]);
    return { server, redis };
  }

  /** Redis's CPU seconds between two samples; null when the target has no Redis. */
  redisSpan(from: CpuSample, to: CpuSample): number | null {
    return this.#redisPid === undefined ? null : to.redis - from.redis;
  }

  /** VmRSS and VmHWM, summed over the server's processes (not Redis). */
  memory(): Promise<MemorySample> {
    return totalMemory(this.#pids);
  }
}
