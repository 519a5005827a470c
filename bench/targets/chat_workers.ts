/**
 * The workers prototype as a benchmark target (`chat-workers2`, only when named in --targets):
 * bench/workers/main.ts, N chat servers on N threads of one process sharing one port with
 * SO_REUSEPORT and one room through a hub on the main thread. Started with the same settings as
 * the `chat` target; one process, so /proc's CPU and memory cover every thread.
 * @module
 */

import { ChatServerStartError, type ChatTargetOptions, launchChatServer } from "./chat_server.ts";
import { type RunningServer, type Target, TargetUnavailableError } from "./target.ts";

const MAIN = new URL("../workers/main.ts", import.meta.url);

/** The thread counts that have a target name. */
export type WorkerCount = 2;

/** The `chat-workersN` target. */
export function chatWorkersTarget(workers: WorkerCount, options: ChatTargetOptions): Target {
  const name = "chat-workers2";
  return {
    name,
    protocol: "chat",
    // Each worker's listener has Deno's backlog of 511; kept at the single server's bound.
    maxPendingLogins: 256,
    senderSetup: [],
    prepare: () =>
      Deno.build.os === "linux"
        ? Promise.resolve()
        : Promise.reject(new TargetUnavailableError(name, "SO_REUSEPORT balancing is Linux only")),
    async start(maxClients: number): Promise<RunningServer> {
      try {
        const { process, port } = await launchChatServer(options, [
          "--max-clients",
          String(Math.max(10_000, maxClients)),
        ], {
          denoFlags: ["--unstable-net", "--allow-net", "--allow-read"],
          command: [MAIN.pathname, "--workers", String(workers)],
        });
        return { pid: process.pid, host: "127.0.0.1", port, stop: () => process.stop() };
      } catch (error) {
        if (!(error instanceof ChatServerStartError)) throw error;
        throw new TargetUnavailableError(name, error.message);
      }
    },
  };
}
