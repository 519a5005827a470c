/**
 * The workers prototype (issue 5: does the server gain from a second core?): N chat servers on
 * N worker threads of one process, all bound to one port with SO_REUSEPORT (the kernel spreads
 * new connections over them), sharing one room through the hub on the main thread the way
 * cluster instances share one through Redis.
 *
 *   deno run --unstable-net --allow-net --allow-read bench/workers/main.ts --workers N \
 *     [chat server options: --host, --port, --max-clients, --flood-rate, ...]
 *
 * It prints the real server's start line once every worker listens and shuts down on SIGINT or
 * SIGTERM (exit 0). A benchmark target (`chat-workers2`), not a server feature.
 *
 * What differs from one server: each worker applies the limits (`--max-clients`,
 * `--max-clients-per-ip`) to its own connections, and order is per worker: a worker delivers its
 * own users' events at once and the others' in the hub's order, so two users on two workers may
 * see two messages sent at the same moment in different orders (each sender's own messages stay
 * in order everywhere). TLS and --redis are refused.
 * @module
 */

import { formatAddress } from "../../server/console.ts";
import type { ServerOptions } from "../../server/options.ts";
import { parseServerArgs, SERVER_USAGE } from "../../cli/server_args.ts";
import { parseIntegerOption, UsageError } from "../../cli/usage.ts";
import { Hub } from "./hub.ts";
import type { FromWorker, ToWorker } from "./messages.ts";

const WORKER_URL = new URL("./worker.ts", import.meta.url);

/** Most workers; more than the machine's cores only adds contention. */
export const MAX_WORKERS = 64;

/** How long shutting down waits for a worker to close its connections before ending it. */
const SHUTDOWN_WAIT_MS = 10_000;

/** `bench/workers/main.ts --help`. */
export const WORKERS_USAGE =
  `Usage: deno run --unstable-net --allow-net --allow-read bench/workers/main.ts --workers N [options]

Runs N chat servers on N worker threads sharing one port (SO_REUSEPORT) and one room (a hub on
the main thread). Options are chat server's (below), except --tls-cert/--tls-key and --redis.

${SERVER_USAGE}`;

/** The prototype's command line. */
export interface WorkersOptions {
  workers: number;
  server: ServerOptions;
}

/** Parses `--workers N` and the server options; throws UsageError. */
export function parseWorkersArgs(args: string[]): { kind: "help" } | WorkersOptions {
  let workers = 2;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--workers" || arg.startsWith("--workers=")) {
      const value = arg === "--workers" ? args[++i] : arg.slice("--workers=".length);
      if (value === undefined) throw new UsageError("--workers needs a value", WORKERS_USAGE);
      workers = parseIntegerOption(
        "workers",
        value,
        { min: 1, max: MAX_WORKERS },
        WORKERS_USAGE,
      );
      continue;
    }
    rest.push(arg);
  }
  const parsed = parseServerArgs(rest);
  if (parsed.kind === "help") return parsed;
  const server = parsed.options;
  if (server.tlsCert !== undefined) {
    throw new UsageError(
      "the workers prototype serves plain TCP only (no --tls-cert)",
      WORKERS_USAGE,
    );
  }
  if (server.redis !== undefined) {
    throw new UsageError(
      "the workers prototype shares its room itself (no --redis)",
      WORKERS_USAGE,
    );
  }
  return { workers, server };
}

/** Null when `Deno.listen` can take `reusePort` here, otherwise why not. */
export function reusePortUnavailable(): string | null {
  // Deno.listenDatagram exists only with --unstable-net, the flag reusePort needs too (without
  // it, asking for reusePort ends the whole process with exit code 70).
  if (!("listenDatagram" in Deno)) return "reusePort needs deno run --unstable-net";
  if (Deno.build.os !== "linux") {
    return `reusePort spreads connections on Linux only (this is ${Deno.build.os})`;
  }
  return null;
}

/** How a worker's start ended. */
type StartResult = { ok: true; addr: Deno.NetAddr } | { ok: false; message: string };

/** One worker thread as the main thread drives it. */
class WorkerThread {
  readonly id: string;
  readonly #worker: Worker;
  readonly #started = Promise.withResolvers<StartResult>();
  readonly #finished = Promise.withResolvers<void>();
  readonly #crashed = Promise.withResolvers<string>();
  #terminated = false;

  constructor(id: string) {
    this.id = id;
    this.#worker = new Worker(WORKER_URL.href, { type: "module", name: `chat-${id}` });
    this.#worker.onmessage = (message: MessageEvent<FromWorker>) => {
      const data = message.data;
      switch (data.kind) {
        case "listening":
          this.#started.resolve({
            ok: true,
            addr: { transport: "tcp", hostname: data.hostname, port: data.port },
          });
          return;
        case "failed":
          this.#started.resolve({ ok: false, message: data.message });
          return;
        case "finished":
          this.#finished.resolve();
          return;
      }
    };
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      const message = `worker ${id} crashed: ${event.message}`;
      this.#started.resolve({ ok: false, message });
      this.#crashed.resolve(message);
      this.#finished.resolve();
    };
  }

  /** Resolves with a message if the worker throws after it started. */
  get crashed(): Promise<string> {
    return this.#crashed.promise;
  }

  /** Starts its server on `options.port`, talking to the hub through `port`. */
  start(options: ServerOptions, port: MessagePort): Promise<StartResult> {
    this.#post({ kind: "start", instanceId: this.id, options, port }, [port]);
    return this.#started.promise;
  }

  /** Asks it to shut down; resolves once it has (or after `waitMs`), then ends the thread. */
  async stop(waitMs: number): Promise<void> {
    this.#post({ kind: "shutdown" });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#finished.promise,
      new Promise<void>((resolve) => timer = setTimeout(resolve, waitMs)),
    ]);
    clearTimeout(timer);
    this.terminate();
  }

  terminate(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#worker.terminate();
  }

  #post(message: ToWorker, transfer: Transferable[] = []): void {
    if (!this.#terminated) this.#worker.postMessage(message, transfer);
  }
}

/**
 * Starts the hub and the workers, prints the start line, and runs until SIGINT/SIGTERM.
 * Resolves 0 after a clean shutdown, 1 when a worker could not start or crashed.
 */
export async function runWorkers(options: WorkersOptions): Promise<number> {
  const signalled = Promise.withResolvers<null>();
  const onSignal = () => signalled.resolve(null);
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  const hub = new Hub();
  const threads: WorkerThread[] = [];
  const launch = (index: number, port: number): Promise<StartResult> => {
    const thread = new WorkerThread(`w${index + 1}`);
    threads.push(thread);
    const channel = new MessageChannel();
    hub.attach(thread.id, channel.port1);
    return thread.start({ ...options.server, port }, channel.port2);
  };
  let code = 0;
  try {
    // The first worker binds the port asked for (0: a free one); the others bind the same.
    const first = await launch(0, options.server.port);
    const rest = first.ok
      ? await Promise.all(
        Array.from({ length: options.workers - 1 }, (_, i) => launch(i + 1, first.addr.port)),
      )
      : [];
    const failed = [first, ...rest].find((r): r is StartResult & { ok: false } => !r.ok);
    if (failed !== undefined || !first.ok) {
      console.error(`chat: ${failed?.message ?? "a worker did not start"}`);
      code = 1;
      return code;
    }
    console.log(`chat server listening on ${formatAddress(first.addr)} (tcp)`);
    const crash = await Promise.race([signalled.promise, ...threads.map((t) => t.crashed)]);
    if (crash !== null) {
      console.error(`chat: ${crash}`);
      code = 1;
    }
    return code;
  } finally {
    await Promise.all(threads.map((t) => t.stop(SHUTDOWN_WAIT_MS)));
    hub.close();
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
  }
}

async function main(args: string[]): Promise<number> {
  let options;
  try {
    options = parseWorkersArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench/workers/main.ts: ${error.message}\n\n${error.usage}`);
    return 2;
  }
  if ("kind" in options) {
    console.log(WORKERS_USAGE);
    return 0;
  }
  const why = reusePortUnavailable();
  if (why !== null) {
    console.error(`bench/workers/main.ts: ${why}`);
    return 1;
  }
  return await runWorkers(options);
}

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args);
}
