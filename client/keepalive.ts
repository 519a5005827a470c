/**
 * The client's keepalive timing: after `intervalMs` in which the client sent nothing, it sends
 * one keepalive frame (its name, an empty message: PROTOCOL.md §3), so a server with an idle
 * timeout, a load balancer or a NAT does not take a quiet user for a dead one.
 *
 * Cheap on purpose: sending records one number ({@link Keepalive.noteSent}); the one timer is
 * re-armed only when it fires, for whatever is left of the interval since the last send.
 * @module
 */

/** A scheduled callback that can be called off. */
export interface KeepaliveTimer {
  /** Stops the callback from running; safe to call more than once. */
  cancel(): void;
}

/**
 * The time and timer a keepalive needs. The server's `Clock` (and the tests' `ManualClock`)
 * has this shape, so tests drive it by hand.
 */
export interface KeepaliveClock {
  /** Milliseconds, from any fixed origin. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  after(ms: number, fn: () => void): KeepaliveTimer;
}

/** The real clock: `performance.now` and the runtime's timers. */
export const systemKeepaliveClock: KeepaliveClock = {
  now: () => performance.now(),
  after(ms, fn) {
    const id = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(id) };
  },
};

/** The client's default: a keepalive after 30 s without sending anything. */
export const DEFAULT_KEEPALIVE_MS = 30_000;

/** Largest `--keepalive`, in seconds (a day). */
export const MAX_KEEPALIVE_SECONDS = 86_400;

/** What a {@link Keepalive} is told to do. */
export interface KeepaliveOptions {
  /** Milliseconds without sending before a keepalive goes out; 0 (or less) turns it off. */
  intervalMs: number;
  /**
   * True while a send is queued or being written (or the connection is closing): no keepalive
   * then, the pending bytes will do, and the silence counts from now.
   */
  busy(): boolean;
  /** Sends one keepalive frame. */
  send(): void;
  /** Time and timers (default {@link systemKeepaliveClock}). */
  clock?: KeepaliveClock;
}

/**
 * Sends a keepalive after a silence, from `start()` (the login was accepted) until `stop()`
 * (the connection closed). At most one timer is pending at any time, none after `stop()`.
 */
export class Keepalive {
  readonly #intervalMs: number;
  readonly #clock: KeepaliveClock;
  readonly #busy: () => boolean;
  readonly #send: () => void;
  #lastSentAt = 0;
  #timer: KeepaliveTimer | null = null;
  #stopped = false;

  constructor(options: KeepaliveOptions) {
    this.#intervalMs = options.intervalMs;
    this.#clock = options.clock ?? systemKeepaliveClock;
    this.#busy = options.busy;
    this.#send = options.send;
  }

  /** True while a timer is pending (started, on, and not stopped). */
  get running(): boolean {
    return this.#timer !== null;
  }

  /** Starts timing the silence from now; does nothing when off, running or stopped. */
  start(): void {
    if (this.#intervalMs <= 0 || this.#stopped || this.#timer !== null) return;
    this.#lastSentAt = this.#clock.now();
    this.#arm(this.#intervalMs);
  }

  /** Something was sent: the silence starts again. One assignment, no timer work. */
  noteSent(): void {
    this.#lastSentAt = this.#clock.now();
  }

  /** Cancels the timer for good (the connection closed). */
  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
  }

  #arm(ms: number): void {
    this.#timer = this.#clock.after(Math.max(0, ms), () => this.#fire());
  }

  #fire(): void {
    this.#timer = null;
    if (this.#stopped) return;
    const silentFor = this.#clock.now() - this.#lastSentAt;
    if (silentFor >= this.#intervalMs) {
      if (!this.#busy()) this.#send();
      this.noteSent();
    }
    if (this.#stopped) return;
    this.#arm(this.#lastSentAt + this.#intervalMs - this.#clock.now());
  }
}
