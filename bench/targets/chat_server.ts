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
import { IRC_CHANNEL } from "../irc_client.ts";
import { WireClient } from "../../kit/wire_client.ts";
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
 * settings (no flood control, no per-address limit, no periodic list, history off: the numbers
 * stay comparable with those measured before the server kept history; `chat-history` turns it
 * on; `--metrics` on a free port, as operators run it), then `extraArgs` and the options' server
 * arguments; resolves once it listens. Throws ChatServerStartError. One launcher, so the
 * single-server and the cluster targets measure the same server.
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
    "--history-lines",
    "0",
    // Measured as operators run it: counting for /metrics and the lag timer on (nobody scrapes).
    "--metrics",
    "127.0.0.1:0",
    ...extraArgs,
    ...options.serverArgs,
  ], START_TIMEOUT_MS);
}

/** The arguments that open a web listener on a free port when a run asks for one. */
function webArgs(start: { web?: boolean }): string[] {
  return start.web === true ? ["--web", "127.0.0.1:0"] : [];
}

/** The web listener's port, when the server opened one. */
function webPortOf(server: ChatServerProcess): number | undefined {
  return server.listeners.find((l) => l.kind === "web")?.port;
}

/** The `chat` target. */
export function chatTarget(options: ChatTargetOptions): Target {
  return {
    name: "chat",
    protocol: "chat",
    // Deno.listen's backlog is 511.
    maxPendingLogins: 256,
    senderSetup: [],
    speaksWeb: true,
    prepare: () => Promise.resolve(),
    async start(maxClients: number, start = {}): Promise<StartedTarget> {
      let server: ChatServerProcess;
      try {
        server = await launchChatServer(options, [
          "--max-clients",
          String(Math.max(10_000, maxClients)),
          ...webArgs(start),
        ]);
      } catch (error) {
        if (!(error instanceof ChatServerStartError)) throw error;
        throw new TargetUnavailableError("chat", error.message);
      }
      const { process, port } = server;
      const webPort = webPortOf(server);
      return {
        pid: process.pid,
        host: "127.0.0.1",
        port,
        ...(webPort === undefined ? {} : { webPort }),
        stop: () => process.stop(),
      };
    },
  };
}

/**
 * The `chat-irc` target: our server with its IRC door (`--irc`, the channel the IRC clients
 * join), measured through that door by the same IRC clients that drive ngIRCd and InspIRCd.
 */
export function chatIrcTarget(options: ChatTargetOptions): Target {
  return {
    name: "chat-irc",
    protocol: "irc",
    maxPendingLogins: 256,
    senderSetup: [],
    prepare: () => Promise.resolve(),
    async start(maxClients: number): Promise<StartedTarget> {
      let server: ChatServerProcess;
      try {
        server = await launchChatServer(options, [
          "--max-clients",
          String(Math.max(10_000, maxClients)),
          "--irc",
          "127.0.0.1:0",
          "--irc-channel",
          IRC_CHANNEL,
        ]);
      } catch (error) {
        if (!(error instanceof ChatServerStartError)) throw error;
        throw new TargetUnavailableError("chat-irc", error.message);
      }
      const { process, listeners } = server;
      const irc = listeners.find((l) => l.kind === "irc");
      if (irc === undefined) {
        await process.stop();
        throw new TargetUnavailableError("chat-irc", "the server named no IRC listener");
      }
      return { pid: process.pid, host: "127.0.0.1", port: irc.port, stop: () => process.stop() };
    },
  };
}

/** Messages the `chat-history` target's room holds before a run, so every newcomer gets a replay. */
export const HISTORY_SEED_MESSAGES = 50;

/**
 * The `chat-history` target: our server keeping history as a user would, on a SQLite file in a
 * temporary folder (`--db`, WAL mode), replaying the last 50 messages to each newcomer. The room
 * is seeded with 50 messages first, so every login of the run receives a full replay.
 */
export function chatHistoryTarget(options: ChatTargetOptions): Target {
  return {
    name: "chat-history",
    protocol: "chat",
    maxPendingLogins: 256,
    senderSetup: [],
    speaksWeb: true,
    prepare: () => Promise.resolve(),
    async start(maxClients: number, start = {}): Promise<StartedTarget> {
      const dir = await Deno.makeTempDir({ prefix: "chat-bench-history-" });
      let server: ChatServerProcess;
      try {
        server = await launchChatServer({
          denoFlags: [...options.denoFlags, "--allow-read", "--allow-write"],
          serverArgs: options.serverArgs,
        }, [
          "--max-clients",
          String(Math.max(10_000, maxClients)),
          "--history-lines",
          "10000",
          "--db",
          `${dir}/chat.db`,
          "--replay",
          String(HISTORY_SEED_MESSAGES),
          ...webArgs(start),
        ]);
      } catch (error) {
        await Deno.remove(dir, { recursive: true });
        if (!(error instanceof ChatServerStartError)) throw error;
        throw new TargetUnavailableError("chat-history", error.message);
      }
      const { process, port } = server;
      const webPort = webPortOf(server);
      const stop = async () => {
        await process.stop();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      };
      try {
        await seedHistory(port);
      } catch (error) {
        await stop();
        throw new TargetUnavailableError("chat-history", `seeding the history: ${error}`);
      }
      return {
        pid: process.pid,
        host: "127.0.0.1",
        port,
        ...(webPort === undefined ? {} : { webPort }),
        stop,
      };
    },
  };
}

/** Says {@link HISTORY_SEED_MESSAGES} messages, waits until the server has handled them, leaves. */
async function seedHistory(port: number): Promise<void> {
  const client = await WireClient.connect({ hostname: "127.0.0.1", port });
  try {
    await client.login("bench-seed");
    for (let i = 0; i < HISTORY_SEED_MESSAGES; i++) {
      await client.say(`history seed message ${i} of the benchmark`);
    }
    await client.say("/users");
    await client.waitForNotice("Online (");
  } finally {
    await client.close();
  }
}
