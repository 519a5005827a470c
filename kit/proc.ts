/**
 * Reading a process's CPU time and memory from Linux's /proc, so the benchmark and the soak
 * measure a server from outside, as the operating system sees it, the same way for every server
 * whatever it is written in.
 * @module
 */

import process from "node:process";

/** /proc could not be read for a process (it exited, or this is not Linux). */
export class ProcStatsError extends Error {
  constructor(pid: number, detail: string) {
    super(`cannot read /proc/${pid}: ${detail}`);
    this.name = "ProcStatsError";
  }
}

/** Clock ticks per second of /proc/PID/stat's utime and stime (from `getconf CLK_TCK`). */
export async function clockTicksPerSecond(): Promise<number> {
  try {
    const out = await new Deno.Command("getconf", { args: ["CLK_TCK"], stdout: "piped" }).output();
    const ticks = Number(new TextDecoder().decode(out.stdout).trim());
    if (out.success && Number.isInteger(ticks) && ticks > 0) return ticks;
  } catch {
    // getconf missing: fall through to Linux's near-universal default.
  }
  return 100;
}

/**
 * CPU seconds (user + system, all threads) the process has used so far: fields 14 and 15 of
 * /proc/PID/stat divided by the clock tick rate.
 */
export async function cpuSeconds(pid: number, ticksPerSecond: number): Promise<number> {
  const text = await readProc(pid, "stat");
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).split(" ");
  // fields[0] is field 3 (state), so utime (14) is fields[11] and stime (15) is fields[12].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new ProcStatsError(pid, "unexpected stat format");
  }
  return (utime + stime) / ticksPerSecond;
}

/** CPU seconds used so far by several processes together (a cluster's instances). */
export async function totalCpuSeconds(
  pids: readonly number[],
  ticksPerSecond: number,
): Promise<number> {
  const each = await Promise.all(pids.map((pid) => cpuSeconds(pid, ticksPerSecond)));
  return each.reduce((a, b) => a + b, 0);
}

/** CPU seconds this process (the load generator, all threads) has used so far. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Resident and peak resident memory of a process, in bytes. */
export interface MemorySample {
  /** VmRSS: resident now. */
  rssBytes: number;
  /** VmHWM: the peak resident size since the process started. */
  peakBytes: number;
}

/** Reads VmRSS and VmHWM from /proc/PID/status. */
export async function memory(pid: number): Promise<MemorySample> {
  const text = await readProc(pid, "status");
  return { rssBytes: statusKiB(text, "VmRSS") * 1024, peakBytes: statusKiB(text, "VmHWM") * 1024 };
}

/**
 * Memory of several processes together: VmRSS summed, and VmHWM summed (each process's own
 * peak, which need not have come at the same moment: an upper bound of the joint peak).
 */
export async function totalMemory(pids: readonly number[]): Promise<MemorySample> {
  const each = await Promise.all(pids.map((pid) => memory(pid)));
  return {
    rssBytes: each.reduce((sum, m) => sum + m.rssBytes, 0),
    peakBytes: each.reduce((sum, m) => sum + m.peakBytes, 0),
  };
}

/** The soft limit on open files of this process, from /proc/PID/limits. */
export async function openFileLimit(): Promise<number> {
  const text = await readProc(Deno.pid, "limits");
  const line = text.split("\n").find((l) => l.startsWith("Max open files"));
  const soft = line === undefined ? NaN : Number(line.slice(26).trim().split(/\s+/)[0]);
  return Number.isFinite(soft) ? soft : Infinity;
}

/** True when this process runs as root (real uid 0). */
export async function isRoot(): Promise<boolean> {
  const match = /^Uid:\s+(\d+)/m.exec(await readProc(Deno.pid, "status"));
  return match !== null && match[1] === "0";
}

/** A file of /proc outside any process directory (cpuinfo, meminfo, ...); "" if unreadable. */
export async function procText(file: string): Promise<string> {
  try {
    return await catFile(`/proc/${file}`);
  } catch {
    return "";
  }
}

/**
 * The kernel's count of connections refused because a listen queue was full (ListenOverflows in
 * /proc/net/netstat; system-wide). A rise during a login phase means SYNs were dropped.
 */
export async function listenOverflows(): Promise<number> {
  const lines = (await procText("net/netstat")).split("\n");
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i].split(/\s+/);
    const values = lines[i + 1].split(/\s+/);
    const at = names.indexOf("ListenOverflows");
    if (names[0] === "TcpExt:" && at > 0) return Number(values[at]) || 0;
  }
  return 0;
}

function statusKiB(text: string, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text);
  return match === null ? 0 : Number(match[1]);
}

/**
 * Reads /proc/PID/FILE through `cat`: Deno lets a program read another process's /proc files
 * only with --allow-all, which the instruments do not ask for.
 */
async function readProc(pid: number, file: string): Promise<string> {
  try {
    return await catFile(`/proc/${pid}/${file}`);
  } catch (error) {
    throw new ProcStatsError(pid, error instanceof Error ? error.message : String(error));
  }
}

async function catFile(path: string): Promise<string> {
  const out = await new Deno.Command("cat", {
    args: [path],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr).trim());
  return new TextDecoder().decode(out.stdout);
}
