/**
 * Time, injected: the login timeout, the flood bucket and the periodic list all read the clock
 * through this interface, so tests can drive time instead of sleeping.
 * @module
 */

/** A scheduled callback that can be called off. */
export interface Timer {
  /** Stops the callback from running (again); safe to call more than once. */
  cancel(): void;
}

/** The server's source of time and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  after(ms: number, fn: () => void): Timer;
  /** Runs `fn` every `ms` milliseconds until cancelled. */
  every(ms: number, fn: () => void): Timer;
}

/** The real clock: Date.now and the runtime's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const id = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(id) };
  },
  every(ms, fn) {
    const id = setInterval(fn, ms);
    return { cancel: () => clearInterval(id) };
  },
};

/**
 * Waits for `work`, but at most `ms` on `clock`: true when it settled in time (a rejection is
 * passed on), false when the time ran out first (the work goes on, no longer awaited). The
 * timer is always cancelled, so nothing is left scheduled. The one way the server bounds a wait
 * (a last flush on close, a refusal notice, the cluster bus's last publications).
 */
export async function within(clock: Clock, ms: number, work: Promise<unknown>): Promise<boolean> {
  let expire: () => void = () => {};
  const expired = new Promise<false>((resolve) => expire = () => resolve(false));
  const timer = clock.after(ms, expire);
  try {
    return await Promise.race([work.then(() => true), expired]);
  } finally {
    timer.cancel();
  }
}
