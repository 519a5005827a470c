/**
 * The chat server: a listener, the room, one session per connection, the console, and an
 * orderly shutdown.
 * @module
 */

import { encodeFrame, notice } from "../protocol/mod.ts";
import { type Clock, systemClock, type Timer, within } from "./clock.ts";
import { type ConsoleSink, ServerConsole, stdConsole } from "./console.ts";
import { startIdleSweep } from "./idle_sweep.ts";
import { IpLimiter, tooManyFromAddressNotice } from "./ip_limits.ts";
import {
  type CollectGarbage,
  HeapTrimmer,
  type HeapTrimOptions,
  lastResortCollector,
} from "./heap_trim.ts";
import { acceptLoop, listenTcp } from "./listener.ts";
import { SERVER_FULL_NOTICE, SHUTDOWN_NOTICE } from "./notices.ts";
import { checkServerOptions, type ServerOptions } from "./options.ts";
import { Room } from "./room.ts";
import { nameSkeleton } from "./name_skeleton.ts";
import type { NameClaims } from "./name_claims.ts";
import { Session, type SessionContext } from "./session.ts";
import { listenTlsFiles, tlsFilesOf } from "./tls.ts";
import { TokenBucket } from "./token_bucket.ts";

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
}

/** A running server. */
export interface ChatServer {
  /** The bound address, with the real port when port 0 was asked for. */
  readonly addr: Deno.NetAddr;
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

const SERVER_FULL_FRAME = encodeFrame(notice(SERVER_FULL_NOTICE));
/** The room's byte budget holds this many seconds of its rate as a burst. */
export const ROOM_BURST_SECONDS = 8;

class RunningServer implements ChatServer {
  readonly addr: Deno.NetAddr;
  readonly room: Room;
  readonly finished: Promise<void>;
  readonly #listener: Deno.Listener<Deno.TcpConn | Deno.TlsConn, Deno.NetAddr>;
  readonly #ipLimits: IpLimiter;
  readonly #options: Readonly<ServerOptions>;
  readonly #clock: Clock;
  readonly #console: ServerConsole;
  readonly #context: SessionContext;
  /** Every running session, with the address it counts against. */
  readonly #sessions = new Map<Session, string>();
  /** Resolves shutdown's wait once the last session's run is over. */
  #lastSessionEnded: (() => void) | null = null;
  readonly #tasks = new Set<Promise<void>>();
  readonly #acceptDone: Promise<void>;
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
    this.room = deps.room ??
      new Room({ joinBatching: { clock: this.#clock }, skeleton: nameSkeleton });
    const tlsFiles = tlsFilesOf(options);
    this.#listener = tlsFiles === null
      ? listenTcp(options.host, options.port)
      : listenTlsFiles(options.host, options.port, tlsFiles.certFile, tlsFiles.keyFile);
    this.#ipLimits = new IpLimiter(options.maxClientsPerIp ?? 0);
    this.addr = this.#listener.addr;
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
    this.#console.started(this.addr);
    this.#listTimer = options.listIntervalSeconds > 0
      ? this.#clock.every(options.listIntervalSeconds * 1000, () => this.#printList())
      : null;
    this.#idleSweep = startIdleSweep(
      this.#clock,
      options.idleTimeoutSeconds,
      () => this.#sessions.keys(),
    );
    this.#acceptDone = acceptLoop(this.#listener, () => this.#closing, {
      onConnection: (conn) => this.#onConnection(conn),
      onAcceptError: (error) => this.#console.problem(`accept failed: ${describe(error)}`),
      pause: (ms) => this.#pause(ms),
    });
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
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    await this.#acceptDone;
    const count = this.#sessions.size;
    if (count > 0) this.#console.info(`shutting down: closing ${count} connection(s)`);
    await Promise.all(
      [...this.#sessions.keys()].map((session) => session.shutdown(SHUTDOWN_NOTICE)),
    );
    if (this.#sessions.size > 0) {
      await new Promise<void>((resolve) => this.#lastSessionEnded = resolve);
    }
    await Promise.all(this.#tasks);
    try {
      await this.#afterShutdown?.();
    } catch (error) {
      this.#console.problem(`shutdown: ${describe(error)}`);
    }
    this.#resolveFinished();
  }

  #onConnection(conn: Deno.TcpConn | Deno.TlsConn): void {
    try {
      if ("setNoDelay" in conn) {
        conn.setNoDelay(true);
        conn.setKeepAlive(true);
      }
    } catch {
      // The socket may be gone already; its first read will say so.
    }
    if (this.#sessions.size >= this.#options.maxClients) {
      this.#track(refuse(conn, SERVER_FULL_FRAME, this.#clock));
      return;
    }
    const ip = conn.remoteAddr.hostname;
    if (!this.#ipLimits.tryAcquire(ip)) {
      const text = tooManyFromAddressNotice(this.#ipLimits.limit);
      this.#track(refuse(conn, encodeFrame(notice(text)), this.#clock));
      return;
    }
    const session = new Session(conn, this.#context);
    this.#sessions.set(session, ip);
    // No promise chain per connection: the session reports its end through the context.
    void session.run();
  }

  /** A session's run is over: it no longer counts against its address or the server. */
  #sessionEnded(session: Session): void {
    const ip = this.#sessions.get(session);
    if (ip === undefined) return;
    this.#sessions.delete(session);
    this.#ipLimits.release(ip);
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
 * it. Bounded in time: a peer that never completes a TLS handshake or never reads is closed
 * anyway.
 */
async function refuse(conn: Deno.Conn, frame: Uint8Array, clock: Clock): Promise<void> {
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
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
