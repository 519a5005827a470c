/**
 * Our own server as a benchmark target: `deno run main.ts server` in its own process, exactly as
 * users start it, with flood control and the per-address connection limit off (the IRC servers'
 * are raised as far as they go too) and the periodic online list off. The cluster targets start
 * their instances through the same launcher.
 * @module
 */

import {
  type ChatServerProcess,
  ChatServerStartError,
  startChatServer,
} from "../../kit/chat_process.ts";
import { type StartedTarget, type Target, TargetUnavailableError } from "./target.ts";

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
 * Starts `deno run --allow-net main.ts server` on 127.0.0.1 with a free port and the benchmark
 * settings (no flood control, no per-address limit, no periodic list), then `extraArgs` and the
 * options' server arguments; resolves once it listens. Throws ChatServerStartError. One
 * launcher, so the single-server and the cluster targets measure the same server.
 */
export function launchChatServer(
  options: ChatTargetOptions,
  extraArgs: readonly string[] = [],
): Promise<ChatServerProcess> {
  // `deno` by name, as the task runs it (Deno.execPath() may be the real path behind a symlink
  // that --allow-run=deno does not cover).
  const command = ["deno", "run", "--allow-net", ...options.denoFlags, MAIN.pathname];
  return startChatServer(command, [
    "--flood-rate",
    "0",
    // Every benchmark client comes from 127.0.0.1 (ngIRCd: MaxConnectionsIP = 0).
    "--max-clients-per-ip",
    "0",
    ...extraArgs,
    ...options.serverArgs,
  ], START_TIMEOUT_MS);
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
    async start(maxClients: number): Promise<StartedTarget> {
      let server: ChatServerProcess;
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
