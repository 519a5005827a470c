/**
 * The program's version, read from deno.json at build time so there is one source of truth.
 * @module
 */

import config from "../deno.json" with { type: "json" };

/** The version of chat, from deno.json (a static JSON import, so `deno compile` embeds it). */
export const VERSION: string = config.version;

/**
 * The line `chat --version` prints: the program's version and the Deno it runs on, which for a
 * compiled binary is the Deno it was built with.
 */
export function versionLine(denoVersion: string = Deno.version.deno): string {
  return `chat ${VERSION} (deno ${denoVersion})`;
}
