/**
 * Reloading files without a restart (SIGHUP): each subsystem that reads a file at start (the
 * TLS certificate and key; an operators file) registers a hook. A hook that fails keeps what it
 * had and says why in one console line; the others still reload.
 * @module
 */

/**
 * Re-reads one file (or pair) and puts it in use. Resolves with the console line saying what was
 * reloaded; throws (with a message naming the file and the reason) to keep the old one.
 */
export type ReloadHook = () => string | Promise<string>;

/** The console lines a reload produces. */
export interface ReloadLog {
  /** A hook succeeded. */
  info(text: string, event: string): void;
  /** A hook failed: the old file stays in use. */
  problem(text: string): void;
}

/** The reload hooks of one server, run in the order they were added. */
export class ReloadHooks {
  readonly #hooks = new Map<string, ReloadHook>();
  /** The reload running or last run: reloads happen one at a time. */
  #last: Promise<number> = Promise.resolve(0);

  /** Adds the hook for `what` ("TLS certificate", "operators"); the function removes it. */
  add(what: string, hook: ReloadHook): () => void {
    this.#hooks.set(what, hook);
    return () => {
      if (this.#hooks.get(what) === hook) this.#hooks.delete(what);
    };
  }

  /** Runs every hook, after any reload still running; resolves with how many failed. */
  run(log: ReloadLog): Promise<number> {
    const run = this.#last.then(() => this.#runAll(log));
    this.#last = run;
    return run;
  }

  async #runAll(log: ReloadLog): Promise<number> {
    if (this.#hooks.size === 0) {
      log.info("reload: nothing to reload (no TLS, no operators file)", "reload");
      return 0;
    }
    let failed = 0;
    for (const [what, hook] of this.#hooks) {
      try {
        log.info(await hook(), "reload");
      } catch (error) {
        failed++;
        const text = error instanceof Error ? error.message : String(error);
        log.problem(`reload: ${what} not reloaded, the old one stays in use: ${text}`);
      }
    }
    return failed;
  }
}
