/**
 * The chat server: its transports (TCP or TLS, the web, the IRC door), one admission path, the
 * room, one session per connection (a chat or an IRC session), the console, and an orderly
 * shutdown.
 * @module
 */

import { splitMessage } from "../protocol/mod.ts";
import { Admission, refuse } from "./admission.ts";
import { type Clock, systemClock, type Timer } from "./clock.ts";
import { type ConsoleSink, LIST_NAME_LIMIT, ServerConsole, stdConsole } from "./console.ts";
import { startIdleSweep } from "./idle_sweep.ts";
import {
  type CollectGarbage,
  HeapTrimmer,
  type HeapTrimOptions,
  lastResortCollector,
} from "./heap_trim.ts";
import { opsUrl } from "./metrics/http.ts";
import { ServerMetrics } from "./metrics/server_metrics.ts";
import { errorNotice, SHUTDOWN_NOTICE } from "./notices.ts";
import { checkServerOptions, DEFAULT_SERVER_OPTIONS, type ServerOptions } from "./options.ts";
import { MAX_REPLAY_BYTES } from "./history/replay.ts";
import { Room } from "./room.ts";
import { nameSkeleton } from "./name_skeleton.ts";
import type { NameClaims } from "./name_claims.ts";
import { ReloadHooks } from "./reload.ts";
import { type Connection, type ServedConnection, Session, type SessionContext } from "./session.ts";
import { DEFAULT_IRC_CHANNEL, IrcDoor } from "./irc/irc_door.ts";
import { IrcSession } from "./irc/irc_session.ts";
import { pingAfterSeconds } from "./irc/irc_relay.ts";
import { connectionAddress } from "./transport/address.ts";
import {
  isIrcKind,
  type OpenTransports,
  openTransports,
  type TlsReload,
} from "./transport/open.ts";
import type { ConnectionSink, Transport } from "./transport/transport.ts";
import { TokenBucket } from "./token_bucket.ts";
import { History } from "./history/history.ts";
import { roomCommands } from "./commands/room_commands.ts";
import { ConsoleUser, withConsoleUsers } from "./commands/console_user.ts";
import { moderationCommands, type ModerationUser } from "./commands/mod_commands.ts";
import { CommandTable } from "./commands/table.ts";
import { Enforcement } from "./moderation/enforcement.ts";
import { Moderation } from "./moderation/moderation.ts";
import { OperatorRegistry } from "./moderation/operators.ts";
import { openStore, retentionOf } from "./store/open_store.ts";
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

/**
 * Opens the store, binds and starts accepting; resolves once listening. Prints the start line.
 * Throws StoreOpenError when the store cannot be opened, ListenError when the address cannot be
 * bound (the store is closed again).
 */
export async function startServer(
  options: ServerOptions,
  deps: ServerDeps = {},
): Promise<ChatServer> {
  checkServerOptions(options);
  const clock = deps.clock ?? systemClock;
  const console = deps.serverConsole ??
    new ServerConsole(deps.console ?? stdConsole, clock, { format: options.logFormat });
  const operators = await OperatorRegistry.load({
    entries: options.operators,
    file: options.operatorsFile,
  });
  const store = deps.store ?? await openStore(options, clock, {
    problem: (text) => console.problem(text),
    info: (text) => console.info(text),
  });
  try {
    const history = new History(store, {
      ...retentionOf(options),
      replay: options.replay ?? DEFAULT_SERVER_OPTIONS.replay ?? 0,
      maxReplayBytes: Math.min(MAX_REPLAY_BYTES, Math.floor(options.sendqBytes / 2)),
    }, clock);
    await history.load();
    const moderation = new Moderation(
      store.moderation,
      clock,
      (text) => console.problem(text),
    );
    await moderation.load();
    return new RunningServer(options, deps, console, history, store, { moderation, operators });
  } catch (error) {
    await store.close();
    console.close();
    throw error;
  }
}

/** The room's byte budget holds this many seconds of its rate as a burst. */
export const ROOM_BURST_SECONDS = 8;

class RunningServer implements ChatServer {
  readonly addr: Deno.NetAddr;
  readonly listeners: readonly { kind: string; addr: Deno.NetAddr }[];
  readonly room: Room;
  readonly history: History;
  readonly store: Store;
  readonly moderation: Moderation;
  readonly operators: OperatorRegistry;
  readonly finished: Promise<void>;
  readonly metrics: ServerMetrics = new ServerMetrics();
  readonly metricsAddr: Deno.NetAddr | null = null;
  readonly reloads: ReloadHooks = new ReloadHooks();
  readonly #transports: Transport[];
  readonly #admission: Admission;
  readonly #consoleUser: ConsoleUser;
  /** Bans, kicks and the topic applied to this instance's connections and room. */
  readonly #enforcement: Enforcement;
  readonly #unfollowHistory: () => void;
  readonly #options: Readonly<ServerOptions>;
  readonly #clock: Clock;
  readonly #console: ServerConsole;
  readonly #context: SessionContext;
  /** Every running session, with the address it counts against and its transport. */
  readonly #sessions = new Map<ServedConnection, { address: string; kind: string }>();
  /** The IRC door's shared parts; null without `--irc`. */
  readonly #ircDoor: IrcDoor | null;
  /** Resolves shutdown's wait once the last session's run is over. */
  #lastSessionEnded: (() => void) | null = null;
  readonly #tasks = new Set<Promise<void>>();
  /** Ends a drain in progress early (a second signal). */
  #endDrain: (() => void) | null = null;
  readonly #listTimer: Timer | null;
  /** The `--idle-timeout` sweep; null when the option is off. */
  readonly #idleSweep: Timer | null;
  readonly #onlineDetail: (() => string) | undefined;
  readonly #afterShutdown: (() => Promise<void>) | undefined;
  /** Gives memory back after a login storm; null when no collector is available. */
  readonly #trimmer: HeapTrimmer | null;
  readonly #unsubscribeTrim: (() => void) | null;
  #pauseTimer: Timer | null = null;
  #wakePause: (() => void) | null = null;
  #closing = false;
  #shutdown: Promise<void> | null = null;
  #resolveFinished: () => void = () => {};

  constructor(
    options: ServerOptions,
    deps: ServerDeps,
    console: ServerConsole,
    history: History,
    store: Store,
    moderated: { moderation: Moderation; operators: OperatorRegistry },
  ) {
    this.#options = { ...options };
    this.moderation = moderated.moderation;
    this.operators = moderated.operators;
    this.#consoleUser = new ConsoleUser((line) => console.answer(line));
    this.#clock = deps.clock ?? systemClock;
    this.#console = console;
    this.room = deps.room ??
      new Room({ joinBatching: { clock: this.#clock }, skeleton: nameSkeleton });
    this.history = history;
    this.store = store;
    this.#admission = new Admission({
      maxClients: options.maxClients,
      maxClientsPerIp: options.maxClientsPerIp ?? 0,
      banFor: (address) => this.#enforcement.banFor(address),
    });
    const sinkFor = (kind: string): ConnectionSink => ({
      admit: (conn) => this.#admit(conn, kind),
      problem: (text) => this.#console.problem(text),
      pause: (ms) => this.#pause(ms),
    });
    this.#ircDoor = options.ircPort === undefined ? null : new IrcDoor(this.room, this.#clock, {
      channel: options.ircChannel ?? DEFAULT_IRC_CHANNEL,
      pingAfterSeconds: pingAfterSeconds(options.idleTimeoutSeconds),
      ...(options.ircPassword === undefined ? {} : { password: options.ircPassword }),
    });
    let opened: OpenTransports;
    try {
      opened = openTransports(options, this.#clock, sinkFor);
    } catch (error) {
      this.#ircDoor?.stop();
      throw error;
    }
    const { transports, tls, ircTls } = opened;
    this.#transports = transports;
    if (options.metrics !== undefined) {
      try {
        this.metricsAddr = this.metrics.serve(
          options.metrics.hostname,
          options.metrics.port,
          this.room,
          {
            clientsByTransport: () => this.#loggedInByTransport(),
            connections: () => this.#sessions.size,
          },
        );
      } catch (error) {
        this.#ircDoor?.stop();
        for (const transport of transports) {
          void transport.stop().then(() => transport.release());
        }
        throw error;
      }
    }
    this.metrics.readiness.add(() => this.#closing ? "shutting down" : null);
    this.metrics.registry.register({
      name: "chat_history_messages",
      help: "Entries the history store holds (messages, actions, gaps), as of its last write.",
      type: "gauge",
      read: () => store.size,
    });
    if (tls !== null) this.#reloadOnSighup("TLS certificate", tls);
    if (ircTls !== null) this.#reloadOnSighup("IRC TLS certificate", ircTls);
    const operatorsFile = options.operatorsFile;
    if (operatorsFile !== undefined) {
      this.reloads.add("operators file", async () => {
        const outcome = await this.operators.reload();
        if (!outcome.ok) throw new Error(outcome.reason);
        return `reloaded operators file '${operatorsFile}' (${outcome.count} operator(s))`;
      });
    }
    this.addr = transports[0].addr;
    this.listeners = transports.map(({ kind, addr }) => ({ kind, addr }));
    this.finished = new Promise((resolve) => this.#resolveFinished = resolve);
    this.#context = {
      roomBytes: options.floodRate > 0 && options.roomBytes > 0
        ? new TokenBucket(
          options.roomBytes,
          Math.max(ROOM_BURST_SECONDS * options.roomBytes, options.maxMessageBytes),
          this.#clock,
        )
        : null,
      room: this.room,
      options: this.#options,
      clock: this.#clock,
      console: this.#console,
      claims: deps.claims,
      busPressure: deps.busPressure,
      ended: (session) => this.#sessionEnded(session),
      commands: this.#commandTable(history),
      moderation: this.moderation,
    };
    this.#enforcement = new Enforcement({
      room: this.room,
      moderation: this.moderation,
      console: this.#console,
      clock: this.#clock,
      connections: () => this.#sessions.keys(),
    });
    // In a cluster each instance writes its own users' lines; the others' arrive as events.
    this.#unfollowHistory = history.follow(
      this.room,
      (event) => event.member.instance === undefined,
    );
    this.#onlineDetail = deps.onlineDetail;
    this.#afterShutdown = deps.afterShutdown;
    const collect = deps.collectGarbage === undefined ? lastResortCollector() : deps.collectGarbage;
    const trimmer = collect === null ? null : new HeapTrimmer(this.#clock, collect, deps.heapTrim);
    this.#trimmer = trimmer;
    this.#unsubscribeTrim = trimmer === null
      ? null
      : this.room.subscribe((event) =>
        trimmer.note(event.kind === "joined" || event.kind === "left")
      );
    this.#console.started(this.listeners);
    if (this.metricsAddr !== null) {
      const url = opsUrl(this.metricsAddr);
      const text = `metrics on ${url}/metrics, health on /healthz and /readyz`;
      this.#console.event("info", "metrics", text, { url });
    }
    this.#console.info(history.describe());
    this.#listTimer = options.listIntervalSeconds > 0
      ? this.#clock.every(options.listIntervalSeconds * 1000, () => this.#printList())
      : null;
    this.#idleSweep = startIdleSweep(
      this.#clock,
      options.idleTimeoutSeconds,
      () => this.#sessions.keys(),
    );
  }

  /** SIGHUP re-reads the certificate files and swaps `tls`'s listener. */
  #reloadOnSighup(what: string, tls: TlsReload): void {
    const slot = tls.transport.tlsSlot();
    this.reloads.add(what, () => tls.reloader.reload(slot, (text) => this.#console.problem(text)));
  }

  reload(): Promise<number> {
    return this.reloads.run({
      info: (text, event) => this.#console.info(text, event),
      problem: (text) => this.#console.problem(text),
    });
  }

  /** Logged-in clients by the transport they came through (`chat_clients{transport}`). */
  #loggedInByTransport(): { labels: { transport: string }; value: number }[] {
    const counts = new Map<string, number>(this.#transports.map((t) => [t.kind, 0]));
    for (const [session, { kind }] of this.#sessions) {
      if (session.loggedIn) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    return [...counts].map(([transport, value]) => ({ labels: { transport }, value }));
  }

  onlineNames(): string[] {
    return this.room.names();
  }

  consoleCommand(line: string): Promise<void> {
    const text = line.trim();
    if (text === "") return Promise.resolve();
    const split = splitMessage(text);
    if (split.kind !== "command") {
      this.#consoleUser.reply(
        errorNotice("the console takes commands: /help lists them (/say TEXT speaks to everyone)"),
      );
      return Promise.resolve();
    }
    try {
      const pending = this.#context.commands.run(this.#consoleUser, split.word, split.rest);
      return Promise.resolve(pending).catch((error) =>
        this.#console.problem(`command ${split.name} failed: ${describe(error)}`)
      );
    } catch (error) {
      this.#console.problem(`command ${split.name} failed: ${describe(error)}`);
      return Promise.resolve();
    }
  }

  /** Every command: the room's, then moderation's, in one table. */
  #commandTable(history: History): CommandTable<ModerationUser> {
    const consoleUsers = () => this.#enforcement.consoleUserList();
    return new CommandTable<ModerationUser>([
      ...withConsoleUsers<ModerationUser>(
        roomCommands({ room: this.room, history, problem: (text) => this.#console.problem(text) }),
        consoleUsers,
      ),
      ...moderationCommands({
        room: this.room,
        moderation: this.moderation,
        operators: this.operators,
        console: this.#console,
        clock: this.#clock,
        localUser: (key) => this.#enforcement.localUser(key),
        consoleUserList: consoleUsers,
      }),
    ]);
  }

  connectionCount(): number {
    return this.#sessions.size;
  }

  shutdown(options: ShutdownOptions = {}): Promise<void> {
    const drainSeconds = options.drainSeconds ?? 0;
    if (this.#shutdown !== null) {
      if (drainSeconds === 0) this.#endDrain?.();
      return this.#shutdown;
    }
    this.#shutdown = this.#doShutdown(drainSeconds);
    return this.#shutdown;
  }

  async #doShutdown(drainSeconds: number): Promise<void> {
    this.#closing = true;
    this.#listTimer?.cancel();
    this.#idleSweep?.cancel();
    this.#pauseTimer?.cancel();
    this.#wakePause?.();
    this.#unsubscribeTrim?.();
    this.#trimmer?.stop();
    this.room.close();
    await Promise.all(this.#transports.map((transport) => transport.stop()));
    await this.#drain(drainSeconds);
    // After the drain: IRC clients still see the room's joins, leaves and PINGs while it lasts.
    this.#ircDoor?.stop();
    this.#console.shuttingDown(this.#sessions.size);
    await Promise.all(
      [...this.#sessions.keys()].map((session) => session.shutdown(SHUTDOWN_NOTICE)),
    );
    if (this.#sessions.size > 0) {
      await new Promise<void>((resolve) => this.#lastSessionEnded = resolve);
    }
    await Promise.all(this.#tasks);
    await Promise.all(this.#transports.map((transport) => transport.release()));
    this.#unfollowHistory();
    await this.moderation.settle();
    try {
      await this.store.close();
    } catch (error) {
      this.#console.problem(`shutdown: history: ${describe(error)}`);
    }
    try {
      await this.#afterShutdown?.();
    } catch (error) {
      this.#console.problem(`shutdown: ${describe(error)}`);
    }
    await this.metrics.close();
    this.#console.close();
    this.#resolveFinished();
  }

  /** Waits up to `seconds` for the clients to leave on their own (or a second signal). */
  async #drain(seconds: number): Promise<void> {
    const count = this.#sessions.size;
    if (seconds <= 0 || count === 0) return;
    this.#console.info(
      `draining: not accepting; waiting up to ${seconds} s for ${count} connection(s) to close`,
      "drain",
    );
    let timer: Timer | null = null;
    await new Promise<void>((resolve) => {
      this.#endDrain = resolve;
      this.#lastSessionEnded = resolve;
      timer = this.#clock.after(seconds * 1000, resolve);
    });
    (timer as Timer | null)?.cancel();
    this.#endDrain = null;
    this.#lastSessionEnded = null;
  }

  /**
   * The one accept path of every transport: the admission checks (server full, bans, the
   * per-address limit) run here, before the login is read; an admitted connection gets a
   * session.
   */
  #admit(conn: Connection, kind: string): void {
    const irc = isIrcKind(kind) ? this.#ircDoor : null;
    const speaks = irc === null ? "frames" : "irc";
    if (this.#closing) {
      this.#track(refuse(conn, SHUTDOWN_NOTICE, this.#clock, speaks));
      return;
    }
    const address = connectionAddress(conn);
    const refusal = this.#admission.check({ address }, this.#sessions.size);
    if (refusal !== null) {
      this.#track(refuse(conn, refusal.notice, this.#clock, speaks));
      return;
    }
    const tls = "handshake" in conn || conn.secure === true;
    const session = irc === null
      ? new Session(conn, this.#context, tls)
      : new IrcSession(conn, this.#context, irc, tls);
    this.#sessions.set(session, { address, kind });
    // No promise chain per connection: the session reports its end through the context.
    void session.run();
  }

  /** A session's run is over: it no longer counts against its address or the server. */
  #sessionEnded(session: ServedConnection): void {
    const admitted = this.#sessions.get(session);
    if (admitted === undefined) return;
    this.#sessions.delete(session);
    this.#admission.release(admitted.address);
    if (this.#sessions.size === 0) this.#lastSessionEnded?.();
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  #printList(): void {
    this.#console.online(this.room.size, this.room.names(LIST_NAME_LIMIT), this.#onlineDetail?.());
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wakePause = resolve;
      this.#pauseTimer = this.#clock.after(ms, resolve);
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
