/**
 * The server's contract with its callers (`chat server`, a cluster bus, tests): what it can be
 * given instead of the real world, what a running server offers, and how it shuts down. Apart
 * from the assembly so a caller reads the contract without the wiring.
 * @module
 */

import type { Clock } from "./clock.ts";
import type { ConsoleSink, ServerConsole } from "./console.ts";
import type { CollectGarbage, HeapSize, HeapTrimOptions } from "./heap_trim.ts";
import type { History } from "./history/history.ts";
import type { ServerMetrics } from "./metrics/server_metrics.ts";
import type { Moderation } from "./moderation/moderation.ts";
import type { OperatorRegistry } from "./moderation/operators.ts";
import type { NameClaims } from "./name_claims.ts";
import type { ReloadHooks } from "./reload.ts";
import type { Room } from "./room.ts";
import type { Store } from "./store/store.ts";

/** What the server can be given instead of the real world, mainly by tests. */
export interface ServerDeps {
  /** Time for the login and idle timeouts, flood control, the periodic list (default: real). */
  clock?: Clock;
  /** Where console lines go (default: stdout and stderr). */
  console?: ConsoleSink;
  /** A console to share (a cluster bus prints through the same one); the server closes it. */
  serverConsole?: ServerConsole;
  /** The room to serve (default: a new one that batches joins); lets a cluster bus share it. */
  room?: Room;
  /** Cluster-wide name claims (a cluster bus); without them the room alone decides. */
  claims?: NameClaims;
  /** Appended to the console's periodic list (a cluster bus: users per instance). */
  onlineDetail?: () => string;
  /**
   * Non-null (a promise to wait on) while a cluster bus is behind: sessions then read no more
   * requests until it resolves (back-pressure).
   */
  busPressure?: () => Promise<void> | null;
  /** Runs once every connection is closed, before `finished` resolves (a cluster bus closes). */
  afterShutdown?: () => Promise<void>;
  /**
   * The collection run once the room is quiet after many joins or leaves (default: V8's
   * last-resort collection; null: never).
   */
  collectGarbage?: CollectGarbage | null;
  /** When that collection runs (default: after 1,000 joins or leaves and a quiet second). */
  heapTrim?: HeapTrimOptions;
  /** The heap's committed size, read for collections after growth (default V8's; null: none). */
  heapSize?: HeapSize | null;
  /** The store to use instead of the one the options name (closed at shutdown all the same). */
  store?: Store;
}

/** A running server. */
export interface ChatServer {
  /** The bound address, with the real port when port 0 was asked for. */
  readonly addr: Deno.NetAddr;
  /** Every listener, the main one first, as the start line names them. */
  readonly listeners: readonly { kind: string; addr: Deno.NetAddr }[];
  /** The room, for listeners such as a cluster bus. */
  readonly room: Room;
  /** The room's history (replay, /history, /search). */
  readonly history: History;
  /** Where the history is kept. */
  readonly store: Store;
  /** Bans, mutes and the topic. */
  readonly moderation: Moderation;
  /** Who may become an operator (`reload()` re-reads `--opers FILE`). */
  readonly operators: OperatorRegistry;
  /**
   * Runs one line typed on the server's console (an operator command); its answer and errors
   * go to the console.
   */
  consoleCommand(line: string): Promise<void>;
  /** Resolves once the server has shut down and released everything. */
  readonly finished: Promise<void>;
  /** Names online, in display order (case-insensitive). */
  onlineNames(): string[];
  /** Open connections, logged in or not. */
  connectionCount(): number;
  /**
   * The metrics registry and readiness checks: a subsystem (a store, a cluster bus) registers
   * what `/metrics` shows and what keeps `/readyz` at 503 (docs/operations.md).
   */
  readonly metrics: ServerMetrics;
  /** Where `--metrics` serves, or null when it is off. */
  readonly metricsAddr: Deno.NetAddr | null;
  /**
   * Files re-read on SIGHUP: the server registers the TLS pair and `--opers FILE`; another file
   * read at start adds its own hook here.
   */
  readonly reloads: ReloadHooks;
  /** Re-reads every registered file; resolves with how many failed (each failure logged). */
  reload(): Promise<number>;
  /**
   * Stops accepting (`/readyz` turns 503 at once), waits up to `drainSeconds` (default 0) for
   * the clients to leave, then sends everyone left the shutdown notice, closes every connection
   * and cancels every timer. Idempotent: later calls return the same promise; a later call
   * without a drain cuts a drain in progress short.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
}

/** How a shutdown goes. */
export interface ShutdownOptions {
  /** Seconds to wait for clients to leave on their own before closing them (default 0). */
  drainSeconds?: number;
}
