/**
 * Reconnect timing: exponential backoff with jitter, and the injectable sleep that waits it out.
 * Pure and injectable so tests need not wait real seconds.
 * @module
 */

/** The first retry's delay before jitter, in milliseconds. */
export const BACKOFF_BASE_MS = 500;
/** The longest delay between attempts, in milliseconds. */
export const BACKOFF_MAX_MS = 30_000;
/** Up to this share of each delay is taken off at random, so clients dropped together by a
 * restarting server do not all come back in the same instant. */
export const BACKOFF_JITTER = 0.25;

/**
 * The delay before retry number `attempt` (0 for the first retry): 0.5 s doubling up to 30 s,
 * then shortened by a random part of up to {@link BACKOFF_JITTER}. `random` returns a number in
 * [0, 1), like `Math.random`.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(Math.floor(attempt), 32));
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(base * (1 - BACKOFF_JITTER * r));
}

/** Waits `ms`, or less if `signal` aborts first; never rejects. Injected so tests run instantly. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** The real {@link Sleep}: a timer that is cleared when the signal aborts. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
