/**
 * Opening the server's transports from its options: the main listener (TLS with the
 * certificate files, reloadable, else TCP) and, with `--web`, the page and its WebSocket.
 * @module
 */

import type { Clock } from "../clock.ts";
import { listenTcp } from "../listener.ts";
import type { ServerOptions } from "../options.ts";
import { tlsFilesOf } from "../tls.ts";
import { TlsReloader } from "../tls_reload.ts";
import { parseCidr } from "../web/cidr.ts";
import { WebTransport } from "../web/web_transport.ts";
import { SocketTransport } from "./tcp.ts";
import type { ConnectionSink, Transport } from "./transport.ts";

/** The transports of a server, the main one first, and the main listener's TLS reload. */
export interface OpenTransports {
  readonly transports: Transport[];
  /** With TLS: what SIGHUP reloads (the main listener's certificate). */
  readonly tls: { readonly reloader: TlsReloader; readonly transport: SocketTransport } | null;
}

/**
 * Binds every transport the options ask for, each feeding the sink `sinkFor` gives its kind.
 * When one cannot be bound, the ones already bound are closed and the error (ListenError,
 * TlsConfigError) is thrown.
 */
export function openTransports(
  options: ServerOptions,
  clock: Clock,
  sinkFor: (kind: string) => ConnectionSink,
): OpenTransports {
  const transports: Transport[] = [];
  try {
    const tlsFiles = tlsFilesOf(options);
    let tls: OpenTransports["tls"] = null;
    if (tlsFiles === null) {
      const listener = listenTcp(options.host, options.port);
      transports.push(new SocketTransport("tcp", listener, sinkFor("tcp")));
    } else {
      const bound = TlsReloader.listen(options.host, options.port, tlsFiles, clock);
      const transport = new SocketTransport("tls", bound.listener, sinkFor("tls"));
      transports.push(transport);
      tls = { reloader: bound.reloader, transport };
    }
    if (options.webPort !== undefined) {
      transports.push(openWebTransport(options, clock, sinkFor("web")));
    }
    return { transports, tls };
  } catch (error) {
    for (const transport of transports) {
      void transport.stop().then(() => transport.release());
    }
    throw error;
  }
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
