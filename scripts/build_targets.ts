/**
 * What a release build is made of: the targets, the permissions baked into the binary, the file
 * names and the SHA256SUMS format. `deno.json`'s compile task, scripts/compile_all.ts and the
 * tests all agree on these.
 * @module
 */

/** Every target `deno compile --target` accepts (tests/e2e/compile_test.ts checks against Deno's list). */
export const COMPILE_TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
  "aarch64-pc-windows-msvc",
] as const;

/** One of the targets a release is built for. */
export type CompileTarget = typeof COMPILE_TARGETS[number];

/**
 * The permissions baked into the binary: the least chat needs. `--allow-net` for its sockets;
 * `--allow-read` only so that the TLS files a user names (`--tls-cert`, `--tls-key`, `--ca`) can
 * be read; `--allow-write` only so that `chat cert` can write the certificate and key files the
 * user names (`--cert`, `--key`) and `chat server --db FILE` can keep its history in the SQLite
 * file the user names (and its `-wal` and `-shm` files beside it): those paths are the user's
 * choice, so neither permission can be narrowed to a folder. No environment (NO_COLOR needs none
 * through Deno.noColor), no subprocesses.
 */
export const COMPILE_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
];

/** The program a binary is compiled from. */
export const ENTRY_POINT = "main.ts";

/** The release file name for a target: `chat-<target>`, with `.exe` for Windows. */
export function binaryName(target: CompileTarget): string {
  return target.includes("windows") ? `chat-${target}.exe` : `chat-${target}`;
}

/** The `deno compile` arguments that build one target's binary into outDir. */
export function compileArgs(target: CompileTarget, outDir: string): string[] {
  return [
    "compile",
    ...COMPILE_PERMISSIONS,
    "--target",
    target,
    "--output",
    `${outDir}/${binaryName(target)}`,
    ENTRY_POINT,
  ];
}

/** A file's SHA-256 as lower-case hex, the form `sha256sum` prints. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** One file of a SHA256SUMS listing. */
export interface ChecksumEntry {
  name: string;
  sha256: string;
}

/**
 * The SHA256SUMS text in the format `sha256sum -c` verifies: hex, two spaces, file name, one per
 * line, sorted by name so the file is the same whatever order the builds finished in.
 */
export function formatSha256Sums(entries: readonly ChecksumEntry[]): string {
  return [...entries]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((entry) => `${entry.sha256}  ${entry.name}\n`)
    .join("");
}
