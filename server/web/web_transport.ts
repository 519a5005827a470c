/**
 * `chat server --web HOST:PORT`: one HTTP(S) listener serving the chat page at `/` with its
 * assets, and the WebSocket at `/ws` whose connections join the room through the server's one
 * admission path. Anything else is 404; every response carries the security headers.
 * @module
 */

import { MAX_USERNAME_BYTES } from "../../protocol/mod.ts";
import { type Clock, within } from "../clock.ts";
import { describeListenFailure, listenAddress, ListenError } from "../listener.ts";
import { isAddressFailure, TlsConfigError, type TlsPair } from "../tls.ts";
import type { TlsListenerSlot } from "../tls_reload.ts";
import type { ConnectionSink, Transport } from "../transport/transport.ts";
import type { Cidr } from "./cidr.ts";
import { clientAddress } from "./client_address.ts";
import { PAGE_ASSETS } from "./page_assets.ts";
import { secureResponse } from "./security_headers.ts";
import { CloseCode, fitReason, WebSocketConnection } from "./websocket_connection.ts";

/** What the web listener is told. */
export interface WebTransportOptions {
  readonly hostname: string;
  readonly port: number;
  /** The certificate and key (read): serve HTTPS and WSS. */
  readonly tls?: TlsPair;
  /** Page origins besides the listener's own whose WebSockets are accepted. */
  readonly origins: readonly string[];
  /** Proxies whose `X-Forwarded-For` is believed. */
  readonly trustedProxies: readonly Cidr[];
  /** The server's largest message, which bounds what a client may send ahead of its reads. */
  readonly maxMessageBytes: number;
  readonly clock: Clock;
}

/** Bytes a client may send beyond one largest frame before its session has read them. */
const UNREAD_SLACK_BYTES = 64 * 1024;
/** The frame header's size. */
const HEADER_BYTES = 6;

/** The close reason for a WebSocket opened from a page we do not serve. */
export function badOriginReason(origin: string): string {
  return fitReason(`error: origin ${origin} is not allowed`);
}

/** The HTTP listener and its WebSocket endpoint as one transport. */
export class WebTransport implements Transport {
  readonly kind = "web";
  readonly addr: Deno.NetAddr;
  #server: Deno.HttpServer<Deno.NetAddr>;
  /** Servers a TLS reload replaced, until their shutdown is over. */
  readonly #retiring = new Set<Promise<void>>();
  readonly #options: WebTransportOptions;
  readonly #sink: ConnectionSink;
  /** Upgraded sockets not yet closed, so none outlives the server. */
  readonly #sockets = new Set<WebSocket>();
  #stopping = false;

  /** Binds at once; throws ListenError for the address and TlsConfigError for the pair. */
  constructor(options: WebTransportOptions, sink: ConnectionSink) {
    this.#options = options;
    this.#sink = sink;
    this.#server = this.#serve(options.port, options.tls);
    this.addr = this.#server.addr;
  }

  stop(): Promise<void> {
    this.#stopping = true;
    return Promise.resolve();
  }

  async release(): Promise<void> {
    this.#closeSockets(CloseCode.goingAway, "server shutting down");
    await this.#server.shutdown();
    await Promise.all(this.#retiring);
  }

  /**
   * A TLS reload's view of this listener. Deno.serve fixes its certificate when it binds, so a
   * reload shuts the server down and binds a new one on the same port; the shutdown closes the
   * WebSockets it upgraded, so they are closed first with 1012 (service restart) and a reason,
   * and the page reconnects to the new certificate.
   */
  tlsSlot(): TlsListenerSlot {
    // deno-lint-ignore no-this-alias
    const transport = this;
    return {
      address: this.addr,
      get closing() {
        return transport.#stopping;
      },
      release: async () => {
        // Told first, or the shutdown's own close (1001, "Server shutting down") would be all
        // they hear; a peer slow to answer its close costs the reload RELOAD_CLOSE_MS at most.
        const closed = [...this.#sockets].map(whenClosed);
        this.#closeSockets(CloseCode.serviceRestart, RELOAD_REASON);
        await within(this.#options.clock, RELOAD_CLOSE_MS, Promise.all(closed));
        const shutdown = this.#server.shutdown().catch(() => {});
        this.#retiring.add(shutdown);
        shutdown.finally(() => this.#retiring.delete(shutdown));
      },
      bind: (pair) => {
        this.#server = this.#serve(this.addr.port, pair);
      },
    };
  }

  #closeSockets(code: number, reason: string): void {
    for (const socket of this.#sockets) {
      try {
        socket.close(code, reason);
      } catch {
        // Already closed.
      }
    }
  }

  /** Binds the HTTP(S) server; throws ListenError for the address and TlsConfigError for `tls`. */
  #serve(port: number, tls: TlsPair | undefined): Deno.HttpServer<Deno.NetAddr> {
    const { hostname } = this.#options;
    const sink = this.#sink;
    try {
      return Deno.serve({
        hostname,
        port,
        ...(tls === undefined ? {} : { cert: tls.cert, key: tls.key }),
        onListen: () => {},
        onError: (error) => {
          // A bug serving one request: logged, answered, and the listener goes on.
          sink.problem(`web: ${error instanceof Error ? error.message : String(error)}`);
          return secureResponse("server error\n", 500);
        },
      }, (request, info) => this.#handle(request, info));
    } catch (error) {
      if (tls !== undefined && !isAddressFailure(error)) {
        throw new TlsConfigError(
          `cannot use TLS certificate '${tls.certFile}' with key '${tls.keyFile}' for --web: ${
            describeListenFailure(error)
          }`,
          { cause: error },
        );
      }
      throw new ListenError(listenAddress(hostname, port), describeListenFailure(error), {
        cause: error,
      });
    }
  }

  #handle(request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Response {
    const url = new URL(request.url);
    if (url.pathname === "/ws") return this.#upgrade(request, url, info);
    const asset = PAGE_ASSETS[url.pathname];
    if (asset === undefined) return secureResponse("not found\n", 404, TEXT);
    if (request.method !== "GET" && request.method !== "HEAD") {
      return secureResponse("method not allowed\n", 405, { ...TEXT, allow: "GET, HEAD" });
    }
    return secureResponse(request.method === "HEAD" ? null : asset.body, 200, {
      "content-type": asset.type,
      "cache-control": "no-cache",
    });
  }

  #upgrade(request: Request, url: URL, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return secureResponse("this is the chat's WebSocket: connect with ws:// or wss://\n", 426, {
        ...TEXT,
        upgrade: "websocket",
      });
    }
    if (this.#stopping) return secureResponse("server shutting down\n", 503, TEXT);
    // Neither the headers nor the peer can be read once the request is upgraded.
    const origin = request.headers.get("origin");
    const peer = info.remoteAddr;
    const hostname = clientAddress(
      peer.hostname,
      request.headers.get("x-forwarded-for"),
      this.#options.trustedProxies,
    );
    const { socket, response } = Deno.upgradeWebSocket(request);
    this.#sockets.add(socket);
    socket.addEventListener("close", () => this.#sockets.delete(socket));
    if (origin !== null && origin !== url.origin && !this.#options.origins.includes(origin)) {
      // Opened and closed at once, so the page's script learns why (a refused upgrade says nothing).
      socket.addEventListener(
        "open",
        () => socket.close(CloseCode.policyViolation, badOriginReason(origin)),
      );
      return response;
    }
    const remoteAddr: Deno.NetAddr = { transport: "tcp", hostname, port: peer.port };
    socket.addEventListener("open", () => {
      if (this.#stopping) {
        socket.close(CloseCode.goingAway, "server shutting down");
        return;
      }
      this.#sink.admit(
        new WebSocketConnection(socket, {
          remoteAddr,
          secure: this.#options.tls !== undefined,
          clock: this.#options.clock,
          maxUnreadBytes: HEADER_BYTES + MAX_USERNAME_BYTES + this.#options.maxMessageBytes +
            UNREAD_SLACK_BYTES,
        }),
      );
    });
    return response;
  }
}

const TEXT = { "content-type": "text/plain; charset=utf-8" };

/** The close reason of the WebSockets a certificate reload closes (the page reconnects). */
export const RELOAD_REASON = "the server reloaded its certificate: reconnect";

/** How long a reload waits for the WebSockets it closes to finish their close handshake. */
const RELOAD_CLOSE_MS = 1000;

function whenClosed(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) =>
    socket.addEventListener("close", () => resolve(), { once: true })
  );
}
