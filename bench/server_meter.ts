/**
 * Reading a started target's CPU and memory, whether it is one process or a cluster: the
 * instances' figures are summed (they are the server), Redis's CPU is kept apart so the server
 * column stays comparable with a single server's.
 * @module
 */

import {
  cpuSeconds,
  memory,
  type MemorySample,
  totalCpuSeconds,
  totalMemory,
} from "../kit/proc.ts";
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

  /**
   * Samples each server process's RSS every `everyMs` until the returned function is called,
   * which gives the samples (bytes, one array per process in pid order). A peak alone cannot
   * tell a ceiling from a climb; the series can.
   */
  trackRss(everyMs: number): () => Promise<number[][]> {
    const series: number[][] = this.#pids.map(() => []);
    let stopped = false;
    const sample = async () => {
      try {
        const each = await Promise.all(this.#pids.map((pid) => memory(pid)));
        each.forEach((m, i) => series[i].push(m.rssBytes));
      } catch {
        // the process ended; the run reports that on its own
      }
    };
    const loop = (async () => {
      while (!stopped) {
        await sample();
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
    })();
    return async () => {
      stopped = true;
      await loop;
      await sample();
      return series;
    };
  }
}

/**
 * One note line on memory over a long window: per process, the peak RSS of each third of the
 * window and the RSS at its end, in MiB. A ceiling shows as thirds that stop rising.
 */
export function rssOverTime(series: readonly number[][]): string {
  const mib = (bytes: number) => (bytes / 1048576).toFixed(0);
  const parts = series.map((samples, i) => {
    const third = Math.max(1, Math.ceil(samples.length / 3));
    const peaks = [0, 1, 2].map((k) => samples.slice(k * third, (k + 1) * third))
      .filter((part) => part.length > 0)
      .map((part) => mib(Math.max(...part)));
    const last = samples.length > 0 ? mib(samples[samples.length - 1]) : "?";
    return `${series.length > 1 ? `process ${i + 1}: ` : ""}${
      peaks.join(" / ")
    }, ${last} at the end`;
  });
  return `server RSS over the window, peak of each third in MiB: ${parts.join("; ")}`;
}
