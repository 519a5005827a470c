/**
 * When to write a client's queued frames: at once while the server is quiet, a few milliseconds
 * later under load, so each write carries several frames (like a network card's interrupt
 * moderation). Pure: it sees counts and times, never sockets or timers.
 * @module
 */

/** The knobs of the moderation; {@link DEFAULT_FLUSH_POLICY} holds the measured defaults. */
export interface FlushPolicyOptions {
  /** Length of the window over which the load is measured, in ms. */
  windowMs: number;
  /** Below this many deliveries per second every flush goes out at once. */
  quietDeliveriesPerSecond: number;
  /** Under load, aim for about this many frames per write... */
  framesPerWrite: number;
  /** ...and at most this many writes per second in all (each costs a syscall). */
  maxWritesPerSecond: number;
  /** The longest a client's next write is held back after its previous one, in ms. */
  maxGapMs: number;
}

/**
 * Measured on the 2-core benchmark machine (docs/performance.md): a write of a few small frames
 * to a loopback socket costs about 6 µs of CPU however many frames it carries.
 */
export const DEFAULT_FLUSH_POLICY: Readonly<FlushPolicyOptions> = {
  windowMs: 100,
  quietDeliveriesPerSecond: 150_000,
  framesPerWrite: 8,
  maxWritesPerSecond: 60_000,
  maxGapMs: 100,
};

/**
 * The shortest time between two writes to the same client, given the load of the last window:
 * `deliveries` frames handed to `activeOutboxes` distinct clients over `elapsedMs`. Zero while
 * quiet. Under load the writes per second allowed are the smaller of deliveries/framesPerWrite
 * and maxWritesPerSecond; spread over the active clients, that gives each client's gap.
 */
export function moderationGapMs(
  deliveries: number,
  activeOutboxes: number,
  elapsedMs: number,
  options: Readonly<FlushPolicyOptions> = DEFAULT_FLUSH_POLICY,
): number {
  if (elapsedMs <= 0 || deliveries <= 0 || activeOutboxes <= 0) return 0;
  const perSecond = (deliveries * 1000) / elapsedMs;
  if (perSecond < options.quietDeliveriesPerSecond) return 0;
  const writesPerSecond = Math.min(perSecond / options.framesPerWrite, options.maxWritesPerSecond);
  return Math.min(options.maxGapMs, (activeOutboxes * 1000) / writesPerSecond);
}

/**
 * The load measure behind {@link moderationGapMs}: counts deliveries and distinct clients in
 * fixed windows and recomputes the gap when a window ends. Time is passed in, so it is tested
 * without a clock.
 */
export class FlushPolicy {
  readonly #options: Readonly<FlushPolicyOptions>;
  #windowStart: number;
  #deliveries = 0;
  #active = 0;
  #window = 0;
  #gap = 0;

  constructor(now: number, options: Readonly<FlushPolicyOptions> = DEFAULT_FLUSH_POLICY) {
    this.#options = options;
    this.#windowStart = now;
  }

  /** The current window's number; a client records it to be counted once per window. */
  get window(): number {
    return this.#window;
  }

  /** The gap in force, in ms (0: write at once). */
  get gapMs(): number {
    return this.#gap;
  }

  /**
   * Counts one delivery to a client; `firstInWindow` is true for the client's first delivery in
   * this window (it compared its recorded window with {@link window}).
   */
  count(firstInWindow: boolean): void {
    this.#deliveries++;
    if (firstInWindow) this.#active++;
  }

  /**
   * Ends the window if it is over, recomputing the gap from its counts; returns true if it did.
   * A long quiet spell is one long window, so its rate (and gap) comes out low.
   */
  tick(now: number): boolean {
    const elapsed = now - this.#windowStart;
    if (elapsed < this.#options.windowMs) return false;
    this.#gap = moderationGapMs(this.#deliveries, this.#active, elapsed, this.#options);
    this.#windowStart = now;
    this.#deliveries = 0;
    this.#active = 0;
    this.#window++;
    return true;
  }
}
