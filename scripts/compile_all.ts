/**
 * Builds the release: one `chat` binary per target in dist/ and a SHA256SUMS file beside them.
 *
 * Usage: deno task compile:all [--out-dir DIR] [--target TARGET]...
 * @module
 */

import { parseArgs } from "node:util";
import {
  binaryName,
  type ChecksumEntry,
  COMPILE_TARGETS,
  compileArgs,
  type CompileTarget,
  formatSha256Sums,
  sha256Hex,
} from "./build_targets.ts";

/** A target failed to build: the release is incomplete, so the script stops. */
export class CompileFailedError extends Error {
  constructor(readonly target: string, readonly code: number) {
    super(`deno compile for ${target} failed with exit code ${code}`);
    this.name = "CompileFailedError";
  }
}

/**
 * Builds each target into outDir, then writes outDir/SHA256SUMS; returns the checksum entries.
 * `root` is the project folder (where main.ts is); outDir may be relative to the current one.
 */
export async function compileAll(
  targets: readonly CompileTarget[],
  outDir: string,
  root: string | URL = ".",
): Promise<ChecksumEntry[]> {
  outDir = isAbsolute(outDir) ? outDir : `${Deno.cwd()}/${outDir}`;
  await Deno.mkdir(outDir, { recursive: true });
  const entries: ChecksumEntry[] = [];
  for (const target of targets) {
    console.log(`Building ${binaryName(target)}`);
    const { code } = await new Deno.Command("deno", {
      args: compileArgs(target, outDir),
      cwd: root,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (code !== 0) throw new CompileFailedError(target, code);
    const name = binaryName(target);
    entries.push({ name, sha256: await sha256Hex(await Deno.readFile(`${outDir}/${name}`)) });
  }
  await Deno.writeTextFile(`${outDir}/SHA256SUMS`, formatSha256Sums(entries));
  return entries;
}

function isAbsolute(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\\\");
}

function parseTargets(values: string[] | undefined): CompileTarget[] {
  if (values === undefined || values.length === 0) return [...COMPILE_TARGETS];
  return values.map((value) => {
    const target = COMPILE_TARGETS.find((known) => known === value);
    if (target === undefined) {
      throw new Error(`unknown target '${value}' (known: ${COMPILE_TARGETS.join(", ")})`);
    }
    return target;
  });
}

if (import.meta.main) {
  try {
    const { values } = parseArgs({
      args: Deno.args,
      options: {
        "out-dir": { type: "string", default: "dist" },
        target: { type: "string", multiple: true },
      },
      strict: true,
    });
    const outDir = values["out-dir"];
    const entries = await compileAll(parseTargets(values.target), outDir);
    console.log(`Wrote ${entries.length} binaries and ${outDir}/SHA256SUMS`);
  } catch (error) {
    console.error(`compile_all: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
