/**
 * The TCP and TLS listeners as transports: the accept loop feeding the server's admission path.
 * TLS runs on the accepted TCP connections (tls_socket.ts), so a reload only swaps the
 * certificate new connections get.
 * @module
 */

import { acceptLoop } from "../listener.ts";
import type { TlsTerminator } from "./tls_socket.ts";
import type { ConnectionSink, Transport } from "./transport.ts";

type SocketListener = Deno.Listener<Deno.TcpConn, Deno.NetAddr>;

/** A TCP or TLS listener's accept loop, handing every connection to the sink. */
export class SocketTransport implements Transport {
  readonly kind: string;
  readonly #sink: ConnectionSink;
  readonly #listener: SocketListener;
  readonly #tls: TlsTerminator | null;
  readonly #loop: Promise<void>;
  #stopping = false;

  /**
   * Starts accepting on a bound TCP listener; `kind` is `tcp`, `tls`, `irc` or `ircs`. With
   * `tls`, every connection speaks TLS with its certificate.
   */
  constructor(
    kind: string,
    listener: SocketListener,
    sink: ConnectionSink,
    tls: TlsTerminator | null = null,
  ) {
    this.kind = kind;
    this.#sink = sink;
    this.#listener = listener;
    this.#tls = tls;
    this.#loop = this.#accept(listener);
  }

  /** The bound address. */
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
    return this.#loop;
  }

  release(): Promise<void> {
    return Promise.resolve();
  }

  /** True once {@link SocketTransport.stop} was called. */
  get stopping(): boolean {
    return this.#stopping;
  }

  #accept(listener: SocketListener): Promise<void> {
    const sink = this.#sink;
    const tls = this.#tls;
    return acceptLoop(listener, () => this.#stopping, {
      onConnection: (conn) => {
        tune(conn);
        sink.admit(tls === null ? conn : tls.wrap(conn));
      },
      onAcceptError: (error) => sink.problem(`accept failed: ${describe(error)}`),
      pause: (ms) => sink.pause(ms),
    });
  }
}

/** No Nagle delay for chat lines; keepalive so a vanished peer is noticed eventually. */
function tune(conn: Deno.TcpConn): void {
  try {
    conn.setNoDelay(true);
    conn.setKeepAlive(true);
  } catch {
    // The socket may be gone already; its first read will say so.
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
