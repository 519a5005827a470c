/**
 * The real terminal: raw mode, writing, its size, resize and termination signals, and putting
 * everything back. Restoring is idempotent and happens on every way out: the normal end, an
 * error (try/finally in the caller), a signal, and `Deno.exit` from anywhere (the `unload`
 * event), so the user's shell is never left in raw mode or with a hidden cursor.
 * @module
 */

import { BRACKETED_PASTE_OFF, BRACKETED_PASTE_ON, RESET, SHOW_CURSOR } from "./ansi.ts";

/** Raw mode could not be turned on (not a terminal, or a platform without it). */
export class RawModeUnavailableError extends Error {
  constructor(cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`raw mode is not available (${why})`, { cause });
    this.name = "RawModeUnavailableError";
  }
}

const encoder = new TextEncoder();
const IS_WINDOWS = Deno.build.os === "windows";

/** Signals that end the client; each restores the terminal first. */
const EXIT_SIGNALS: readonly Deno.Signal[] = IS_WINDOWS
  ? ["SIGINT", "SIGBREAK"]
  : ["SIGINT", "SIGTERM", "SIGHUP"];

/** Writes all of `bytes` to stdout, synchronously, so output never interleaves. */
function writeAllSync(bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stdout.writeSync(bytes.subarray(offset));
}

/** The terminal in raw mode; see the module documentation. */
export class RawTerminal {
  #restored = false;
  #cleanups: (() => void)[] = [];

  private constructor() {}

  /** Turns raw mode on; throws {@link RawModeUnavailableError} where it is not possible. */
  static open(): RawTerminal {
    try {
      Deno.stdin.setRaw(true);
    } catch (error) {
      throw new RawModeUnavailableError(error);
    }
    const terminal = new RawTerminal();
    const onUnload = () => terminal.restore();
    globalThis.addEventListener("unload", onUnload);
    terminal.#cleanups.push(() => globalThis.removeEventListener("unload", onUnload));
    terminal.write(BRACKETED_PASTE_ON);
    return terminal;
  }

  /** Writes text (already sanitized and formatted) to the screen. */
  write(text: string): void {
    if (text.length === 0 || this.#restored) return;
    try {
      writeAllSync(encoder.encode(text));
    } catch {
      // The terminal went away (hangup): nothing left to show anything on.
    }
  }

  /** The width in columns (80 when it cannot be known). */
  columns(): number {
    try {
      return Deno.consoleSize().columns || 80;
    } catch {
      return 80;
    }
  }

  /** Calls `listener` with the new width when the terminal is resized (not on Windows). */
  onResize(listener: (columns: number) => void): void {
    if (IS_WINDOWS) return;
    const handler = () => listener(this.columns());
    Deno.addSignalListener("SIGWINCH", handler);
    this.#cleanups.push(() => Deno.removeSignalListener("SIGWINCH", handler));
  }

  /** Calls `listener` on a termination signal (SIGINT, SIGTERM, SIGHUP), after restoring. */
  onExitSignal(listener: (signal: Deno.Signal) => void): void {
    for (const signal of EXIT_SIGNALS) {
      const handler = () => {
        this.restore();
        listener(signal);
      };
      try {
        Deno.addSignalListener(signal, handler);
        this.#cleanups.push(() => Deno.removeSignalListener(signal, handler));
      } catch {
        // Not supported on this platform.
      }
    }
  }

  /** Puts the terminal back: bracketed paste off, cursor shown, colors reset, raw mode off. */
  restore(): void {
    if (this.#restored) return;
    try {
      writeAllSync(encoder.encode(BRACKETED_PASTE_OFF + SHOW_CURSOR + RESET));
    } catch {
      // Nothing to write to.
    }
    this.#restored = true;
    try {
      Deno.stdin.setRaw(false);
    } catch {
      // stdin is gone; nothing to restore.
    }
  }

  /** Restores the terminal and removes every listener this terminal added. */
  close(): void {
    this.restore();
    for (const cleanup of this.#cleanups.splice(0)) {
      try {
        cleanup();
      } catch {
        // Already removed.
      }
    }
  }
}
