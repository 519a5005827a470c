/**
 * `chat client`: picks the mode (interactive terminal or scripting), makes sure there is a
 * name, and runs it.
 * @module
 */

import { checkUsername } from "../protocol/mod.ts";
import { CLIENT_USAGE } from "../cli/client_args.ts";
import { UsageError } from "../cli/usage.ts";
import { runInteractive } from "./interactive.ts";
import type { ClientOptions } from "./options.ts";
import { runScripting, stdio } from "./scripting.ts";
import { readCaCerts } from "./tls.ts";

/**
 * Runs the client and returns its exit code (0 clean, 1 refused, unreachable or lost). With
 * stdin and stdout both terminals it is the interactive client (which asks for a missing name
 * itself); otherwise scripting mode. There a missing name is asked for when stdin is a terminal,
 * and with piped stdin it is a UsageError (exit 2), thrown before any connection is made.
 */
export async function runClient(options: ClientOptions): Promise<number> {
  // A bad --ca file is reported once, before connecting (TlsSetupError: exit 1).
  if (options.tls !== undefined) readCaCerts(options.tls);
  if (Deno.stdin.isTerminal() && Deno.stdout.isTerminal()) return await runInteractive(options);
  const name = options.name ?? await askName();
  return await runScripting(
    {
      host: options.host,
      port: options.port,
      name,
      json: options.json,
      once: options.once,
      reconnect: options.reconnect,
      tls: options.tls,
      connectTimeoutMs: options.connectTimeoutMs,
      keepaliveMs: options.keepaliveMs,
    },
    stdio(),
  );
}

/** Asks for a name on the terminal until a valid one is given. */
async function askName(): Promise<string> {
  if (!Deno.stdin.isTerminal()) {
    throw new UsageError(
      "missing NAME: give it as the third argument or with --name when stdin is not a terminal",
      CLIENT_USAGE,
    );
  }
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1024);
  while (true) {
    await Deno.stderr.write(encoder.encode("Your name: "));
    const n = await Deno.stdin.read(buffer);
    if (n === null) throw new UsageError("missing NAME: no name given", CLIENT_USAGE);
    const check = checkUsername(decoder.decode(buffer.subarray(0, n)).trim());
    if (check.ok) return check.name;
    console.error(check.error.message);
  }
}
