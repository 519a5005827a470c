/**
 * What this machine can do for a test: which OS it is, which external tools run, whether a child
 * process can be stopped gracefully by a signal. CI runs the suite on Linux, macOS and Windows;
 * a test that needs something missing is skipped (Deno.test's `ignore`) with the reason printed
 * once, so a skip is never silent and never looks like a pass.
 * @module
 */

/** The OS the tests run on, as Deno names it ("linux", "darwin", "windows", ...). */
export const OS: typeof Deno.build.os = Deno.build.os;

/** Linux: /proc, prlimit and util-linux's `script` exist. */
export const isLinux: boolean = OS === "linux";

/** Windows: no POSIX signals to send to a child process. */
export const isWindows: boolean = OS === "windows";

const probes = new Map<string, Promise<string | null>>();

/**
 * Null when `name args...` runs and succeeds here, otherwise why not ("openssl is not
 * installed"). Probed once per command line, so many test files may ask.
 */
export function commandUnavailable(
  name: string,
  args: readonly string[] = ["--version"],
): Promise<string | null> {
  const key = [name, ...args].join(" ");
  let probe = probes.get(key);
  if (probe === undefined) {
    probe = runProbe(name, args, key);
    probes.set(key, probe);
  }
  return probe;
}

async function runProbe(
  name: string,
  args: readonly string[],
  key: string,
): Promise<string | null> {
  try {
    const { success, code } = await new Deno.Command(name, {
      args: [...args],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return success ? null : `${key} failed (exit code ${code})`;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return `${name} is not installed`;
    return `${name} cannot be run: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** True when `name args...` runs and succeeds here. */
export async function hasCommand(
  name: string,
  args: readonly string[] = ["--version"],
): Promise<boolean> {
  return await commandUnavailable(name, args) === null;
}

/** Null on Linux; elsewhere says that `what` (a Linux-only tool or file) is missing. */
export function notLinux(what: string): string | null {
  return isLinux ? null : `${what} is Linux only (this is ${OS})`;
}

/**
 * Null where a child process can be sent `signal` and handle it (Linux, macOS); on Windows,
 * Deno's ChildProcess.kill terminates the child at once instead, so a test of graceful shutdown
 * cannot run there.
 */
export function childSignalUnavailable(signal: "SIGINT" | "SIGTERM" | "SIGHUP"): string | null {
  return isWindows
    ? `Deno cannot deliver ${signal} to a child on Windows (ChildProcess.kill terminates it)`
    : null;
}

/** The first reason that is not null, for a test that needs several things. */
export function firstReason(...reasons: (string | null)[]): string | null {
  return reasons.find((reason) => reason !== null) ?? null;
}

const printed = new Set<string>();

/**
 * Decides a Deno.test `ignore` flag: when `why` is not null, prints `skipped <what>: <why>` (once
 * per `what`) and returns true; otherwise returns false and prints nothing.
 */
export function skipWhen(what: string, why: string | null): boolean {
  if (why === null) return false;
  const line = `skipped ${what}: ${why}`;
  if (!printed.has(line)) {
    printed.add(line);
    console.log(line);
  }
  return true;
}
