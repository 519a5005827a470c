/**
 * `chat server --web HOST:PORT`: one HTTP(S) listener serving the chat page at `/` with its
 * assets, and the WebSocket at `/ws` whose connections join the room through the server's one
 * admission path. Anything else is 404; every response carries the security headers.
 * @module
 */

import { MAX_USERNAME_BYTES } from "../../protocol/mod.ts";
import type { Clock } from "../clock.ts";
import { describeListenFailure, listenAddress, ListenError } from "../listener.ts";
import { isAddressFailure, readPemFile, TlsConfigError } from "../tls.ts";
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
  /** PEM files: serve HTTPS and WSS. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
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
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #options: WebTransportOptions;
  readonly #sink: ConnectionSink;
  /** Upgraded sockets not yet closed, so none outlives the server. */
  readonly #sockets = new Set<WebSocket>();
  #stopping = false;

  /** Binds at once; throws ListenError for the address and TlsConfigError for the files. */
  constructor(options: WebTransportOptions, sink: ConnectionSink) {
    this.#options = options;
    this.#sink = sink;
    const tls = options.tls === undefined ? {} : {
      cert: readPemFile(options.tls.certFile, "certificate"),
      key: readPemFile(options.tls.keyFile, "key"),
    };
    const address = listenAddress(options.hostname, options.port);
    try {
      this.#server = Deno.serve({
        hostname: options.hostname,
        port: options.port,
        ...tls,
        onListen: () => {},
        onError: (error) => {
          // A bug serving one request: logged, answered, and the listener goes on.
          sink.problem(`web: ${error instanceof Error ? error.message : String(error)}`);
          return secureResponse("server error\n", 500);
        },
      }, (request, info) => this.#handle(request, info));
    } catch (error) {
      if (options.tls !== undefined && !isAddressFailure(error)) {
        throw new TlsConfigError(
          `cannot use TLS certificate '${options.tls.certFile}' with key '${options.tls.keyFile}' for --web: ${
            describeListenFailure(error)
          }`,
          { cause: error },
        );
      }
      throw new ListenError(address, describeListenFailure(error), { cause: error });
    }
    this.addr = this.#server.addr;
  }

  stop(): Promise<void> {
    this.#stopping = true;
    return Promise.resolve();
  }

  async release(): Promise<void> {
    for (const socket of this.#sockets) {
      try {
        socket.close(CloseCode.goingAway, "server shutting down");
      } catch {
        // Already closed.
      }
    }
    await this.#server.shutdown();
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
