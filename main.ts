/**
 * The `chat` command: parses the command line and dispatches to the server or the client.
 * Everything else lives in `server/`, `client/` and `protocol/`.
 * @module
 */

import { runCert } from "./cert/run.ts";
import { CERT_USAGE, parseCertArgs } from "./cli/cert_args.ts";
import { CLIENT_USAGE, parseClientArgs } from "./cli/client_args.ts";
import { describeFailure, type FailureTarget } from "./cli/failure.ts";
import { HASH_PASSWORD_USAGE, PasswordInputError, runHashPassword } from "./cli/hash_password.ts";
import { MAIN_USAGE } from "./cli/main_usage.ts";
import { parseServerArgs, SERVER_USAGE } from "./cli/server_args.ts";
import { UsageError } from "./cli/usage.ts";
import { versionLine } from "./cli/version.ts";
import { runClient } from "./client/run.ts";
import { ClientUsageError } from "./client/usage_errors.ts";
import { runServer } from "./server/mod.ts";

/** Where main writes its own lines (help, version, errors); tests pass a recorder. */
export interface MainOutput {
  out(text: string): void;
  err(text: string): void;
}

const CONSOLE: MainOutput = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
};

/** The usage of each subcommand, for `chat help COMMAND`. */
const COMMAND_USAGE: Readonly<Record<string, string>> = {
  server: SERVER_USAGE,
  client: CLIENT_USAGE,
  "hash-password": HASH_PASSWORD_USAGE,
  cert: CERT_USAGE,
};

/**
 * Runs `chat` with these arguments and returns its exit code: 0 done, 1 runtime failure (one
 * line, no stack trace), 2 usage error (the message, then where the misused command's help is).
 */
export async function main(args: string[], output: MainOutput = CONSOLE): Promise<number> {
  let target: FailureTarget | undefined;
  try {
    const [command, ...rest] = args;
    switch (command) {
      case "-h":
      case "--help":
        expectNoMore(command, rest);
        output.out(MAIN_USAGE);
        return 0;
      case "-V":
      case "--version":
        expectNoMore(command, rest);
        output.out(versionLine());
        return 0;
      case "help":
        return help(rest, output);
      case "server": {
        const parsed = parseServerArgs(rest);
        if (parsed.kind === "help") return printed(output, SERVER_USAGE);
        const { host, port } = parsed.options;
        target = { action: "listen", host, port };
        return await runServer(parsed.options);
      }
      case "client": {
        const parsed = parseClientArgs(rest);
        if (parsed.kind === "help") return printed(output, CLIENT_USAGE);
        const { host, port } = parsed.options;
        target = { action: "connect", host, port };
        try {
          return await runClient(parsed.options);
        } catch (error) {
          // The client found its settings unusable here: a usage error like the parser's.
          if (error instanceof ClientUsageError) throw new UsageError(error.message, CLIENT_USAGE);
          throw error;
        }
      }
      case "cert": {
        const parsed = parseCertArgs(rest);
        if (parsed.kind === "help") return printed(output, CERT_USAGE);
        for (const line of await runCert(parsed.options)) output.out(line);
        return 0;
      }
      case "hash-password":
        return await runHashPassword(rest, output);
      case undefined:
        throw new UsageError("missing command: server or client", MAIN_USAGE);
      default:
        throw new UsageError(
          command.startsWith("-") ? `unknown option '${command}'` : `unknown command '${command}'`,
          MAIN_USAGE,
        );
    }
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(`chat: ${error.message}\n${helpHint(error.usage)}`);
      return 2;
    }
    if (error instanceof PasswordInputError) {
      output.err(`chat: ${error.message}`);
      return 1;
    }
    output.err(`chat: ${describeFailure(error, target)}`);
    return 1;
  }
}

/**
 * The second line of a usage error: where to read the misused command's help, as git and
 * ripgrep do, instead of the whole usage text burying the one line that matters.
 */
export function helpHint(usage: string): string {
  const command = Object.keys(COMMAND_USAGE).find((name) => COMMAND_USAGE[name] === usage);
  return command === undefined ? "Try 'chat --help'." : `Try 'chat ${command} --help'.`;
}

function help(rest: string[], output: MainOutput): number {
  const [command, ...extra] = rest;
  if (command === undefined) return printed(output, MAIN_USAGE);
  const usage = COMMAND_USAGE[command];
  if (usage === undefined) throw new UsageError(`unknown command '${command}'`, MAIN_USAGE);
  expectNoMore(`help ${command}`, extra);
  return printed(output, usage);
}

function printed(output: MainOutput, text: string): number {
  output.out(text);
  return 0;
}

function expectNoMore(command: string, rest: string[]): void {
  if (rest.length > 0) {
    throw new UsageError(`unexpected argument '${rest[0]}' after '${command}'`, MAIN_USAGE);
  }
}

/**
 * A failure that escapes every await (a rejected promise nobody awaited, an exception in a
 * callback) still ends the program with one line and exit code 1, not a stack trace.
 */
function exitOnStrayErrors(): void {
  const fail = (error: unknown) => {
    console.error(`chat: ${describeFailure(error)}`);
    Deno.exit(1);
  };
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    fail(event.reason);
  });
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    fail(event.error);
  });
}

if (import.meta.main) {
  exitOnStrayErrors();
  Deno.exit(await main(Deno.args));
}
