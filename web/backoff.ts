/**
 * How long the page waits before reconnecting: doubling from one second to thirty, with jitter so
 * a restarted server is not met by every page at once.
 * @module
 */

/** First wait after a lost connection, in ms. */
export const FIRST_RETRY_MS = 1000;
/** Longest wait, in ms. */
export const MAX_RETRY_MS = 30_000;

/** The wait before attempt `attempt` (0-based): 1 s, 2 s, 4 s ... 30 s, each 75-100% of that. */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.75 + 0.25 * random()));
}
