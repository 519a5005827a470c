/**
 * The client's settings.
 * @module
 */

import { DEFAULT_CONNECT_TIMEOUT_MS } from "./connection.ts";
import { DEFAULT_KEEPALIVE_MS } from "./keepalive.ts";
import type { ClientTls } from "./tls.ts";

/** When to color the output: `auto` colors a terminal unless `NO_COLOR` is set. */
export type ColorMode = "auto" | "always" | "never";

/** Everything `chat client` can be told; the CLI fills it, tests build it directly. */
export interface ClientOptions {
  /** Server host (default 127.0.0.1). */
  host: string;
  /** Server port (default 5000). */
  port: number;
  /** The name to log in with; undefined means ask on a terminal (a usage error otherwise). */
  name: string | undefined;
  /** Scripting mode prints one JSON object a line instead of plain text (default false). */
  json: boolean;
  /** Log in, send this one message, wait until it is written, exit (default undefined). */
  once: string | undefined;
  /** Connect again with backoff when the connection drops (default false). */
  reconnect: boolean;
  /** Colors: `--color auto|always|never`; `--no-color` is `never` (default auto). */
  color: ColorMode;
  /** `--tls [--ca FILE]`: connect with TLS, verifying the certificate (default: plain TCP). */
  tls?: ClientTls;
  /**
   * `--connect-timeout SECONDS`, in milliseconds: how long each attempt's TCP connect, TLS
   * handshake and login answer may take together (default 10000), so an address that drops
   * SYNs or a server that never answers fails in bounded time.
   */
  connectTimeoutMs: number;
  /**
   * `--keepalive SECONDS`, in milliseconds: once logged in, a keepalive frame goes out after
   * this long without sending (default 30000; 0: never), so an idle user is not cut by a
   * server's `--idle-timeout`, a load balancer or a NAT.
   */
  keepaliveMs: number;
}

/** Defaults for the client's connection. */
export const DEFAULT_CLIENT_OPTIONS: Readonly<ClientOptions> = {
  host: "127.0.0.1",
  port: 5000,
  name: undefined,
  json: false,
  once: undefined,
  reconnect: false,
  color: "auto",
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  keepaliveMs: DEFAULT_KEEPALIVE_MS,
};
