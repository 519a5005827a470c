/**
 * Opening the server's transports from its options: the main listener (TLS with the
 * certificate files, else TCP) and, with `--web`, the page and its WebSocket.
 * @module
 */

import type { Clock } from "../clock.ts";
import { listenTcp } from "../listener.ts";
import type { ServerOptions } from "../options.ts";
import { listenTlsFiles, tlsFilesOf } from "../tls.ts";
import { parseCidr } from "../web/cidr.ts";
import { WebTransport } from "../web/web_transport.ts";
import { SocketTransport } from "./tcp.ts";
import type { ConnectionSink, Transport } from "./transport.ts";

/**
 * Binds every transport the options ask for, the main one first. When one cannot be bound, the
 * ones already bound are closed and the error (ListenError, TlsConfigError) is thrown.
 */
export function openTransports(
  options: ServerOptions,
  clock: Clock,
  sink: ConnectionSink,
): Transport[] {
  const transports: Transport[] = [];
  try {
    transports.push(openMainTransport(options, sink));
    if (options.webPort !== undefined) transports.push(openWebTransport(options, clock, sink));
    return transports;
  } catch (error) {
    for (const transport of transports) {
      void transport.stop().then(() => transport.release());
    }
    throw error;
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
