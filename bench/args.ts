/**
 * The benchmark's command line: which profiles against which targets, how many runs, and the
 * workload numbers (N, S, R, B, D, warm-up) to override.
 * @module
 */

import { type Parsed, parseIntegerOption, parseStrict, UsageError } from "../cli/usage.ts";
import { MAX_SENDER_INDEX, MIN_PAYLOAD_BYTES } from "./payload.ts";
import {
  type Profile,
  PROFILE_NAMES,
  type ProfileName,
  type ProfileOverrides,
  resolveProfile,
} from "./profiles.ts";
import { DEFAULT_TARGET_NAMES, TARGET_NAMES, type TargetName } from "./targets/target.ts";

/** Largest payload: an IRC line is at most 512 bytes with the server's prefix and CRLF. */
export const MAX_PAYLOAD_BYTES = 400;

/** Everything one benchmark invocation does. */
export interface BenchOptions {
  profiles: Profile[];
  targets: TargetName[];
  /** Runs per profile and target; the table shows the median and every run. */
  runs: number;
  /** New connections per second at most. */
  connectRate: number;
  /** Logins that may be in progress at once; null = each target's own bound. */
  maxPendingLogins: number | null;
  /** With R = 0: messages in flight per sender. */
  inFlight: number;
  /** Install missing IRC servers with apt-get. */
  install: boolean;
  /** Also write the full results as JSON here. */
  jsonPath: string | null;
  /** Extra `deno run` flags for our server (profiling). */
  serverDenoFlags: string[];
}

/** `deno task bench --help`. */
export const BENCH_USAGE = `Usage: deno task bench [options]

Runs each profile against each target (one fresh server per run), then prints one table.

Options:
  --profile LIST        profiles, comma-separated (default all: ${PROFILE_NAMES.join(",")})
  --targets LIST        targets, comma-separated: ${TARGET_NAMES.join(",")}
                        (default ${DEFAULT_TARGET_NAMES.join(",")}; chat-clusterN is N instances
                        of our server sharing the room through a private redis-server;
                        chat-cluster2-one puts every client on the first of the two)
  --runs N              runs of each profile and target; medians are shown (default 3)
  -N, --clients N       clients in the room (overrides the profile)
  -S, --senders S       clients that send (overrides the profile)
  -R, --rate R          messages per second per sender, 0 = as fast as possible
  -B, --bytes B         payload bytes per message (${MIN_PAYLOAD_BYTES}..${MAX_PAYLOAD_BYTES})
  -D, --duration SECS   measured seconds (idle-10k: seconds held idle); decimals allowed
  --warmup SECS         seconds of sending before measuring; decimals allowed
  --connect-rate N      new connections per second at most (default 2000)
  --pending-logins N    logins in progress at once at most (default: per target, about
                        its listen backlog: chat 256, ngircd 8, inspircd 2000)
  --in-flight N         with rate 0, messages in flight per sender (default 32)
  --no-install          do not apt-get install missing IRC servers
  --json FILE           also write every figure as JSON to FILE
  --server-deno-flags=F extra deno flags for our server (note the =), e.g.
                        --server-deno-flags="--cpu-prof --cpu-prof-dir=prof"
  -h, --help            show this help

Profiles (N clients, S senders at R msg/s, B bytes, D seconds after a warm-up):
  fanout-small  N=100  S=100 R=5  B=64    fanout-big  N=1000 S=50 R=10 B=128
  fanout-web    fanout-big with every other client on /ws (WebSocket; our server only)
  saturate      N=200  S=20  R=0  B=64    idle-10k    N=10000 log in, then stay idle
  stalled-bodies N=8000 log in, then each sends a header promising 65,536 bytes and 16 of
                them, and stalls (KiB per stalled connection; RSS again once they are gone)`;

const OPTIONS = {
  profile: { type: "string" },
  profiles: { type: "string" },
  targets: { type: "string" },
  runs: { type: "string" },
  clients: { type: "string", short: "N" },
  senders: { type: "string", short: "S" },
  rate: { type: "string", short: "R" },
  bytes: { type: "string", short: "B" },
  duration: { type: "string", short: "D" },
  warmup: { type: "string" },
  "connect-rate": { type: "string" },
  "pending-logins": { type: "string" },
  "in-flight": { type: "string" },
  "no-install": { type: "boolean" },
  json: { type: "string" },
  "server-deno-flags": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses the bench's arguments; bad input is a UsageError naming the problem. */
export function parseBenchArgs(args: string[]): Parsed<BenchOptions> {
  const { values, positionals } = parseStrict(args, OPTIONS, BENCH_USAGE);
  if (values.help === true) return { kind: "help" };
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}'`, BENCH_USAGE);
  }
  const str = (key: string) => values[key] as string | undefined;
  const int = (key: string, min: number, max: number, fallback: number) => {
    const v = str(key);
    return v === undefined ? fallback : parseIntegerOption(key, v, { min, max }, BENCH_USAGE);
  };
  const optionalInt = (key: string, min: number, max: number) => {
    const v = str(key);
    return v === undefined ? undefined : parseIntegerOption(key, v, { min, max }, BENCH_USAGE);
  };
  const overrides: ProfileOverrides = {};
  const assign = <K extends keyof ProfileOverrides>(k: K, v: ProfileOverrides[K]) => {
    if (v !== undefined) overrides[k] = v;
  };
  assign("clients", optionalInt("clients", 1, 100_000));
  assign("senders", optionalInt("senders", 0, MAX_SENDER_INDEX));
  assign("rate", optionalInt("rate", 0, 1_000_000));
  assign("payloadBytes", optionalInt("bytes", MIN_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES));
  assign("durationSeconds", seconds("duration", str("duration"), 0.1));
  assign("warmupSeconds", seconds("warmup", str("warmup"), 0));

  const profileList = str("profile") ?? str("profiles");
  const profiles = list("profile", profileList, PROFILE_NAMES).map((name: ProfileName) =>
    resolveProfile(name, overrides)
  );
  for (const p of profiles) {
    if (p.kind !== "traffic") continue;
    if (p.clients < 2) throw new UsageError(`${p.name}: needs at least 2 clients`, BENCH_USAGE);
    if (p.senders < 1 || p.senders > p.clients) {
      throw new UsageError(
        `${p.name}: senders must be between 1 and the number of clients (${p.clients}), got ${p.senders}`,
        BENCH_USAGE,
      );
    }
  }
  return {
    kind: "run",
    options: {
      profiles,
      targets: list("targets", str("targets"), TARGET_NAMES, DEFAULT_TARGET_NAMES),
      runs: int("runs", 1, 100, 3),
      connectRate: int("connect-rate", 1, 100_000, 2000),
      maxPendingLogins: optionalInt("pending-logins", 1, 100_000) ?? null,
      inFlight: int("in-flight", 1, 100_000, 32),
      install: values["no-install"] !== true,
      jsonPath: str("json") ?? null,
      serverDenoFlags: (str("server-deno-flags") ?? "").split(/\s+/).filter((f) => f !== ""),
    },
  };
}

function list<T extends string>(
  key: string,
  value: string | undefined,
  known: readonly T[],
  defaults: readonly T[] = known,
): T[] {
  if (value === undefined) return [...defaults];
  const names = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (names.length === 0) throw new UsageError(`--${key} must name at least one`, BENCH_USAGE);
  const out: T[] = [];
  for (const name of names) {
    const found = known.find((k) => k === name);
    if (found === undefined) {
      throw new UsageError(
        `unknown ${key} '${name}'; known: ${known.join(", ")}`,
        BENCH_USAGE,
      );
    }
    if (!out.includes(found)) out.push(found);
  }
  return out;
}

function seconds(key: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < min || n > 3600) {
    throw new UsageError(
      `--${key} must be a number of seconds between ${min} and 3600, got '${value}'`,
      BENCH_USAGE,
    );
  }
  return n;
}
