/**
 * The TCP and TLS listeners as transports: the accept loop feeding the server's admission path.
 * A TLS listener can be swapped for one with a new certificate (a reload) without dropping the
 * transport.
 * @module
 */

import { acceptLoop } from "../listener.ts";
import { listenTlsPair } from "../tls.ts";
import type { TlsListenerSlot } from "../tls_reload.ts";
import type { ConnectionSink, Transport } from "./transport.ts";

type SocketListener = Deno.Listener<Deno.TcpConn | Deno.TlsConn, Deno.NetAddr>;

/** A TCP or TLS listener's accept loop, handing every connection to the sink. */
export class SocketTransport implements Transport {
  readonly kind: string;
  readonly #sink: ConnectionSink;
  #listener: SocketListener;
  /** The accept loops still running (two for a moment while a reload swaps listeners). */
  readonly #loops = new Set<Promise<void>>();
  /** The accept loop of the current listener. */
  #loop: Promise<void> = Promise.resolve();
  #stopping = false;

  /** Starts accepting on a bound listener; `kind` is `tcp` or `tls`. */
  constructor(kind: string, listener: SocketListener, sink: ConnectionSink) {
    this.kind = kind;
    this.#sink = sink;
    this.#listener = listener;
    this.#accept(listener);
  }

  /** The bound address (the same port after a reload). */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  stop(): Promise<void> {
    this.#stopping = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    return Promise.all(this.#loops).then(() => {});
  }

  release(): Promise<void> {
    return Promise.resolve();
  }

  /** A TLS reload's view of this transport: the listener in use, released and bound again. */
  tlsSlot(): TlsListenerSlot {
    // deno-lint-ignore no-this-alias
    const transport = this;
    return {
      get address() {
        return transport.#listener.addr;
      },
      get closing() {
        return transport.#stopping;
      },
      release: () => {
        this.#listener.close();
        return this.#loop;
      },
      bind: (pair) => {
        const { hostname, port } = this.#listener.addr;
        const listener = listenTlsPair(hostname, port, pair);
        this.#listener = listener;
        this.#accept(listener);
      },
    };
  }

  #accept(listener: SocketListener): void {
    const sink = this.#sink;
    const loop = acceptLoop(listener, () => this.#stopping, {
      onConnection: (conn) => {
        tune(conn);
        sink.admit(conn);
      },
      onAcceptError: (error) => sink.problem(`accept failed: ${describe(error)}`),
      pause: (ms) => sink.pause(ms),
    });
    this.#loops.add(loop);
    this.#loop = loop;
    loop.finally(() => this.#loops.delete(loop));
  }
}

/** No Nagle delay for chat lines; keepalive so a vanished peer is noticed eventually. */
function tune(conn: Deno.TcpConn | Deno.TlsConn): void {
  try {
    if ("setNoDelay" in conn) {
      conn.setNoDelay(true);
      conn.setKeepAlive(true);
    }
  } catch {
    // The socket may be gone already; its first read will say so.
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
