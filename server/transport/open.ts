/**
 * Opening the server's transports from its options: the main listener (TLS with the
 * certificate files, reloadable, else TCP), with `--web` the page and its WebSocket, and with
 * `--irc` the IRC door's listener. With TLS every listener uses the same pair, and SIGHUP reloads
 * each of them.
 * @module
 */

import type { Clock } from "../clock.ts";
import { listenTcp } from "../listener.ts";
import type { ServerOptions } from "../options.ts";
import { checkTlsPair, tlsFilesOf } from "../tls.ts";
import { type TlsListenerSlot, TlsReloader } from "../tls_reload.ts";
import { parseCidr } from "../web/cidr.ts";
import { WebTransport } from "../web/web_transport.ts";
import { SocketTransport } from "./tcp.ts";
import { TlsTerminator } from "./tls_socket.ts";
import type { ConnectionSink, Transport } from "./transport.ts";

/** The transports of a server, the main one first, and their TLS reloads. */
export interface OpenTransports {
  readonly transports: Transport[];
  /** With TLS: one reload per TLS listener (main, web, IRC door), each SIGHUP runs. */
  readonly tlsReloads: readonly TlsReload[];
}

/** A TLS listener SIGHUP can bind again: what it is called, its reloader and its slot. */
export interface TlsReload {
  /** What the console calls it (`TLS certificate`, `web TLS certificate`, ...). */
  readonly what: string;
  readonly reloader: TlsReloader;
  readonly slot: TlsListenerSlot;
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
  const tlsReloads: TlsReload[] = [];
  try {
    const tlsFiles = tlsFilesOf(options);
    if (tlsFiles === null) {
      const listener = listenTcp(options.host, options.port);
      transports.push(new SocketTransport("tcp", listener, sinkFor("tcp")));
    } else {
      const tls = openTlsTransport("tls", options.host, options.port, tlsFiles, clock, sinkFor);
      transports.push(tls.transport);
      tlsReloads.push({ what: "TLS certificate", ...tls.reload });
    }
    if (options.webPort !== undefined) {
      const web = openWebTransport(options, clock, sinkFor("web"));
      transports.push(web.transport);
      if (web.tls !== null) tlsReloads.push(web.tls);
    }
    if (options.ircPort !== undefined) {
      const irc = openIrcTransport(options, clock, sinkFor);
      transports.push(irc.transport);
      if (irc.tls !== null) tlsReloads.push(irc.tls);
    }
    return { transports, tlsReloads };
  } catch (error) {
    for (const transport of transports) {
      void transport.stop().then(() => transport.release());
    }
    throw error;
  }
}

/** `--web`: the page and its WebSocket, with TLS (reloadable) when the main listener has it. */
function openWebTransport(
  options: ServerOptions,
  clock: Clock,
  sink: ConnectionSink,
): { transport: Transport; tls: TlsReload | null } {
  const tlsFiles = tlsFilesOf(options);
  const reloader = tlsFiles === null ? null : TlsReloader.read(tlsFiles, clock);
  const transport = new WebTransport({
    hostname: options.webHost ?? options.host,
    port: options.webPort ?? 0,
    ...(reloader === null ? {} : { tls: reloader.pair }),
    origins: options.webOrigins ?? [],
    trustedProxies: (options.trustedProxies ?? []).map(parseCidr),
    maxMessageBytes: options.maxMessageBytes,
    clock,
  }, sink);
  const tls = reloader === null
    ? null
    : { what: "web TLS certificate", reloader, slot: transport.tlsSlot() };
  return { transport, tls };
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
  const { transport, reload } = openTlsTransport("ircs", hostname, port, tlsFiles, clock, sinkFor);
  return { transport, tls: { what: "IRC TLS certificate", ...reload } };
}

/**
 * A TLS listener: the pair read and checked (TlsConfigError), the port bound for TCP
 * (ListenError), TLS run on each connection it accepts.
 */
function openTlsTransport(
  kind: string,
  hostname: string,
  port: number,
  files: { certFile: string; keyFile: string },
  clock: Clock,
  sinkFor: (kind: string) => ConnectionSink,
): { transport: Transport; reload: Omit<TlsReload, "what"> } {
  const reloader = TlsReloader.read(files, clock);
  checkTlsPair(hostname, reloader.pair);
  const terminator = new TlsTerminator(reloader.pair);
  const transport = new SocketTransport(
    kind,
    listenTcp(hostname, port),
    sinkFor(kind),
    terminator,
  );
  const slot = terminator.slot(transport.addr, () => transport.stopping);
  return { transport, reload: { reloader, slot } };
}
