/**
 * Durations of bans and mutes as operators type them (`90s`, `30m`, `2h`, `7d`) and the time
 * left as users read it (`1h 59m`).
 * @module
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** The longest ban or mute with a duration: ten years (longer is "until lifted"). */
export const MAX_DURATION_MS = 3650 * 86_400_000;

/** A duration that does not parse, or is zero or too long. */
export class DurationError extends Error {
  constructor(text: string) {
    super(`bad duration '${text}' (a whole number and s, m, h or d, like 90s, 30m, 2h, 7d)`);
    this.name = "DurationError";
  }
}

/** True when a word is meant as a duration (it starts with a digit), so a typo is an error. */
export function looksLikeDuration(word: string): boolean {
  return /^\d/.test(word);
}

/** `90s`, `30m`, `2h`, `7d` in milliseconds; throws DurationError for anything else. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,9})([smhd])$/.exec(text);
  if (match === null) throw new DurationError(text);
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  if (ms <= 0 || ms > MAX_DURATION_MS) throw new DurationError(text);
  return ms;
}

/**
 * The time left, rounded down to its two largest units: `6d 23h`, `1h 59m`, `12m`, `45s` (a
 * whole unit shows alone: `2h`, not `2h 0m`).
 */
export function formatTimeLeft(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const pair = (a: number, unitA: string, b: number, unitB: string) =>
    b > 0 ? `${a}${unitA} ${b}${unitB}` : `${a}${unitA}`;
  if (days > 0) return pair(days, "d", hours, "h");
  if (hours > 0) return pair(hours, "h", minutes, "m");
  if (minutes > 0) return `${minutes}m`;
  return `${seconds}s`;
}

/** `1h 59m left`, or `until lifted` for no end. */
export function describeTimeLeft(until: number | null, now: number): string {
  return until === null ? "until lifted" : `${formatTimeLeft(until - now)} left`;
}

/** How a duration reads in a notice: `for 2h`, or `until lifted`. */
export function describeDuration(ms: number | null): string {
  return ms === null ? "until lifted" : `for ${formatTimeLeft(ms)}`;
}
