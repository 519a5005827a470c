/**
 * `chat server`: run until SIGINT or SIGTERM (SIGTERM drains first with `--drain-seconds`),
 * reload files on SIGHUP, with exit codes instead of stack traces.
 * @module
 */

import { startClusterServer } from "./bus/cluster_server.ts";
import { ClusterUnavailableError } from "./bus/link.ts";
import { readCommandLines } from "./console_input.ts";
import { ListenError } from "./listener.ts";
import { OperatorEntryError } from "./moderation/operators.ts";
import type { ServerOptions } from "./options.ts";
import { type ChatServer, startServer } from "./server.ts";
import { StoreOpenError } from "./store/store.ts";

/**
 * Runs the server until a shutdown signal. Resolves 0 after a clean shutdown, or 1 after printing
 * one line to stderr when the server cannot start (port in use, permission denied).
 *
 * SIGINT (Ctrl-C) shuts down at once. SIGTERM (not on Windows) first stops accepting and waits up
 * to `drainSeconds` for clients to leave; a second signal of either kind cuts that wait short.
 * SIGHUP (not on Windows) re-reads the TLS certificate and key and any other reloadable file.
 */
export async function runServer(options: ServerOptions): Promise<number> {
  // Listen for signals before the start line appears, so a signal sent as soon as a supervisor
  // sees that line is still handled.
  let stopping: { drainSeconds: number } | null = null;
  let server: ChatServer | null = null;
  const stop = (drainSeconds: number) => {
    stopping = stopping === null ? { drainSeconds } : { drainSeconds: 0 };
    void server?.shutdown(stopping);
  };
  const registered = addSignalListeners({
    SIGINT: () => stop(0),
    SIGTERM: () => stop(options.drainSeconds ?? 0),
    SIGHUP: () => void server?.reload(),
  });
  try {
    try {
      // With --redis this instance shares its room with the others through Redis.
      server = options.redis === undefined
        ? await startServer(options)
        : await startClusterServer(options);
    } catch (error) {
      console.error(outsideLine(describeStartFailure(error), "error", options));
      return 1;
    }
    if (stopping !== null) void server.shutdown(stopping);
    const running = server;
    void readCommandLines(Deno.stdin.readable, (line) => running.consoleCommand(line)).then(
      (bytes) => {
        // Quiet for a stdin of /dev/null: only a console that was used is told it ended.
        if (bytes > 0) {
          console.log(
            outsideLine(
              "console: end of input; the server keeps running (stop it with a signal)",
              "info",
              options,
            ),
          );
        }
      },
    );
    await server.finished;
    return 0;
  } finally {
    for (const [signal, handler] of registered) {
      try {
        Deno.removeSignalListener(signal, handler);
      } catch {
        // Nothing to remove.
      }
    }
  }
}

function addSignalListeners(
  handlers: Partial<Record<Deno.Signal, () => void>>,
): [Deno.Signal, () => void][] {
  const registered: [Deno.Signal, () => void][] = [];
  for (const [signal, handler] of Object.entries(handlers) as [Deno.Signal, () => void][]) {
    try {
      Deno.addSignalListener(signal, handler);
      registered.push([signal, handler]);
    } catch {
      // This platform does not have the signal (SIGTERM and SIGHUP on Windows).
    }
  }
  return registered;
}

/**
 * A line printed outside the server's console (it failed to start, or is gone): `chat: ...` for
 * an error, the text as it is otherwise; with `--log-format json`, the same as a JSON event.
 */
function outsideLine(text: string, level: "info" | "error", options: ServerOptions): string {
  if (options.logFormat === "json") {
    const time = new Date().toISOString();
    return JSON.stringify({ time, level, event: level, message: text });
  }
  return level === "error" ? `chat: ${text}` : text;
}

function describeStartFailure(error: unknown): string {
  if (
    error instanceof ListenError || error instanceof ClusterUnavailableError ||
    error instanceof StoreOpenError || error instanceof OperatorEntryError
  ) {
    return error.message;
  }
  const text = error instanceof Error ? error.message : String(error);
  return `cannot start the server: ${text.split("\n")[0]}`;
}
