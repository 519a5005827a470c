/**
 * The report as one Markdown table (every profile and target of the invocation, the median of
 * the runs and then each run), followed by notes on failures.
 * @module
 */

import {
  type IdleResult,
  isMeasured,
  type ReportRow,
  type RunResult,
  type TrafficResult,
} from "./results.ts";

const HEADER = [
  "profile",
  "target",
  "run",
  "deliveries/s",
  "p50 ms",
  "p99 ms",
  "max ms",
  "lost",
  "dup",
  "ooo",
  "server CPU µs/delivery",
  "server peak RSS MiB",
  "logins",
  "login s",
  "KiB/idle conn",
  "gen CPU %",
];

const DASH = "–";

/** Renders every row (median first when there are several runs) as a Markdown table. */
export function renderTable(rows: ReportRow[]): string {
  const lines = [row(HEADER), row(HEADER.map((_, i) => (i < 3 ? "---" : "---:")))];
  for (const r of rows) {
    const ok = r.runs.filter(isMeasured);
    if (r.runs.length > 1) {
      const median = medianOf(ok);
      lines.push(row([r.profile, r.target, "**median**", ...cells(median)]));
    }
    r.runs.forEach((result, i) => {
      const label = r.runs.length > 1 ? `${i + 1}` : "1";
      lines.push(row([r.profile, r.target, label, ...cells(result)]));
    });
  }
  return lines.join("\n");
}

/** Notes under the table: failed runs, why a run is not applicable, failed logins, drops, corrupt payloads. */
export function renderNotes(rows: ReportRow[]): string[] {
  const notes: string[] = [];
  for (const r of rows) {
    r.runs.forEach((result, i) => {
      const where = `${r.profile} / ${r.target} / run ${i + 1}`;
      if (result.kind === "failed") {
        notes.push(`${where}: FAILED: ${result.error.split("\n").join(" | ")}`);
        return;
      }
      if (result.kind === "not applicable") {
        notes.push(`${r.profile} / ${r.target}: not applicable: ${result.reason}`);
        return;
      }
      for (const note of result.notes) notes.push(`${where}: ${note}`);
      if (result.kind === "traffic" && result.corrupt > 0) {
        notes.push(`${where}: ${result.corrupt} corrupt payloads`);
      }
      if (result.kind === "idle" && joinNoticesWrong(result)) {
        notes.push(
          `${where}: join notices received ${result.joinNotices} of ${result.expectedJoinNotices}`,
        );
      }
    });
  }
  return notes;
}

function cells(result: RunResult | null): string[] {
  if (result === null) return HEADER.slice(3).map(() => DASH);
  if (result.kind === "failed") return ["failed", ...HEADER.slice(4).map(() => DASH)];
  if (result.kind === "not applicable") {
    return ["n/a", ...HEADER.slice(4).map(() => DASH)];
  }
  const mib = fixed(result.serverPeakRssBytes / 1048576, 1);
  if (result.kind === "traffic") {
    return [
      int(result.deliveriesPerSecond),
      ms(result.p50Micros),
      ms(result.p99Micros),
      ms(result.maxMicros),
      int(result.lost),
      int(result.duplicated),
      int(result.outOfOrder),
      fixed(result.serverCpuMicrosPerDelivery, 2),
      mib,
      `${Math.round(result.clients - result.loginFailures)}/${result.clients}`,
      fixed(result.loginSeconds, 1),
      DASH,
      int(result.generatorCpuPercent),
    ];
  }
  return [
    DASH,
    DASH,
    DASH,
    DASH,
    int(missingJoinNotices(result)),
    DASH,
    DASH,
    DASH,
    mib,
    `${Math.round(result.loggedIn)}/${result.clients}`,
    fixed(result.loginSeconds, 1),
    fixed(result.bytesPerIdleConnection / 1024, 2),
    int(result.generatorCpuPercent),
  ];
}

/**
 * Join notices missing. In a cluster, two logins racing on two instances are each announced to
 * the other (each instance learns of the remote login after its own user joined), so a cluster
 * may show more than L(L-1)/2 notices, never fewer: only a shortfall counts there.
 */
function missingJoinNotices(result: IdleResult): number {
  const missing = result.expectedJoinNotices - result.joinNotices;
  return result.serverProcesses > 1 ? Math.max(0, missing) : missing;
}

function joinNoticesWrong(result: IdleResult): boolean {
  return result.serverProcesses > 1
    ? result.joinNotices < result.expectedJoinNotices
    : result.joinNotices !== result.expectedJoinNotices;
}

/** A result whose every figure is the median of that figure over the runs. */
export function medianOf(runs: (TrafficResult | IdleResult)[]): TrafficResult | IdleResult | null {
  if (runs.length === 0) return null;
  const first = runs[0];
  const same = runs.filter((r) => r.kind === first.kind);
  const out: Record<string, unknown> = { ...first, notes: [] };
  for (const [key, value] of Object.entries(first)) {
    if (typeof value !== "number") continue;
    out[key] = median(same.map((r) => (r as unknown as Record<string, number>)[key]));
  }
  return out as unknown as TrafficResult | IdleResult;
}

/** The middle value (mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function row(cols: string[]): string {
  return `| ${cols.join(" | ")} |`;
}

function int(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function fixed(n: number, digits: number): string {
  return n.toFixed(digits);
}

function ms(micros: number): string {
  return (micros / 1000).toFixed(2);
}
