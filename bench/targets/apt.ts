/**
 * Installing a missing server with apt-get, shared by the targets that need a Debian package
 * (the IRC servers, redis-server for the cluster targets): only as root, never interactively.
 * @module
 */

import { isRoot } from "../../kit/proc.ts";
import { type TargetName, TargetUnavailableError } from "./target.ts";

/** A Debian package and how to tell it is there. */
export interface AptPackage {
  /** The package to install. */
  packageName: string;
  /** What the target needs from it, for messages (an executable's path or name). */
  binary: string;
  /** True once the package's executable can be run. */
  installed(): Promise<boolean>;
}

/**
 * Installs `pkg` with apt-get (retrying after `apt-get update`); throws TargetUnavailableError
 * for `target` when not root or when the install fails.
 */
export async function aptInstall(target: TargetName, pkg: AptPackage): Promise<void> {
  if (!await isRoot()) {
    throw new TargetUnavailableError(
      target,
      `${pkg.binary} missing; install it with: sudo apt-get install ${pkg.packageName}`,
    );
  }
  console.error(`bench: installing ${pkg.packageName} with apt-get ...`);
  const install = () =>
    run("apt-get", ["install", "-y", "--no-install-recommends", pkg.packageName]);
  let result = await install();
  if (!result.ok) {
    await run("apt-get", ["update"]);
    result = await install();
  }
  if (!result.ok || !await pkg.installed()) {
    throw new TargetUnavailableError(target, `apt-get install failed:\n${result.output}`);
  }
}

async function run(command: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const out = await new Deno.Command(command, {
      args,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stderr).split("\n").slice(-10).join("\n");
    return { ok: out.success, output: text };
  } catch (error) {
    return { ok: false, output: error instanceof Error ? error.message : String(error) };
  }
}
