/**
 * Shared pieces of command-line parsing: the usage error and strict number options.
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

/**
 * The command line was wrong: main prints `chat: <message>` and a pointer to the misused
 * command's help (`Try 'chat client --help'.`), then exits 2.
 */
export class UsageError extends Error {
  /** The usage text of the command that was misused. */
  readonly usage: string;
  constructor(message: string, usage: string) {
    super(message);
    this.name = "UsageError";
    this.usage = usage;
  }
}

/** The options node:util's parseArgs understands, as a config map. */
export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** What a subcommand's parser returns: show help, or run with these options. */
export type Parsed<T> = { kind: "help" } | { kind: "run"; options: T };

/**
 * Runs node:util parseArgs strictly and turns its errors (unknown flag, missing value) into a
 * one-line UsageError, so every subcommand reports bad flags the same way.
 */
export function parseStrict(
  args: string[],
  options: OptionSpec,
  usage: string,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    throw new UsageError(describeParseError(error), usage);
  }
}

/**
 * One line in our own words from node:util's message, which can span three lines, and for a
 * value that begins with `-` calls the option "ambiguous" without saying what to do.
 */
export function describeParseError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const ambiguous = /^Option '(--[^']+)' argument is ambiguous/.exec(text);
  if (ambiguous !== null) {
    const flag = ambiguous[1];
    return `${flag} needs a value; write a value that begins with '-' as ${flag}=VALUE`;
  }
  const unknown = /^Unknown option '([^']+)'/.exec(text);
  if (unknown !== null) return `unknown option ${unknown[1]}`;
  const noValue = /^Option '(?:-\w, )?(--[^' ]+)' does not take an argument/.exec(text);
  if (noValue !== null) return `${noValue[1]} takes no value`;
  const missing = /^Option '(?:-\w, )?(--[^' ]+) <value>' argument missing/.exec(text);
  if (missing !== null) return `${missing[1]} needs a value`;
  return text.split("\n")[0].replace(/\.?\s*To specify.*$/, "");
}

/**
 * Parses a whole decimal integer option in [min, max]; anything else (signs, fractions, hex,
 * trailing garbage) is a UsageError naming the option.
 */
export function parseIntegerOption(
  name: string,
  value: string,
  bounds: { min: number; max: number },
  usage: string,
): number {
  if (!/^\d+$/.test(value)) {
    throw new UsageError(`--${name} must be a whole number, got '${value}'`, usage);
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < bounds.min || n > bounds.max) {
    throw new UsageError(
      `--${name} must be between ${bounds.min} and ${bounds.max}, got '${value}'`,
      usage,
    );
  }
  return n;
}
