/**
 * A TCP proxy a test can cut and restore, to take one client of a shared server (one cluster
 * instance's link to Redis) offline while every other client keeps its connection.
 *
 * It listens on 127.0.0.1 on a free port and forwards each connection to the target. `cut()`
 * closes every forwarded connection and, until `restore()`, closes new ones as soon as they are
 * accepted (the client sees its connection dropped, like a network failure; the port stays the
 * proxy's, so nothing else can take it meanwhile). `close()` closes everything it opened.
 * @module
 */

/** Where a proxy forwards to. */
export interface ProxyTarget {
  hostname: string;
  port: number;
}

/** One forwarded connection: the accepted socket and the one to the target. */
interface Pair {
  readonly client: Deno.TcpConn;
  upstream: Deno.TcpConn | null;
}

/** A cuttable TCP proxy on 127.0.0.1. */
export class TcpProxy {
  readonly #listener: Deno.TcpListener;
  readonly #target: ProxyTarget;
  readonly #pairs = new Set<Pair>();
  /** Every task it started (accept loop, connects, pumps), awaited by close(). */
  readonly #tasks = new Set<Promise<void>>();
  #cut = false;
  #closed = false;
  #accepted = 0;

  private constructor(listener: Deno.TcpListener, target: ProxyTarget) {
    this.#listener = listener;
    this.#target = target;
    this.#track(this.#acceptLoop());
  }

  /** Starts a proxy to `target` on a free loopback port. */
  static start(target: ProxyTarget): TcpProxy {
    return new TcpProxy(Deno.listen({ hostname: "127.0.0.1", port: 0 }), target);
  }

  /** The port clients connect to. */
  get port(): number {
    return this.#listener.addr.port;
  }

  /** Connections accepted so far, forwarded or dropped (a test can wait for a retry). */
  get accepted(): number {
    return this.#accepted;
  }

  /** True between cut() and restore(). */
  get isCut(): boolean {
    return this.#cut;
  }

  /** Drops every forwarded connection and refuses new ones until restore(). */
  cut(): void {
    this.#cut = true;
    for (const pair of [...this.#pairs]) this.#drop(pair);
  }

  /** Forwards new connections again. */
  restore(): void {
    this.#cut = false;
  }

  /** Stops listening, drops every connection and waits until nothing it started is running. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cut = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    for (const pair of [...this.#pairs]) this.#drop(pair);
    while (this.#tasks.size > 0) await Promise.all(this.#tasks);
  }

  async #acceptLoop(): Promise<void> {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch {
        return; // The listener was closed.
      }
      this.#accepted++;
      if (this.#cut) {
        closeQuietly(conn);
        continue;
      }
      const pair: Pair = { client: conn, upstream: null };
      this.#pairs.add(pair);
      this.#track(this.#forward(pair));
    }
  }

  async #forward(pair: Pair): Promise<void> {
    let upstream: Deno.TcpConn;
    try {
      upstream = await Deno.connect(this.#target);
    } catch {
      this.#drop(pair);
      return;
    }
    if (!this.#pairs.has(pair)) {
      // Cut (or closed) while connecting.
      closeQuietly(upstream);
      return;
    }
    pair.upstream = upstream;
    await Promise.all(
      [pump(pair.client, upstream), pump(upstream, pair.client)].map((p) =>
        p.finally(() => this.#drop(pair))
      ),
    );
  }

  /** Closes both sockets of a pair, once. */
  #drop(pair: Pair): void {
    if (!this.#pairs.delete(pair)) return;
    closeQuietly(pair.client);
    if (pair.upstream !== null) closeQuietly(pair.upstream);
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }
}

/** Copies `from` to `to` until either side ends or fails. */
async function pump(from: Deno.TcpConn, to: Deno.TcpConn): Promise<void> {
  const buffer = new Uint8Array(16 * 1024);
  try {
    for (;;) {
      const count = await from.read(buffer);
      if (count === null) return;
      let offset = 0;
      while (offset < count) offset += await to.write(buffer.subarray(offset, count));
    }
  } catch {
    // A socket was closed (by cut(), close() or the other side): the pair is dropped.
  }
}

function closeQuietly(conn: Deno.TcpConn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
