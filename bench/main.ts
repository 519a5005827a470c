/**
 * `deno task bench`: the load generator's entry point. Parses the command line, runs the
 * benchmark, prints one table (and the goals checked against it) on stdout; progress
 * goes to stderr. Servers it started are stopped on exit, on errors and on Ctrl-C.
 * @module
 */

import { UsageError } from "../cli/usage.ts";
import { BENCH_USAGE, parseBenchArgs } from "./args.ts";
import { runBench } from "./bench.ts";
import { checkGoals } from "./goals.ts";
import type { Profile } from "./profiles.ts";
import { type BenchReport, isMeasured } from "./results.ts";
import { renderNotes, renderTable } from "./table.ts";
import { stopAllSubprocesses } from "../kit/process.ts";

/** Renders the report as it is printed and pasted into docs/performance.md. */
export function renderReport(report: BenchReport, profiles: readonly Profile[]): string {
  const m = report.machine;
  const lines = [
    `- When: ${report.startedAt} to ${report.finishedAt}`,
    `- Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Linux ${m.kernel}`,
    `- Command: \`${report.command}\``,
    "",
    renderTable(report.rows),
  ];
  const notes = renderNotes(report.rows);
  if (notes.length > 0) lines.push("", "Notes:", ...notes.map((n) => `- ${n}`));
  lines.push("", "Goals of issue 5 (medians, our server against the better IRC server):");
  for (const v of checkGoals(report.rows, profiles)) {
    lines.push(`- ${v.status}: ${v.goal} (${v.detail})`);
  }
  return lines.join("\n");
}

/** Runs the bench CLI with these arguments; returns the exit code. */
export async function benchMain(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseBenchArgs(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`bench: ${error.message}\n\n${error.usage}`);
      return 2;
    }
    throw error;
  }
  if (parsed.kind === "help") {
    console.log(BENCH_USAGE);
    return 0;
  }
  const options = parsed.options;
  const onInterrupt = () => {
    console.error("bench: interrupted, stopping servers ...");
    void stopAllSubprocesses().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    const command = ["deno task bench", ...args].join(" ");
    const report = await runBench(options, (line) => console.error(line), command);
    console.log(renderReport(report, options.profiles));
    if (options.jsonPath !== null) {
      await Deno.writeTextFile(options.jsonPath, JSON.stringify(report, null, 2) + "\n");
    }
    // Nothing measured and something failed (a profile no target applies to is not a failure).
    const runs = report.rows.flatMap((r) => r.runs);
    const failed = !runs.some(isMeasured) && runs.some((x) => x.kind === "failed");
    return failed ? 1 : 0;
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await stopAllSubprocesses();
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
}

if (import.meta.main) {
  Deno.exit(await benchMain(Deno.args));
}
