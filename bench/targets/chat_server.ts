/**
 * Our own server as a benchmark target: `deno run main.ts server` in its own process, exactly as
 * users start it, with flood control and the per-address connection limit off (the IRC servers'
 * are raised as far as they go too) and the periodic online list off. The launcher is shared
 * with the cluster benchmark (bench/cluster.ts), which starts several such servers.
 * @module
 */

import { parseStartLine } from "../../server/start_line.ts";
import { ServerProcess } from "./process.ts";
import { type RunningServer, type Target, TargetUnavailableError } from "./target.ts";

const MAIN = new URL("../../main.ts", import.meta.url);

/** How long a server may take to print its listening line. */
const START_TIMEOUT_MS = 30_000;

/** Options for starting our server. */
export interface ChatTargetOptions {
  /** Extra flags for `deno run` before main.ts, e.g. `--v8-flags=--prof` or `--cpu-prof`. */
  denoFlags: readonly string[];
  /** Extra arguments after `main.ts server`. */
  serverArgs: readonly string[];
}

/**
 * What to run: `deno run` flags and the script with its subcommand. Every launched program takes
 * the server's options and prints the server's listening line.
 */
export interface ChatProgram {
  readonly denoFlags: readonly string[];
  readonly command: readonly string[];
}

/** `deno run --allow-net main.ts server`, as users start it. */
const SERVER_PROGRAM: ChatProgram = {
  denoFlags: ["--allow-net"],
  command: [MAIN.pathname, "server"],
};

/** A chat server the benchmark started, with the port it listens on. */
export interface LaunchedChatServer {
  readonly process: ServerProcess;
  readonly port: number;
}

/** A chat server did not print its listening line in time; it has been stopped. */
export class ChatServerStartError extends Error {
  constructor(output: string) {
    super(`server did not print its listening line; output:\n${output}`);
    this.name = "ChatServerStartError";
  }
}

/**
 * Starts `deno run --allow-net main.ts server` on 127.0.0.1 with a free port and the benchmark
 * settings (no flood control, no per-address limit, no periodic list), then `extraArgs` and the
 * options' server arguments; resolves once it listens. One launcher, so the single-server and
 * the cluster benchmarks measure the same server.
 */
export async function launchChatServer(
  options: ChatTargetOptions,
  extraArgs: readonly string[] = [],
  program: ChatProgram = SERVER_PROGRAM,
): Promise<LaunchedChatServer> {
  const args = [
    "run",
    ...program.denoFlags,
    ...options.denoFlags,
    ...program.command,
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--flood-rate",
    "0",
    "--list-interval",
    "0",
    // Every benchmark client comes from 127.0.0.1 (ngIRCd: MaxConnectionsIP = 0).
    "--max-clients-per-ip",
    "0",
    ...extraArgs,
    ...options.serverArgs,
  ];
  // By name, as the task runs it (Deno.execPath() may be the real path behind a symlink that
  // --allow-run=deno does not cover).
  const process = new ServerProcess("deno", args);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const line = await Promise.race([
    process.firstLine(),
    new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), START_TIMEOUT_MS)),
  ]);
  clearTimeout(timer);
  const listeners = line === null ? null : parseStartLine(line);
  if (listeners === null) {
    await process.stop();
    throw new ChatServerStartError(`${line ?? ""}\n${process.tail()}`);
  }
  return { process, port: listeners[0].port };
}

/** The `chat` target. */
export function chatTarget(options: ChatTargetOptions): Target {
  return {
    name: "chat",
    protocol: "chat",
    // Deno.listen's backlog is 511.
    maxPendingLogins: 256,
    senderSetup: [],
    prepare: () => Promise.resolve(),
    async start(maxClients: number): Promise<RunningServer> {
      let server: LaunchedChatServer;
      try {
        server = await launchChatServer(options, [
          "--max-clients",
          String(Math.max(10_000, maxClients)),
        ]);
      } catch (error) {
        if (!(error instanceof ChatServerStartError)) throw error;
        throw new TargetUnavailableError("chat", error.message);
      }
      const { process, port } = server;
      return { pid: process.pid, host: "127.0.0.1", port, stop: () => process.stop() };
    },
  };
}
