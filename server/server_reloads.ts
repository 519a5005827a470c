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
  /** The main listener's TLS pair; null without TLS. */
  readonly tls: TlsReload | null;
  /** The IRC door's TLS pair; null without it. */
  readonly ircTls: TlsReload | null;
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
  if (files.tls !== null) reloadTlsOnSighup(reloads, "TLS certificate", files.tls, console);
  if (files.ircTls !== null) {
    reloadTlsOnSighup(reloads, "IRC TLS certificate", files.ircTls, console);
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

/** SIGHUP re-reads the certificate files and swaps `tls`'s listener. */
function reloadTlsOnSighup(
  reloads: ReloadHooks,
  what: string,
  tls: TlsReload,
  console: ServerConsole,
): void {
  const slot = tls.transport.tlsSlot();
  reloads.add(what, () => tls.reloader.reload(slot, (text) => console.problem(text)));
}
