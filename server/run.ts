/**
 * `chat server`: run until SIGINT or SIGTERM, with exit codes instead of stack traces.
 * @module
 */

import { ListenError } from "./listener.ts";
import type { ServerOptions } from "./options.ts";
import { startServer } from "./server.ts";

/** The signals that shut the server down; SIGTERM does not exist on Windows. */
const SHUTDOWN_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM"];

/**
 * Runs the server until a shutdown signal. Resolves 0 after a clean shutdown, or 1 after printing
 * one line to stderr when the server cannot start (port in use, permission denied).
 */
export async function runServer(options: ServerOptions): Promise<number> {
  let server;
  try {
    server = await startServer(options);
  } catch (error) {
    if (error instanceof ListenError) {
      console.error(`chat: ${error.message}`);
      return 1;
    }
    const text = error instanceof Error ? error.message : String(error);
    console.error(`chat: cannot start the server: ${text}`);
    return 1;
  }
  const running = server;
  const registered: [Deno.Signal, () => void][] = [];
  const onSignal = () => void running.shutdown();
  for (const signal of SHUTDOWN_SIGNALS) {
    try {
      Deno.addSignalListener(signal, onSignal);
      registered.push([signal, onSignal]);
    } catch {
      // This platform does not have the signal (SIGTERM on Windows).
    }
  }
  await running.finished;
  for (const [signal, handler] of registered) {
    try {
      Deno.removeSignalListener(signal, handler);
    } catch {
      // Nothing to remove.
    }
  }
  return 0;
}
