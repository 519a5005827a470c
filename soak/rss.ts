/**
 * A process's resident memory from Linux's /proc, read from outside so the soak measures the
 * server as the operating system sees it.
 * @module
 */

/** /proc/PID/status could not be read or holds no VmRSS line (not Linux, or the process exited). */
export class RssError extends Error {
  constructor(pid: number, detail: string) {
    super(`cannot read the memory of process ${pid}: ${detail}`);
    this.name = "RssError";
  }
}

/**
 * Resident set size in bytes (VmRSS of /proc/PID/status). Read through `cat`: Deno asks for
 * every permission to read another process's /proc files, while running a program needs only
 * --allow-run.
 */
export async function residentBytes(pid: number): Promise<number> {
  const out = await new Deno.Command("cat", {
    args: [`/proc/${pid}/status`],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output().catch((error) => {
    throw new RssError(pid, error instanceof Error ? error.message : String(error));
  });
  if (!out.success) throw new RssError(pid, new TextDecoder().decode(out.stderr).trim());
  const text = new TextDecoder().decode(out.stdout);
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  if (match === null) throw new RssError(pid, "no VmRSS line");
  return Number(match[1]) * 1024;
}

/** `12.3 MiB`. */
export function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
