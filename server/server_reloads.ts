/**
 * What the server re-reads on SIGHUP: the TLS pairs (the listener swaps to the new one) and
 * `--opers FILE`. Registered once at start; a failed reload keeps the old file and is logged.
 * @module
 */

import type { ServerConsole } from "./console.ts";
import type { OperatorRegistry } from "./moderation/operators.ts";
import type { ReloadHooks } from "./reload.ts";
import type { TlsReload } from "./transport/open.ts";

/** The files the server itself read at start, for their reload hooks. */
export interface ServerReloadFiles {
  /** Every TLS listener's pair (main, web, IRC door); empty without TLS. */
  readonly tlsReloads: readonly TlsReload[];
  /** `--opers FILE`, when given. */
  readonly operatorsFile: string | undefined;
  /** The registry that file fills. */
  readonly operators: OperatorRegistry;
}

/** Adds a hook for each file in `files` to `reloads`. */
export function registerServerReloads(
  reloads: ReloadHooks,
  files: ServerReloadFiles,
  console: ServerConsole,
): void {
  for (const { what, reloader, slot } of files.tlsReloads) {
    reloads.add(what, () => reloader.reload(slot, (text) => console.problem(text)));
  }
  const { operatorsFile, operators } = files;
  if (operatorsFile !== undefined) {
    reloads.add("operators file", async () => {
      const outcome = await operators.reload();
      if (!outcome.ok) throw new Error(outcome.reason);
      return `reloaded operators file '${operatorsFile}' (${outcome.count} operator(s))`;
    });
  }
}

/** Runs every hook, logging to the console; resolves with how many failed. */
export function runReloads(reloads: ReloadHooks, console: ServerConsole): Promise<number> {
  return reloads.run({
    info: (text, event) => console.info(text, event),
    problem: (text) => console.problem(text),
  });
}
