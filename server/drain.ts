/**
 * Waiting for the sessions to be gone at shutdown: the drain (bounded by `--drain-seconds`, cut
 * short by a second signal) and, once everyone was told, the wait for the last session's end.
 * One waiter at a time, woken by the server when its last session ends.
 * @module
 */

import type { Clock, Timer } from "./clock.ts";
import type { ServerConsole } from "./console.ts";

/** The shutdown's waits on the sessions; the server tells it when the last one has ended. */
export class SessionDrain {
  readonly #clock: Clock;
  readonly #console: ServerConsole;
  /** Resolves the wait in progress once the last session's run is over. */
  #lastSessionEnded: (() => void) | null = null;
  /** Ends a drain in progress early (a second signal). */
  #endDrain: (() => void) | null = null;

  constructor(clock: Clock, console: ServerConsole) {
    this.#clock = clock;
    this.#console = console;
  }

  /** The last session has ended: whatever waits on the sessions goes on. */
  lastSessionEnded(): void {
    this.#lastSessionEnded?.();
  }

  /** Cuts a drain in progress short (a shutdown asked again without a drain). */
  endDrain(): void {
    this.#endDrain?.();
  }

  /** Waits up to `seconds` for the `count` open connections to leave on their own. */
  async drain(seconds: number, count: number): Promise<void> {
    if (seconds <= 0 || count === 0) return;
    this.#console.info(
      `draining: not accepting; waiting up to ${seconds} s for ${count} connection(s) to close`,
      "drain",
    );
    let timer: Timer | null = null;
    await new Promise<void>((resolve) => {
      this.#endDrain = resolve;
      this.#lastSessionEnded = resolve;
      timer = this.#clock.after(seconds * 1000, resolve);
    });
    (timer as Timer | null)?.cancel();
    this.#endDrain = null;
    this.#lastSessionEnded = null;
  }

  /** Resolves once the server reports its last session ended (call only while some remain). */
  untilLastEnded(): Promise<void> {
    return new Promise<void>((resolve) => this.#lastSessionEnded = resolve);
  }
}
