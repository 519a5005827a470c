/**
 * The chat server: its transports (TCP or TLS, and the web), one admission path, the room, one
 * session per connection, the console, and an orderly shutdown.
 * @module
 */

import { encodeFrame, notice } from "../protocol/mod.ts";
import { type Clock, systemClock, type Timer, within } from "./clock.ts";
import { type ConsoleSink, ServerConsole, stdConsole } from "./console.ts";
import { startIdleSweep } from "./idle_sweep.ts";
import { Admission } from "./admission.ts";
import {
  type CollectGarbage,
  HeapTrimmer,
  type HeapTrimOptions,
  lastResortCollector,
} from "./heap_trim.ts";
import { listenTcp } from "./listener.ts";
import { SHUTDOWN_NOTICE } from "./notices.ts";
import { checkServerOptions, type ServerOptions } from "./options.ts";
import { Room } from "./room.ts";
import type { NameClaims } from "./name_claims.ts";
import { type Connection, Session, type SessionContext } from "./session.ts";
import { listenTlsFiles, tlsFilesOf } from "./tls.ts";
import { SocketTransport } from "./transport/tcp.ts";
import type { ConnectionSink, Transport } from "./transport/transport.ts";
import { parseCidr } from "./web/cidr.ts";
import { WebTransport } from "./web/web_transport.ts";
import { connectionAddress } from "./transport/address.ts";

/** What the server can be given instead of the real world, mainly by tests. */
export interface ServerDeps {
  /** Time for the login and idle timeouts, flood control, the periodic list (default: real). */
  clock?: Clock;
  /** Where console lines go (default: stdout and stderr). */
  console?: ConsoleSink;
  /** The room to serve (default: a new one that batches joins); lets a cluster bus share it. */
  room?: Room;
  /** Cluster-wide name claims (a cluster bus); without them the room alone decides. */
  claims?: NameClaims;
  /** Appended to the console's periodic list (a cluster bus: users per instance). */
  onlineDetail?: () => string;
  /** Runs once every connection is closed, before `finished` resolves (a cluster bus closes). */
  afterShutdown?: () => Promise<void>;
  /**
   * The collection run once the room is quiet after many joins or leaves (default: V8's
   * last-resort collection; null: never).
   */
  collectGarbage?: CollectGarbage | null;
  /** When that collection runs (default: after 1,000 joins or leaves and a quiet second). */
  heapTrim?: HeapTrimOptions;
}

/** A running server. */
export interface ChatServer {
  /** The main listener's bound address (TCP or TLS), with the real port when 0 was asked for. */
  readonly addr: Deno.NetAddr;
  /** Every listener, the main one first, as the start line names them. */
  readonly listeners: readonly { kind: string; addr: Deno.NetAddr }[];
  /** The room, for listeners such as a cluster bus. */
  readonly room: Room;
  /** Resolves once the server has shut down and released everything. */
  readonly finished: Promise<void>;
  /** Names online, in display order (case-insensitive). */
  onlineNames(): string[];
  /** Open connections, logged in or not. */
  connectionCount(): number;
  /**
   * Sends everyone the shutdown notice, closes every connection and the listener, and cancels
   * every timer. Idempotent: later calls return the same promise.
   */
  shutdown(): Promise<void>;
}

/**
 * Binds and starts accepting; resolves once listening. Prints the start line. Throws
 * ListenError when the address cannot be bound.
 */
export function startServer(options: ServerOptions, deps: ServerDeps = {}): Promise<ChatServer> {
  try {
    return Promise.resolve(new RunningServer(options, deps));
  } catch (error) {
    return Promise.reject(error);
  }
}

class RunningServer implements ChatServer {
  readonly addr: Deno.NetAddr;
  readonly listeners: readonly { kind: string; addr: Deno.NetAddr }[];
  readonly room: Room;
  readonly finished: Promise<void>;
  readonly #transports: Transport[] = [];
  readonly #admission: Admission;
  readonly #options: Readonly<ServerOptions>;
  readonly #clock: Clock;
  readonly #console: ServerConsole;
  readonly #context: SessionContext;
  /** Every running session, with the address it counts against. */
  readonly #sessions = new Map<Session, string>();
  /** Resolves shutdown's wait once the last session's run is over. */
  #lastSessionEnded: (() => void) | null = null;
  readonly #tasks = new Set<Promise<void>>();
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

  constructor(options: ServerOptions, deps: ServerDeps) {
    checkServerOptions(options);
    this.#options = { ...options };
    this.#clock = deps.clock ?? systemClock;
    this.#console = new ServerConsole(deps.console ?? stdConsole, this.#clock);
    this.room = deps.room ?? new Room({ joinBatching: { clock: this.#clock } });
    this.#admission = new Admission({
      maxClients: options.maxClients,
      maxClientsPerIp: options.maxClientsPerIp ?? 0,
    });
    const sink: ConnectionSink = {
      admit: (conn) => this.#admit(conn),
      problem: (text) => this.#console.problem(text),
      pause: (ms) => this.#pause(ms),
    };
    try {
      this.#transports.push(openMainTransport(options, sink));
      if (options.webPort !== undefined) {
        this.#transports.push(openWebTransport(options, this.#clock, sink));
      }
    } catch (error) {
      this.#abandon();
      throw error;
    }
    this.addr = this.#transports[0].addr;
    this.listeners = this.#transports.map(({ kind, addr }) => ({ kind, addr }));
    this.finished = new Promise((resolve) => this.#resolveFinished = resolve);
    this.#context = {
      room: this.room,
      options: this.#options,
      clock: this.#clock,
      console: this.#console,
      claims: deps.claims,
      ended: (session) => this.#sessionEnded(session),
    };
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
    this.#listTimer = options.listIntervalSeconds > 0
      ? this.#clock.every(options.listIntervalSeconds * 1000, () => this.#printList())
      : null;
    this.#idleSweep = startIdleSweep(
      this.#clock,
      options.idleTimeoutSeconds,
      () => this.#sessions.keys(),
    );
  }

  /** A transport failed to open: the ones already open are closed before the error is thrown. */
  #abandon(): void {
    for (const transport of this.#transports) {
      void transport.stop().then(() => transport.release());
    }
  }

  onlineNames(): string[] {
    return this.room.names();
  }

  connectionCount(): number {
    return this.#sessions.size;
  }

  shutdown(): Promise<void> {
    this.#shutdown ??= this.#doShutdown();
    return this.#shutdown;
  }

  async #doShutdown(): Promise<void> {
    this.#closing = true;
    this.#listTimer?.cancel();
    this.#idleSweep?.cancel();
    this.#pauseTimer?.cancel();
    this.#wakePause?.();
    this.#unsubscribeTrim?.();
    this.#trimmer?.stop();
    this.room.close();
    await Promise.all(this.#transports.map((transport) => transport.stop()));
    const count = this.#sessions.size;
    if (count > 0) this.#console.info(`shutting down: closing ${count} connection(s)`);
    await Promise.all(
      [...this.#sessions.keys()].map((session) => session.shutdown(SHUTDOWN_NOTICE)),
    );
    if (this.#sessions.size > 0) {
      await new Promise<void>((resolve) => this.#lastSessionEnded = resolve);
    }
    await Promise.all(this.#tasks);
    await Promise.all(this.#transports.map((transport) => transport.release()));
    try {
      await this.#afterShutdown?.();
    } catch (error) {
      this.#console.problem(`shutdown: ${describe(error)}`);
    }
    this.#resolveFinished();
  }

  /**
   * The one accept path of every transport: limits (and, later, bans) are checked here, before
   * the login is read; an admitted connection gets a session.
   */
  #admit(conn: Connection): void {
    if (this.#closing) {
      this.#track(refuse(conn, SHUTDOWN_NOTICE, this.#clock));
      return;
    }
    const address = connectionAddress(conn);
    const refusal = this.#admission.check({ address }, this.#sessions.size);
    if (refusal !== null) {
      this.#track(refuse(conn, refusal.notice, this.#clock));
      return;
    }
    const session = new Session(conn, this.#context);
    this.#sessions.set(session, address);
    // No promise chain per connection: the session reports its end through the context.
    void session.run();
  }

  /** A session's run is over: it no longer counts against its address or the server. */
  #sessionEnded(session: Session): void {
    const ip = this.#sessions.get(session);
    if (ip === undefined) return;
    this.#sessions.delete(session);
    this.#admission.release(ip);
    if (this.#sessions.size === 0) this.#lastSessionEnded?.();
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  #printList(): void {
    this.#console.online(this.room.size, this.room.names(), this.#onlineDetail?.());
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wakePause = resolve;
      this.#pauseTimer = this.#clock.after(ms, resolve);
    });
  }
}

/** How long a refused connection may take to receive its notice (a TLS handshake included). */
export const REFUSE_TIMEOUT_MS = 2000;

/**
 * Tells a connection why it is refused (server full, too many from its address), then closes
 * it with that reason. Bounded in time: a peer that never completes a TLS handshake or never
 * reads is closed anyway.
 */
async function refuse(conn: Connection, text: string, clock: Clock): Promise<void> {
  const frame = encodeFrame(notice(text));
  const write = async () => {
    let offset = 0;
    while (offset < frame.length) offset += await conn.write(frame.subarray(offset));
  };
  try {
    await within(clock, REFUSE_TIMEOUT_MS, write());
  } catch {
    // The peer is gone; nothing to tell it.
  } finally {
    try {
      conn.close(text);
    } catch {
      // Already closed.
    }
  }
}

/** The main listener: TLS with the certificate files, else plain TCP. */
function openMainTransport(options: ServerOptions, sink: ConnectionSink): Transport {
  const tlsFiles = tlsFilesOf(options);
  if (tlsFiles === null) {
    return new SocketTransport("tcp", listenTcp(options.host, options.port), sink);
  }
  const listener = listenTlsFiles(
    options.host,
    options.port,
    tlsFiles.certFile,
    tlsFiles.keyFile,
  );
  return new SocketTransport("tls", listener, sink);
}

/** `--web`: the page and its WebSocket, with TLS when the main listener has it. */
function openWebTransport(options: ServerOptions, clock: Clock, sink: ConnectionSink): Transport {
  const tls = tlsFilesOf(options);
  return new WebTransport({
    hostname: options.webHost ?? options.host,
    port: options.webPort ?? 0,
    ...(tls === null ? {} : { tls }),
    origins: options.webOrigins ?? [],
    trustedProxies: (options.trustedProxies ?? []).map(parseCidr),
    maxMessageBytes: options.maxMessageBytes,
    clock,
  }, sink);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
