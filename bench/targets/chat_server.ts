/**
 * Our own server as a benchmark target: `deno run main.ts server` in its own process, exactly as
 * users start it, with flood control and the per-address connection limit off (the IRC servers'
 * are raised as far as they go too) and the periodic online list off.
 * @module
 */

import { ServerProcess } from "./process.ts";
import { type RunningServer, type Target, TargetUnavailableError } from "./target.ts";

const MAIN = new URL("../../main.ts", import.meta.url);
const LISTENING = /^chat server listening on (.+):(\d+)\s*$/;

/** Options for starting our server. */
export interface ChatTargetOptions {
  /** Extra flags for `deno run` before main.ts, e.g. `--v8-flags=--prof` or `--cpu-prof`. */
  denoFlags: string[];
  /** Extra arguments after `main.ts server`. */
  serverArgs: string[];
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
      const args = [
        "run",
        "--allow-net",
        ...options.denoFlags,
        MAIN.pathname,
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--flood-rate",
        "0",
        "--list-interval",
        "0",
        "--max-clients",
        String(Math.max(10_000, maxClients)),
        // Every benchmark client comes from 127.0.0.1 (ngIRCd: MaxConnectionsIP = 0).
        "--max-clients-per-ip",
        "0",
        ...options.serverArgs,
      ];
      // By name, as the task runs it (Deno.execPath() may be the real path behind a symlink that
      // --allow-run=deno does not cover).
      const proc = new ServerProcess("deno", args);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const line = await Promise.race([
        proc.firstLine(),
        new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), 30_000)),
      ]);
      clearTimeout(timer);
      const match = line === null ? null : LISTENING.exec(line);
      if (match === null) {
        await proc.stop();
        throw new TargetUnavailableError(
          "chat",
          `server did not print its listening line; output:\n${line ?? ""}\n${proc.tail()}`,
        );
      }
      return { pid: proc.pid, host: "127.0.0.1", port: Number(match[2]), stop: () => proc.stop() };
    },
  };
}
