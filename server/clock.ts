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
