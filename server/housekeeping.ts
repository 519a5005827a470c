/**
 * The server's periodic work, none of it per message: the console's list of who is online, the
 * `--idle-timeout` sweep, and giving memory back after a crowd came or went or the heap grew
 * (looked at once a second). Started with the server and stopped, all at once, at the start of its
 * shutdown.
 * @module
 */

import type { Clock, Timer } from "./clock.ts";
import { LIST_NAME_LIMIT, type ServerConsole } from "./console.ts";
import {
  type CollectGarbage,
  committedHeap,
  type HeapSize,
  HeapTrimmer,
  type HeapTrimOptions,
  TRIM_CHECK_MS,
} from "./heap_trim.ts";
import { type IdleCandidate, startIdleSweep } from "./idle_sweep.ts";
import type { Room } from "./room.ts";

/** What the periodic work reads and how often it runs. */
export interface HousekeepingParts {
  readonly clock: Clock;
  readonly room: Room;
  readonly console: ServerConsole;
  /** `--list-interval`: seconds between the console's lists (0: none). */
  readonly listIntervalSeconds: number;
  /** `--idle-timeout`: seconds of silence before a client is closed (0: never). */
  readonly idleTimeoutSeconds: number;
  /** The open sessions, for the idle sweep. */
  readonly sessions: () => Iterable<IdleCandidate>;
  /** Appended to each list (a cluster bus: users per instance). */
  readonly onlineDetail?: () => string;
  /** The collection to run once the room is quiet; null: never. */
  readonly collect: CollectGarbage | null;
  /** When that collection runs. */
  readonly heapTrim?: HeapTrimOptions;
  /** The heap's committed size, for collections after growth (default V8's; null: none). */
  readonly heapSize?: HeapSize | null;
}

/** The server's timers and room watchers, with the one `stop` its shutdown calls. */
export class Housekeeping {
  readonly #listTimer: Timer | null;
  /** The `--idle-timeout` sweep; null when the option is off. */
  readonly #idleSweep: Timer | null;
  /** Gives memory back after a login storm; null when no collector is available. */
  readonly #trimmer: HeapTrimmer | null;
  readonly #unsubscribeTrim: (() => void) | null;
  /** Looks at the heap's growth once a second; null without a collector or heap size. */
  readonly #growthCheck: Timer | null;

  /** Starts every periodic task `parts` asks for. */
  constructor(parts: HousekeepingParts) {
    const { clock, room, console, onlineDetail, collect } = parts;
    const heapSize = parts.heapSize === undefined ? committedHeap : parts.heapSize;
    const trimmer = collect === null
      ? null
      : new HeapTrimmer(clock, collect, parts.heapTrim, heapSize);
    this.#trimmer = trimmer;
    this.#growthCheck = trimmer === null || heapSize === null
      ? null
      : clock.every(TRIM_CHECK_MS, () => trimmer.checkGrowth());
    this.#unsubscribeTrim = trimmer === null
      ? null
      : room.subscribe((event) => trimmer.note(event.kind === "joined" || event.kind === "left"));
    this.#listTimer = parts.listIntervalSeconds > 0
      ? clock.every(
        parts.listIntervalSeconds * 1000,
        () => console.online(room.size, room.names(LIST_NAME_LIMIT), onlineDetail?.()),
      )
      : null;
    this.#idleSweep = startIdleSweep(clock, parts.idleTimeoutSeconds, parts.sessions);
  }

  /** Cancels every timer and watcher; the server is shutting down. */
  stop(): void {
    this.#listTimer?.cancel();
    this.#idleSweep?.cancel();
    this.#unsubscribeTrim?.();
    this.#growthCheck?.cancel();
    this.#trimmer?.stop();
  }
}
