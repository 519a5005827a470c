/**
 * History lines: the one notice text a client may parse. A server that keeps history sends past
 * messages as notices of one stable form, so a version 1 client shows readable lines that it
 * cannot mistake for live chat, and a client that knows the form shows them as chat lines.
 * @module
 */

/**
 * One remembered message or action.
 *
 * @example
 * ```ts
 * import type { HistoryLine } from "./mod.ts";
 * const line: HistoryLine = { time: Date.UTC(2026, 11, 3, 12, 3, 11, 250), from: "alice", text: "hi", action: false };
 * ```
 */
export interface HistoryLine {
  /** When the server received it, in milliseconds since the epoch (UTC). */
  time: number;
  /** The sender's registered name. */
  from: string;
  /** The text (for an action, what follows the name). */
  text: string;
  /** True for a `/me` action. */
  action: boolean;
}

/**
 * The notice text of a history line: `[history 2026-12-03T12:03:11.250Z] <alice> text`, or
 * `[history 2026-12-03T12:03:11.250Z] * alice waves` for an action.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatHistoryLine } from "./mod.ts";
 * const time = Date.UTC(2026, 11, 3, 12, 3, 11, 250);
 * assert.equal(
 *   formatHistoryLine({ time, from: "alice", text: "waves", action: true }),
 *   "[history 2026-12-03T12:03:11.250Z] * alice waves",
 * );
 * ```
 */
export function formatHistoryLine(line: HistoryLine): string {
  const stamp = `[history ${new Date(line.time).toISOString()}]`;
  return line.action
    ? `${stamp} * ${line.from} ${line.text}`
    : `${stamp} <${line.from}> ${line.text}`;
}

const HISTORY_LINE =
  /^\[history (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\] (?:<(\S+)> |\* (\S+) )([\s\S]*)$/;

/**
 * Reads a notice's text as a history line; null when it is any other notice. Names hold no
 * whitespace, so the name ends at the first space.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHistoryLine } from "./mod.ts";
 * assert.deepEqual(parseHistoryLine("[history 2026-12-03T12:03:11.250Z] <alice> hi there"), {
 *   time: Date.UTC(2026, 11, 3, 12, 3, 11, 250),
 *   from: "alice",
 *   text: "hi there",
 *   action: false,
 * });
 * assert.equal(parseHistoryLine("alice joined"), null);
 * ```
 */
export function parseHistoryLine(text: string): HistoryLine | null {
  const match = HISTORY_LINE.exec(text);
  if (match === null) return null;
  const time = Date.parse(match[1]);
  if (!Number.isFinite(time)) return null;
  const action = match[3] !== undefined;
  return { time, from: match[2] ?? match[3], text: match[4], action };
}

/**
 * The notice that opens a replay or a `/history` or `/search` answer:
 * `History: 3 messages since 2026-12-03T12:03:11.250Z` (the time of the first one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { historyStartNotice } from "./mod.ts";
 * assert.equal(historyStartNotice(1, 0), "History: 1 message since 1970-01-01T00:00:00.000Z");
 * ```
 */
export function historyStartNotice(count: number, since: number): string {
  const what = count === 1 ? "message" : "messages";
  return `History: ${count} ${what} since ${new Date(since).toISOString()}`;
}

/** The notice that closes a replay or a `/history` or `/search` answer. */
export const HISTORY_END_NOTICE = "End of history";
