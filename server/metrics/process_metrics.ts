/**
 * The process's own numbers under their standard Prometheus names (`process_*`), so existing
 * dashboards and alerts work: memory, CPU time, start time, and open file descriptors where the
 * process may read /proc.
 * @module
 */

import process from "node:process";
import type { MetricSource } from "./registry.ts";

/** Seconds since the epoch at which the process started (about: when this module loaded). */
const START_SECONDS = Math.floor(Date.now() / 1000 - performance.now() / 1000);

/**
 * The number of open file descriptors, or undefined where it cannot be known: only Linux has
 * /proc/self/fd, and Deno lets a process read it only with every permission (`deno run -A`), not
 * with the compiled binary's --allow-read.
 */
export function openFileDescriptors(): number | undefined {
  if (Deno.build.os !== "linux") return undefined;
  try {
    let count = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) count++;
    return count;
  } catch {
    return undefined;
  }
}

/** process_resident_memory_bytes, process_heap_bytes, process_cpu_seconds_total, ... */
export function processSources(): MetricSource[] {
  return [
    {
      name: "process_resident_memory_bytes",
      help: "Resident memory size in bytes.",
      type: "gauge",
      read: () => Deno.memoryUsage().rss,
    },
    {
      name: "process_heap_bytes",
      help: "JavaScript heap in use, in bytes.",
      type: "gauge",
      read: () => Deno.memoryUsage().heapUsed,
    },
    {
      name: "process_cpu_seconds_total",
      help: "Total user and system CPU time spent in seconds.",
      type: "counter",
      read: () => {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1e6;
      },
    },
    {
      name: "process_start_time_seconds",
      help: "Start time of the process since the Unix epoch in seconds.",
      type: "gauge",
      read: () => START_SECONDS,
    },
    {
      name: "process_open_fds",
      help: "Number of open file descriptors (only where /proc/self/fd is readable).",
      type: "gauge",
      read: openFileDescriptors,
    },
  ];
}
