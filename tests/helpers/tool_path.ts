/**
 * A PATH made for one test: a folder holding links to exactly the commands a script may use, plus
 * fakes (a `uname` that reports another machine). Running a script with only that folder on PATH
 * proves which tools it needs, and lets a test take one away (no curl, no wget).
 * @module
 */

/** Where `name` is on this process's PATH, or null. */
export async function findOnPath(name: string): Promise<string | null> {
  const separator = Deno.build.os === "windows" ? ";" : ":";
  for (const dir of (Deno.env.get("PATH") ?? "").split(separator)) {
    if (dir === "") continue;
    const candidate = `${dir}/${name}`;
    try {
      const info = await Deno.stat(candidate);
      if (info.isFile && info.mode !== null && (info.mode & 0o111) !== 0) return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return null;
}

/** A command the folder must hold but this machine lacks. */
export class MissingToolError extends Error {
  constructor(readonly tool: string) {
    super(`${tool} is not on PATH`);
    this.name = "MissingToolError";
  }
}

/**
 * Creates `dir` with a link to each of `tools` (found on this PATH; MissingToolError when one is
 * missing) and each of `scripts` (name to shell script text) written as an executable file.
 */
export async function makeToolDir(
  dir: string,
  tools: readonly string[],
  scripts: Readonly<Record<string, string>> = {},
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const tool of tools) {
    const target = await findOnPath(tool);
    if (target === null) throw new MissingToolError(tool);
    await Deno.symlink(target, `${dir}/${tool}`);
  }
  for (const [name, text] of Object.entries(scripts)) {
    await Deno.writeTextFile(`${dir}/${name}`, text, { mode: 0o755 });
  }
}

/** A fake `uname` answering `-s` with `system` and `-m` with `machine`. */
export function fakeUname(system: string, machine: string): string {
  return [
    "#!/bin/sh",
    'case "$1" in',
    `-s) echo '${system}' ;;`,
    `-m) echo '${machine}' ;;`,
    `*) echo '${system}' ;;`,
    "esac",
    "",
  ].join("\n");
}
