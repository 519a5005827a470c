/**
 * `chat server`: run until SIGINT or SIGTERM, with exit codes instead of stack traces.
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

/** The signals that shut the server down; SIGTERM does not exist on Windows. */
const SHUTDOWN_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM"];

/**
 * Runs the server until a shutdown signal. Resolves 0 after a clean shutdown, or 1 after printing
 * one line to stderr when the server cannot start (port in use, permission denied).
 */
export async function runServer(options: ServerOptions): Promise<number> {
  // Listen for signals before the start line appears, so a signal sent as soon as a supervisor
  // sees that line still shuts down cleanly.
  let signalled = false;
  let server: ChatServer | null = null;
  const onSignal = () => {
    signalled = true;
    void server?.shutdown();
  };
  const registered = addSignalListeners(onSignal);
  try {
    try {
      // With --redis this instance shares its room with the others through Redis.
      server = options.redis === undefined
        ? await startServer(options)
        : await startClusterServer(options);
    } catch (error) {
      console.error(`chat: ${describeStartFailure(error)}`);
      return 1;
    }
    if (signalled) void server.shutdown();
    const running = server;
    void readCommandLines(Deno.stdin.readable, (line) => running.consoleCommand(line)).then(
      (bytes) => {
        // Quiet for a stdin of /dev/null: only a console that was used is told it ended.
        if (bytes > 0) {
          console.log("console: end of input; the server keeps running (stop it with a signal)");
        }
      },
    );
    await server.finished;
    return 0;
  } finally {
    for (const signal of registered) {
      try {
        Deno.removeSignalListener(signal, onSignal);
      } catch {
        // Nothing to remove.
      }
    }
  }
}

function addSignalListeners(handler: () => void): Deno.Signal[] {
  const registered: Deno.Signal[] = [];
  for (const signal of SHUTDOWN_SIGNALS) {
    try {
      Deno.addSignalListener(signal, handler);
      registered.push(signal);
    } catch {
      // This platform does not have the signal (SIGTERM on Windows).
    }
  }
  return registered;
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
