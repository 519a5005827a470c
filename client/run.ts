/**
 * `chat client`: picks the mode (interactive terminal or scripting), makes sure there is a
 * name, and runs it.
 * @module
 */

import { checkUsername } from "../protocol/mod.ts";
import { runInteractive } from "./interactive.ts";
import type { ClientOptions } from "./options.ts";
import { runScripting, stdio } from "./scripting.ts";
import { readCaCerts } from "./tls.ts";
import { JsonOnTerminalError, MissingNameError } from "./usage_errors.ts";

/**
 * Runs the client and returns its exit code (0 clean, 1 refused, unreachable or lost). With
 * stdin and stdout both terminals and no `--once` it is the interactive client (which asks for
 * a missing name itself; `--json` there is a {@link JsonOnTerminalError}); otherwise scripting
 * mode. There a missing name is asked for when stdin is a terminal, and with piped stdin it is a
 * {@link MissingNameError}, thrown before any connection is made.
 */
export async function runClient(options: ClientOptions): Promise<number> {
  // A bad --ca file is reported once, before connecting (TlsSetupError: exit 1).
  if (options.tls !== undefined) readCaCerts(options.tls);
  const terminal = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
  if (terminal && options.once === undefined) {
    if (options.json) throw new JsonOnTerminalError();
    return await runInteractive(options);
  }
  const name = options.name ?? await askName();
  const stop = options.stay ? stopSignal() : undefined;
  try {
    return await runScripting({ ...options, name }, { ...stdio(), stop: stop?.promise });
  } finally {
    stop?.remove();
  }
}

/** SIGINT or SIGTERM (where the OS has it) as a promise, so `--stay` can leave cleanly. */
function stopSignal(): { promise: Promise<void>; remove(): void } {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const { promise, resolve } = Promise.withResolvers<void>();
  const handler = () => resolve();
  for (const signal of signals) Deno.addSignalListener(signal, handler);
  return {
    promise,
    remove: () => {
      for (const signal of signals) Deno.removeSignalListener(signal, handler);
    },
  };
}

/** Asks for a name on the terminal until a valid one is given. */
async function askName(): Promise<string> {
  if (!Deno.stdin.isTerminal()) throw new MissingNameError();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1024);
  while (true) {
    await Deno.stderr.write(encoder.encode("Your name: "));
    const n = await Deno.stdin.read(buffer);
    if (n === null) throw new MissingNameError("no name given");
    const check = checkUsername(decoder.decode(buffer.subarray(0, n)).trim());
    if (check.ok) return check.name;
    console.error(check.error.message);
  }
}
