/**
 * `chat` from source with exactly the binary's permissions, so a test or the smoke test through
 * `deno run` checks what the compiled program would do. Running it as a child process is the
 * instruments' kit (kit/chat_process.ts).
 * @module
 */

import { COMPILE_PERMISSIONS, ENTRY_POINT } from "./build_targets.ts";

/** The command that runs chat from source with the permissions the compiled binary has. */
export function sourceCommand(): string[] {
  const main = new URL(`../${ENTRY_POINT}`, import.meta.url).href;
  return [Deno.execPath(), "run", ...COMPILE_PERMISSIONS, main];
}
