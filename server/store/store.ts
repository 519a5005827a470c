/**
 * The store: everything the room must remember, behind one interface with three backends
 * (SQLite in memory, SQLite on a file, Redis): the chat history, and bans, mutes and the topic
 * (`moderation_store.ts`).
 * @module
 */

import type { HistoryLine } from "../../protocol/mod.ts";
import type { ModerationStore } from "./moderation_store.ts";

/** Messages that could not be saved (the store was failing), recorded once writes work again. */
export interface HistoryGap {
  /** How many messages were lost. */
  readonly lost: number;
  /** When the first of them was received (ms, UTC). */
  readonly from: number;
  /** When the last of them was received (ms, UTC). */
  readonly to: number;
}

/** One entry of the history as read back: a message or action, or a gap. */
export type HistoryItem =
  | { readonly kind: "line"; readonly line: HistoryLine }
  | { readonly kind: "gap"; readonly gap: HistoryGap };

/** Where the store reports trouble that the room rides out (the server console). */
export interface StoreReport {
  /** Something failed: one line. */
  problem(text: string): void;
  /** Something recovered: one line. */
  info(text: string): void;
}

/**
 * The room's durable state. Writes are queued and batched (they never block the room and never
 * throw); reads answer in order, oldest first.
 */
export interface Store {
  /** What the store is, for the console (`memory`, `file chat.db`, `redis://...`). */
  readonly description: string;
  /**
   * Entries the history holds (messages, actions, gaps), as last known without a query: what
   * the store counted at its last write or trim; undefined while it does not know yet.
   */
  readonly size: number | undefined;
  /** Queues a message or action for the history; written with the next batch. */
  append(line: HistoryLine): void;
  /**
   * The newest `limit` entries received at or after `since` (ms; 0 for all), gaps included,
   * oldest first.
   */
  recent(limit: number, since: number): Promise<HistoryItem[]>;
  /**
   * The newest `limit` messages and actions received at or after `since` that hold every one of
   * `tokens` (lower-case letters and digits, see `searchTokens`), oldest first.
   */
  search(tokens: readonly string[], limit: number, since: number): Promise<HistoryLine[]>;
  /** Bans, mutes and the topic. */
  readonly moderation: ModerationStore;
  /** Writes what is queued now; resolves when it is written or has failed. */
  flush(): Promise<void>;
  /** Writes what is queued (once more), then releases the file or connection. Idempotent. */
  close(): Promise<void>;
}

/** How much history a store keeps (both bounds apply; 0 turns a bound off). */
export interface Retention {
  /** Most entries kept; 0 keeps nothing. */
  readonly lines: number;
  /** Age limit in days; 0 means none. */
  readonly days: number;
}

/** The oldest receive time kept under `retention` at `now` (0 when there is no age limit). */
export function retentionCutoff(retention: Retention, now: number): number {
  return retention.days > 0 ? now - retention.days * 86_400_000 : 0;
}

/** The store could not be opened: the server does not start. */
export class StoreOpenError extends Error {
  constructor(what: string, reason: string) {
    super(`cannot open ${what}: ${reason}`);
    this.name = "StoreOpenError";
  }
}

/**
 * The words of a search as the store matches them: runs of letters and digits, in lower case,
 * without repeats. Everything else (quotes, `*`, `-`, `;`, NUL, FTS keywords' syntax) separates
 * words and never reaches a query's syntax.
 */
export function searchTokens(text: string): string[] {
  const tokens = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(tokens)];
}
