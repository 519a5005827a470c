/**
 * `deno task soak`: chat under a steady load for a while, then report what was lost and how the
 * server's memory moved. Exits 1 when anything was lost, duplicated or reordered, or the memory
 * grew past the bound; 2 for a bad flag.
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULT_SOAK_OPTIONS, formatReport, runSoak, type SoakOptions } from "./run.ts";

const D = DEFAULT_SOAK_OPTIONS;

/** `deno task soak --help`. */
export const SOAK_USAGE = `Usage: deno task soak [options]

Starts a chat server process, keeps N clients chatting at a steady rate, lets short-lived
clients join and leave throughout, and reports messages sent, delivered, lost, duplicated and
out of order, and the server's RSS at the start and the end.

Options:
  --clients N           clients connected for the whole run (default ${D.clients})
  --duration SECONDS    how long they chat (default ${D.durationSeconds}; 3600 for an hour)
  --rate N              messages per second per client (default ${D.rate})
  --churn-interval MS   a short-lived client joins every MS milliseconds, 0 for none
                        (default ${D.churnIntervalMs})
  --max-rss-growth MIB  fail if the server's RSS grows more than this after the clients
                        logged in (default ${D.maxRssGrowthMiB})
  -h, --help            show this text`;

/** A flag was wrong. */
export class SoakUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SoakUsageError";
  }
}

/** Parses the soak's flags; undefined means --help. */
export function parseSoakArgs(args: string[]): SoakOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        clients: { type: "string" },
        duration: { type: "string" },
        rate: { type: "string" },
        "churn-interval": { type: "string" },
        "max-rss-growth": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new SoakUsageError(error instanceof Error ? error.message.split("\n")[0] : String(error));
  }
  if (values.help === true) return undefined;
  const number = (name: string, value: string | undefined, fallback: number, min: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || n < min) {
      throw new SoakUsageError(`--${name} must be a number of at least ${min}, got '${value}'`);
    }
    return n;
  };
  return {
    clients: Math.floor(number("clients", values.clients, D.clients, 2)),
    durationSeconds: number("duration", values.duration, D.durationSeconds, 1),
    rate: number("rate", values.rate, D.rate, 0.01),
    churnIntervalMs: number("churn-interval", values["churn-interval"], D.churnIntervalMs, 0),
    maxRssGrowthMiB: number("max-rss-growth", values["max-rss-growth"], D.maxRssGrowthMiB, 0),
  };
}

if (import.meta.main) {
  let options: SoakOptions | undefined;
  try {
    options = parseSoakArgs(Deno.args);
  } catch (error) {
    console.error(`soak: ${error instanceof Error ? error.message : error}\n\n${SOAK_USAGE}`);
    Deno.exit(2);
  }
  if (options === undefined) {
    console.log(SOAK_USAGE);
    Deno.exit(0);
  }
  const report = await runSoak(options, (line) => console.log(line));
  console.log(formatReport(options, report));
  Deno.exit(report.failures.length === 0 ? 0 : 1);
}
