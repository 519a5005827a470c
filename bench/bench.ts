/**
 * One benchmark invocation: every selected profile, run `runs` times against every selected
 * target, each run on a freshly started server that is always stopped afterwards. Targets are
 * interleaved within each run so slow drifts of the machine hit them alike.
 * @module
 */

import type { BenchOptions } from "./args.ts";
import { runIdle } from "./idle_run.ts";
import { clockTicksPerSecond, openFileLimit, procText } from "../kit/proc.ts";
import type { Profile } from "./profiles.ts";
import type { BenchReport, ReportRow, RunResult } from "./results.ts";
import { chatClusterTarget } from "./targets/chat_cluster.ts";
import { chatHistoryTarget, chatIrcTarget, chatTarget } from "./targets/chat_server.ts";
import { inspircdTarget, ngircdTarget } from "./targets/irc_server.ts";
import type { Target, TargetName } from "./targets/target.ts";
import { type RunSettings, runTraffic } from "./traffic_run.ts";

/** Where progress lines go (stderr in the CLI, nowhere in tests). */
export type ProgressLog = (line: string) => void;

/** File descriptors the generator needs beyond its clients (stdio, pipes, the runtime). */
const FD_HEADROOM = 64;

/** Builds the target objects for the names given. */
export function makeTargets(names: TargetName[], options: BenchOptions): Target[] {
  const chat = { denoFlags: options.serverDenoFlags, serverArgs: [] };
  return names.map((name) => {
    switch (name) {
      case "chat":
        return chatTarget(chat);
      case "chat-history":
        return chatHistoryTarget(chat);
      case "chat-irc":
        return chatIrcTarget(chat);
      case "ngircd":
        return ngircdTarget(options.install);
      case "inspircd":
        return inspircdTarget(options.install);
      case "chat-cluster2":
        return chatClusterTarget(2, chat, options.install);
      case "chat-cluster3":
        return chatClusterTarget(3, chat, options.install);
      case "chat-cluster2-one":
        return chatClusterTarget(2, chat, options.install, "first");
    }
  });
}

/** Runs the invocation and returns every figure. */
export async function runBench(
  options: BenchOptions,
  log: ProgressLog,
  command: string,
): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const settings: RunSettings = {
    connectRate: options.connectRate,
    maxPendingLogins: 0,
    senderSetup: [],
    inFlight: options.inFlight,
    ticksPerSecond: await clockTicksPerSecond(),
  };
  const targets: Target[] = [];
  const unavailable = new Map<TargetName, string>();
  for (const target of makeTargets(options.targets, options)) {
    try {
      await target.prepare();
      targets.push(target);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      unavailable.set(target.name, message);
      log(`bench: ${message}`);
    }
  }
  const fdLimit = await openFileLimit();
  const rows: ReportRow[] = [];
  for (const profile of options.profiles) {
    const byTarget = new Map<TargetName, RunResult[]>();
    for (const name of options.targets) {
      const reason = unavailable.get(name);
      byTarget.set(
        name,
        reason === undefined ? [] : [{ kind: "failed", error: `unavailable: ${reason}` }],
      );
    }
    if (profile.clients + FD_HEADROOM > fdLimit) {
      const error = `needs ${profile.clients + FD_HEADROOM} open files, the limit is ${fdLimit} ` +
        `(run through bench/run.sh, which raises it to the hard limit)`;
      log(`bench: ${profile.name}: ${error}`);
      for (const t of targets) byTarget.get(t.name)?.push({ kind: "failed", error });
    } else {
      for (let run = 1; run <= options.runs; run++) {
        for (const target of targets) {
          const notApplicable = notApplicableReason(target, profile);
          if (notApplicable !== null) {
            if (run === 1) {
              log(
                `bench: ${profile.name} against ${target.name}: not applicable: ${notApplicable}`,
              );
              byTarget.get(target.name)?.push({ kind: "not applicable", reason: notApplicable });
            }
            continue;
          }
          log(`bench: ${profile.name} run ${run}/${options.runs} against ${target.name} ...`);
          const result = await runOnce(target, profile, {
            ...settings,
            maxPendingLogins: options.maxPendingLogins ?? target.maxPendingLogins,
            senderSetup: target.senderSetup,
          });
          log(`bench:   ${summary(result)}`);
          byTarget.get(target.name)?.push(result);
        }
      }
    }
    for (const name of options.targets) {
      rows.push({ profile: profile.name, target: name, runs: byTarget.get(name) ?? [] });
    }
  }
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: await machine(),
    command,
    rows,
  };
}

/**
 * Why `target` cannot take part in `profile` by its nature (null when it can): a profile with
 * WebSocket clients needs a target that opens `/ws`, which only our single server does.
 */
export function notApplicableReason(
  target: Pick<Target, "protocol" | "speaksWeb">,
  profile: Pick<Profile, "webShare">,
): string | null {
  if ((profile.webShare ?? 0) === 0 || target.speaksWeb === true) return null;
  return target.protocol === "irc"
    ? "its clients speak IRC, and only our server's chat protocol has a WebSocket (/ws)"
    : "only our single server opens a WebSocket (/ws); a cluster's instances run without one";
}

async function runOnce(
  target: Target,
  profile: BenchOptions["profiles"][number],
  settings: RunSettings,
): Promise<RunResult> {
  const web = (profile.webShare ?? 0) > 0;
  let server;
  try {
    server = await target.start(profile.clients, { web });
  } catch (error) {
    return { kind: "failed", error: error instanceof Error ? error.message : String(error) };
  }
  try {
    return profile.kind === "idle"
      ? await runIdle(server, target.protocol, profile, settings)
      : await runTraffic(server, target.protocol, profile, settings);
  } catch (error) {
    return { kind: "failed", error: error instanceof Error ? error.message : String(error) };
  } finally {
    await server.stop();
  }
}

function summary(result: RunResult): string {
  switch (result.kind) {
    case "failed":
      return `failed: ${result.error.split("\n")[0]}`;
    case "not applicable":
      return `not applicable: ${result.reason}`;
    case "traffic":
      return `logins ${result.loginSeconds.toFixed(1)} s; ` +
        `${Math.round(result.deliveriesPerSecond)} deliveries/s, p50 ${
          (result.p50Micros / 1000).toFixed(2)
        } ms, p99 ${(result.p99Micros / 1000).toFixed(2)} ms, lost ${result.lost}, ` +
        `${result.serverCpuMicrosPerDelivery.toFixed(2)} µs CPU/delivery, ` +
        `${result.deliveriesPerRead.toFixed(1)} deliveries/read, generator CPU ${
          Math.round(result.generatorCpuPercent)
        }%, generator lag p99 ${(result.generatorLagP99Micros / 1000).toFixed(1)} ms`;
    case "idle":
      return `${result.loggedIn}/${result.clients} logged in in ${
        result.loginSeconds.toFixed(1)
      } s, ${(result.bytesPerIdleConnection / 1024).toFixed(2)} KiB per idle connection, ` +
        `join notices ${result.joinNotices}/${result.expectedJoinNotices}`;
  }
}

async function machine(): Promise<BenchReport["machine"]> {
  const cpuinfo = await procText("cpuinfo");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(await procText("meminfo"))?.[1] ?? 0);
  return {
    cores: navigator.hardwareConcurrency,
    cpu: model.trim(),
    kernel: (await procText("sys/kernel/osrelease")).trim() || "unknown",
    memoryGiB: Math.round((memKiB / 1048576) * 10) / 10,
  };
}
