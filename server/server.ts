/**
 * The chat server's assembly: its store, transports (TCP or TLS, the web, the IRC door) and
 * metrics, one admission path, the room, one session per connection (a chat or an IRC session),
 * and the order of its shutdown. The contract is in `chat_server.ts`; the drain, the reload
 * hooks, the periodic work and the console's commands each have a module of their own.
 * @module
 */

import { Admission, refuse } from "./admission.ts";
import type { ChatServer, ServerDeps, ShutdownOptions } from "./chat_server.ts";
import { type Clock, systemClock, type Timer } from "./clock.ts";
import { ServerConsole, stdConsole } from "./console.ts";
import { runConsoleLine, serverCommandTable } from "./console_commands.ts";
import { SessionDrain } from "./drain.ts";
import { lastResortCollector } from "./heap_trim.ts";
import { Housekeeping } from "./housekeeping.ts";
import { opsUrl } from "./metrics/http.ts";
import { ServerMetrics } from "./metrics/server_metrics.ts";
import { SHUTDOWN_NOTICE } from "./notices.ts";
import { checkServerOptions, DEFAULT_SERVER_OPTIONS, type ServerOptions } from "./options.ts";
import { MAX_REPLAY_BYTES } from "./history/replay.ts";
import { Room } from "./room.ts";
import { nameSkeleton } from "./name_skeleton.ts";
import { ReloadHooks } from "./reload.ts";
import { registerServerReloads, runReloads } from "./server_reloads.ts";
import type { Connection, ServedConnection, SessionContext } from "./connection.ts";
import { Session } from "./session.ts";
import { DEFAULT_IRC_CHANNEL, IrcDoor } from "./irc/irc_door.ts";
import { IrcSession } from "./irc/irc_session.ts";
import { pingAfterSeconds } from "./irc/irc_relay.ts";
import { connectionAddress } from "./transport/address.ts";
import { isIrcKind, type OpenTransports, openTransports } from "./transport/open.ts";
import type { ConnectionSink, Transport } from "./transport/transport.ts";
import { TokenBucket } from "./token_bucket.ts";
import { History } from "./history/history.ts";
import { ConsoleUser } from "./commands/console_user.ts";
import { Enforcement } from "./moderation/enforcement.ts";
import { Moderation } from "./moderation/moderation.ts";
import { OperatorRegistry } from "./moderation/operators.ts";
import { openStore, retentionOf } from "./store/open_store.ts";
import type { Store } from "./store/store.ts";

export type { ChatServer, ServerDeps, ShutdownOptions } from "./chat_server.ts";

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
  /** Shutdown's waits on the sessions (the drain, then the last one's end). */
  readonly #drain: SessionDrain;
  readonly #tasks = new Set<Promise<void>>();
  /** The periodic list, the idle sweep and the heap trimmer. */
  readonly #housekeeping: Housekeeping;
  readonly #afterShutdown: (() => Promise<void>) | undefined;
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
    this.#drain = new SessionDrain(this.#clock, console);
    this.room = deps.room ??
      new Room({ batching: { clock: this.#clock }, skeleton: nameSkeleton });
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
    const { transports, tlsReloads } = opened;
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
    registerServerReloads(this.reloads, {
      tlsReloads,
      operatorsFile: options.operatorsFile,
      operators: this.operators,
    }, console);
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
      commands: serverCommandTable({
        room: this.room,
        history,
        moderation: this.moderation,
        operators: this.operators,
        console,
        clock: this.#clock,
        localUser: (key) => this.#enforcement.localUser(key),
        consoleUserList: () => this.#enforcement.consoleUserList(),
      }),
      moderation: this.moderation,
    };
    const ircDoor = this.#ircDoor;
    this.#enforcement = new Enforcement({
      room: this.room,
      moderation: this.moderation,
      console: this.#console,
      clock: this.#clock,
      connections: () => this.#sessions.keys(),
      ...(ircDoor === null ? {} : {
        announceTopic: (topic, announce) => ircDoor.announceTopic(topic, announce),
      }),
    });
    // In a cluster each instance writes its own users' lines; the others' arrive as events.
    this.#unfollowHistory = history.follow(
      this.room,
      (event) => event.member.instance === undefined,
    );
    this.#afterShutdown = deps.afterShutdown;
    this.#housekeeping = new Housekeeping({
      clock: this.#clock,
      room: this.room,
      console,
      listIntervalSeconds: options.listIntervalSeconds,
      idleTimeoutSeconds: options.idleTimeoutSeconds,
      sessions: () => this.#sessions.keys(),
      onlineDetail: deps.onlineDetail,
      collect: deps.collectGarbage === undefined ? lastResortCollector() : deps.collectGarbage,
      heapTrim: deps.heapTrim,
      heapSize: deps.heapSize,
    });
    this.#console.started(this.listeners);
    if (this.metricsAddr !== null) {
      const url = opsUrl(this.metricsAddr);
      const text = `metrics on ${url}/metrics, health on /healthz and /readyz`;
      this.#console.event("info", "metrics", text, { url });
    }
    this.#console.info(history.describe());
  }

  reload(): Promise<number> {
    return runReloads(this.reloads, this.#console);
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
    return runConsoleLine(line, this.#context.commands, this.#consoleUser, this.#console);
  }

  connectionCount(): number {
    return this.#sessions.size;
  }

  shutdown(options: ShutdownOptions = {}): Promise<void> {
    const drainSeconds = options.drainSeconds ?? 0;
    if (this.#shutdown !== null) {
      if (drainSeconds === 0) this.#drain.endDrain();
      return this.#shutdown;
    }
    this.#shutdown = this.#doShutdown(drainSeconds);
    return this.#shutdown;
  }

  async #doShutdown(drainSeconds: number): Promise<void> {
    this.#closing = true;
    this.#housekeeping.stop();
    this.#pauseTimer?.cancel();
    this.#wakePause?.();
    await Promise.all(this.#transports.map((transport) => transport.stop()));
    // Leaves during the drain (a crowd moving to other instances) are still gathered; then what
    // is gathered goes out and no window's timer is left.
    await this.#drain.drain(drainSeconds, this.#sessions.size);
    this.room.close();
    // After the drain: IRC clients still see the room's joins, leaves and PINGs while it lasts.
    this.#ircDoor?.stop();
    this.#console.shuttingDown(this.#sessions.size);
    await Promise.all(
      [...this.#sessions.keys()].map((session) => session.shutdown(SHUTDOWN_NOTICE)),
    );
    if (this.#sessions.size > 0) {
      await this.#drain.untilLastEnded();
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
    if (this.#sessions.size === 0) this.#drain.lastSessionEnded();
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
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
