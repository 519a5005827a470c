/**
 * The room's history: what is kept (public messages and `/me` actions, never private messages),
 * the newcomer's replay, and the answers to `/history` and `/search`, on top of the store.
 * @module
 */

import {
  formatHistoryLine,
  HISTORY_END_NOTICE,
  type HistoryLine,
  historyStartNotice,
} from "../../protocol/mod.ts";
import type { Clock } from "../clock.ts";
import { errorNotice } from "../notices.ts";
import type { Room, RoomEvent } from "../room.ts";
import {
  type HistoryGap,
  type HistoryItem,
  type Retention,
  retentionCutoff,
  searchTokens,
  type Store,
} from "../store/store.ts";
import { MAX_REPLAY_BYTES, ReplayBlock } from "./replay.ts";

/** Most lines `/history N` answers with. */
export const MAX_HISTORY_ANSWER = 1000;
/** Lines `/history` answers with when N is not given. */
export const DEFAULT_HISTORY_ANSWER = 50;
/** Most messages `/search` answers with. */
export const SEARCH_RESULTS = 20;
/** Most distinct words a search may hold. */
export const MAX_SEARCH_WORDS = 16;

/** What history keeps and replays. */
export interface HistorySettings extends Retention {
  /** Messages replayed to a newcomer; 0 turns the replay off. */
  readonly replay: number;
  /** Largest replay block in bytes (default: 256 KiB). */
  readonly maxReplayBytes?: number;
}

/** A `/history` gap, as users read it. */
export function gapNotice(gap: HistoryGap): string {
  const from = new Date(gap.from).toISOString();
  const to = new Date(gap.to).toISOString();
  const what = gap.lost === 1 ? "message was" : "messages were";
  return `History gap: ${gap.lost} ${what} not saved between ${from} and ${to}`;
}

/** Said when history is turned off (`--history-lines 0`). */
export const HISTORY_OFF_NOTICE = errorNotice("history is turned off on this server");

/**
 * Records the room's messages and actions (from its events) into the store and the replay, and
 * answers `/history` and `/search`. `persist` says which events this instance writes (in a
 * cluster, each instance writes its own users' lines to the shared store).
 */
export class History {
  readonly #store: Store;
  readonly #settings: HistorySettings;
  readonly #clock: Clock;
  readonly #replay: ReplayBlock;

  constructor(store: Store, settings: HistorySettings, clock: Clock) {
    this.#store = store;
    this.#settings = settings;
    this.#clock = clock;
    const replay = settings.lines > 0 ? Math.min(settings.replay, settings.lines) : 0;
    this.#replay = new ReplayBlock(replay, settings.maxReplayBytes ?? MAX_REPLAY_BYTES);
  }

  /** True unless `--history-lines 0`. */
  get enabled(): boolean {
    return this.#settings.lines > 0;
  }

  /**
   * The console's line about history: where it is kept and its bounds, or that it is off
   * (`history: file chat.db, last 10000 messages, 30 days, replay 50`).
   */
  describe(): string {
    if (!this.enabled) return "history: off";
    const { lines, days, replay } = this.#settings;
    const age = days > 0 ? `${days} days` : "no age limit";
    const shown = replay > 0 ? `replay ${Math.min(replay, lines)}` : "no replay";
    return `history: ${this.#store.description}, last ${lines} messages, ${age}, ${shown}`;
  }

  /** The replay's encoder (tests read how often it encoded). */
  get replayBlock(): ReplayBlock {
    return this.#replay;
  }

  /** Fills the replay from the store (at start). */
  async load(): Promise<void> {
    if (!this.enabled || this.#settings.replay === 0) return;
    const items = await this.#store.recent(this.#settings.replay, this.#cutoff());
    this.#replay.load(linesOf(items));
  }

  /**
   * Follows the room: messages and actions are remembered (written to the store when
   * `persist(event)` says so). Returns the unsubscribe function.
   */
  follow(room: Room, persist: (event: RoomEvent) => boolean = () => true): () => void {
    room.setReplay(() => this.replayBytes());
    const unsubscribe = room.subscribe((event) => {
      if (event.kind !== "message" && event.kind !== "action") return;
      this.record(
        {
          time: this.#clock.now(),
          from: event.from,
          text: event.text,
          action: event.kind === "action",
        },
        persist(event),
      );
    });
    return () => {
      unsubscribe();
      room.setReplay(null);
    };
  }

  /** Remembers one line (and queues it for the store when `persist`). */
  record(line: HistoryLine, persist = true): void {
    if (!this.enabled) return;
    this.#replay.add(line);
    if (persist) this.#store.append(line);
  }

  /** The newcomer's replay, shared until the history changes; null when there is none. */
  replayBytes(): Uint8Array | null {
    if (!this.enabled) return null;
    return this.#replay.bytes(this.#cutoff());
  }

  /** The `/history [N]` answer, as notices (or one error notice). */
  async historyAnswer(count: number): Promise<string[]> {
    if (!this.enabled) return [HISTORY_OFF_NOTICE];
    await this.#store.flush();
    const items = await this.#store.recent(count, this.#cutoff());
    const lines = linesOf(items);
    const out = [start(lines)];
    for (const item of items) {
      out.push(item.kind === "line" ? formatHistoryLine(item.line) : gapNotice(item.gap));
    }
    out.push(HISTORY_END_NOTICE);
    return out;
  }

  /** The `/search WORDS` answer, as notices (or one error notice). */
  async searchAnswer(text: string): Promise<string[]> {
    if (!this.enabled) return [HISTORY_OFF_NOTICE];
    const tokens = searchTokens(text);
    if (tokens.length === 0) {
      return [errorNotice("usage: /search WORDS (words of letters or digits)")];
    }
    if (tokens.length > MAX_SEARCH_WORDS) {
      return [errorNotice(`a search holds at most ${MAX_SEARCH_WORDS} different words`)];
    }
    await this.#store.flush();
    const lines = await this.#store.search(tokens, SEARCH_RESULTS, this.#cutoff());
    return [start(lines), ...lines.map(formatHistoryLine), HISTORY_END_NOTICE];
  }

  #cutoff(): number {
    return retentionCutoff(this.#settings, this.#clock.now());
  }
}

function linesOf(items: readonly HistoryItem[]): HistoryLine[] {
  const lines: HistoryLine[] = [];
  for (const item of items) if (item.kind === "line") lines.push(item.line);
  return lines;
}

function start(lines: readonly HistoryLine[]): string {
  return lines.length === 0
    ? "History: 0 messages"
    : historyStartNotice(lines.length, lines[0].time);
}

/**
 * Reads `/history`'s optional count: a whole number from 1 to {@link MAX_HISTORY_ANSWER}
 * (default {@link DEFAULT_HISTORY_ANSWER}); null when it is not one.
 */
export function parseHistoryCount(args: readonly string[]): number | null {
  if (args.length === 0) return DEFAULT_HISTORY_ANSWER;
  if (args.length > 1 || !/^\d{1,4}$/.test(args[0])) return null;
  const count = Number(args[0]);
  return count >= 1 && count <= MAX_HISTORY_ANSWER ? count : null;
}
