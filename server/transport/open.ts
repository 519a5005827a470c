/**
 * Opening the server's transports from its options: the main listener (TLS with the
 * certificate files, reloadable, else TCP), with `--web` the page and its WebSocket, and with
 * `--irc` the IRC door's listener.
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
  readonly tls: TlsReload | null;
  /** With TLS and `--irc`: the IRC door's listener, which SIGHUP reloads too. */
  readonly ircTls: TlsReload | null;
}

/** A TLS listener SIGHUP can swap: its reloader and the transport that accepts on it. */
export interface TlsReload {
  readonly reloader: TlsReloader;
  readonly transport: SocketTransport;
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
    let ircTls: TlsReload | null = null;
    if (options.ircPort !== undefined) {
      const irc = openIrcTransport(options, clock, sinkFor);
      transports.push(irc.transport);
      ircTls = irc.tls;
    }
    return { transports, tls, ircTls };
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

/** The kinds of the IRC door's listener: plain, and with TLS. */
export const IRC_KINDS: readonly string[] = ["irc", "ircs"];

/** True for a connection that came through the IRC door (it speaks IRC, not frames). */
export function isIrcKind(kind: string): boolean {
  return IRC_KINDS.includes(kind);
}

/** `--irc`: the IRC door, with TLS (reloadable) when the main listener has it. */
function openIrcTransport(
  options: ServerOptions,
  clock: Clock,
  sinkFor: (kind: string) => ConnectionSink,
): { transport: Transport; tls: TlsReload | null } {
  const hostname = options.ircHost ?? options.host;
  const port = options.ircPort ?? 0;
  const tlsFiles = tlsFilesOf(options);
  if (tlsFiles === null) {
    const transport = new SocketTransport("irc", listenTcp(hostname, port), sinkFor("irc"));
    return { transport, tls: null };
  }
  const bound = TlsReloader.listen(hostname, port, tlsFiles, clock);
  const transport = new SocketTransport("ircs", bound.listener, sinkFor("ircs"));
  return { transport, tls: { reloader: bound.reloader, transport } };
}
