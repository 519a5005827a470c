/**
 * The TCP and TLS listeners as transports: the accept loop feeding the server's admission path.
 * @module
 */

import { acceptLoop } from "../listener.ts";
import type { ConnectionSink, Transport } from "./transport.ts";

/** A TCP or TLS listener's accept loop, handing every connection to the sink. */
export class SocketTransport implements Transport {
  readonly kind: string;
  readonly addr: Deno.NetAddr;
  readonly #listener: Deno.Listener<Deno.TcpConn | Deno.TlsConn, Deno.NetAddr>;
  readonly #acceptDone: Promise<void>;
  #stopping = false;

  /** Starts accepting on a bound listener; `kind` is `tcp` or `tls`. */
  constructor(
    kind: string,
    listener: Deno.Listener<Deno.TcpConn | Deno.TlsConn, Deno.NetAddr>,
    sink: ConnectionSink,
  ) {
    this.kind = kind;
    this.#listener = listener;
    this.addr = listener.addr;
    this.#acceptDone = acceptLoop(listener, () => this.#stopping, {
      onConnection: (conn) => {
        tune(conn);
        sink.admit(conn);
      },
      onAcceptError: (error) => sink.problem(`accept failed: ${describe(error)}`),
      pause: (ms) => sink.pause(ms),
    });
  }

  stop(): Promise<void> {
    this.#stopping = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    return this.#acceptDone;
  }

  release(): Promise<void> {
    return Promise.resolve();
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
