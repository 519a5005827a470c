/**
 * Summarizes a V8 `.cpuprofile` (from `deno run --cpu-prof`, e.g. our server started by the
 * bench with `--server-deno-flags="--cpu-prof --cpu-prof-dir=prof"`): self time per function,
 * optionally only between two fractions of the recording (to leave out start-up and shutdown).
 *
 * Usage: deno run --allow-read bench/profile_summary.ts FILE [--from 0.3] [--to 0.8] [--top 30]
 * @module
 */

import { parseArgs } from "node:util";

/** The parts of a .cpuprofile this summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One line of the summary: a function and the time spent in it (not in its callees). */
export interface SelfTime {
  name: string;
  micros: number;
  share: number;
}

/**
 * Self time per function for samples between `from` and `to` (fractions of the recording),
 * largest first. `(idle)` is time the main thread waited for the event loop.
 */
export function selfTimes(profile: CpuProfile, from = 0, to = 1): SelfTime[] {
  const names = new Map<number, string>();
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    const file = frame.url.split("/").pop() ?? "";
    const where = file === "" ? "" : ` ${file}:${frame.lineNumber + 1}`;
    names.set(node.id, `${frame.functionName || "(anonymous)"}${where}`);
  }
  const span = profile.endTime - profile.startTime;
  const lo = profile.startTime + span * from;
  const hi = profile.startTime + span * to;
  const totals = new Map<string, number>();
  let t = profile.startTime;
  let sum = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < lo || t > hi) continue;
    const name = names.get(profile.samples[i]) ?? "?";
    totals.set(name, (totals.get(name) ?? 0) + delta);
    sum += delta;
  }
  return [...totals]
    .map(([name, micros]) => ({ name, micros, share: sum === 0 ? 0 : micros / sum }))
    .sort((a, b) => b.micros - a.micros);
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: {
      from: { type: "string", default: "0" },
      to: { type: "string", default: "1" },
      top: { type: "string", default: "30" },
    },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (file === undefined) {
    console.error("usage: profile_summary.ts FILE [--from F] [--to F] [--top N]");
    Deno.exit(2);
  }
  const profile = JSON.parse(await Deno.readTextFile(file)) as CpuProfile;
  const rows = selfTimes(profile, Number(values.from), Number(values.to));
  for (const row of rows.slice(0, Number(values.top))) {
    const pct = (row.share * 100).toFixed(1).padStart(5);
    console.log(`${pct}%  ${(row.micros / 1000).toFixed(0).padStart(7)} ms  ${row.name}`);
  }
}
