/**
 * The client's settings, declared once: `ConnectOptions` (client/connection.ts) for one
 * connection, `SessionOptions` (client/session.ts) adding reconnecting and pacing,
 * `ScriptOptions` (client/scripting.ts) adding the scripting mode's own, and `ClientOptions`
 * here: everything `chat client` can be told. Each layer is passed whole to the next.
 * @module
 */

import { DEFAULT_CONNECT_TIMEOUT_MS } from "./dial.ts";
import { DEFAULT_KEEPALIVE_MS } from "./keepalive.ts";
import { DEFAULT_SEND_RATE } from "./pacer.ts";
import type { ScriptOptions } from "./scripting.ts";

/** When to color the output: `auto` colors a terminal unless `NO_COLOR` is set. */
export type ColorMode = "auto" | "always" | "never";

/** When the terminal client rings the bell: never, for a line naming you, or for every line. */
export type BellMode = "never" | "mention" | "always";

/**
 * Everything `chat client` can be told; the CLI fills it, tests build it directly. The fields
 * the CLI always sets are required here.
 */
export interface ClientOptions extends Omit<ScriptOptions, "name"> {
  /** The name to log in with; undefined means ask on a terminal (a usage error otherwise). */
  name: string | undefined;
  /** Connect again with backoff when the connection drops (default false). */
  reconnect: boolean;
  /** `--connect-timeout SECONDS`, in milliseconds (default 10000). */
  connectTimeoutMs: number;
  /** `--keepalive SECONDS`, in milliseconds (default 30000; 0: never). */
  keepaliveMs: number;
  /** `--rate N`: messages a second at most (default 8; 0 turns pacing off). */
  sendRate: number;
  /** `--stay`: keep reading after the input ended, until the server closes (default false). */
  stay: boolean;
  /** Colors: `--color auto|always|never`; `--no-color` is `never` (default auto). */
  color: ColorMode;
  /** `--bell never|mention|always` (default mention). */
  bell: BellMode;
}

/** Defaults for the client. */
export const DEFAULT_CLIENT_OPTIONS: Readonly<ClientOptions> = {
  host: "127.0.0.1",
  port: 5000,
  name: undefined,
  json: false,
  once: undefined,
  stay: false,
  reconnect: false,
  color: "auto",
  bell: "mention",
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  keepaliveMs: DEFAULT_KEEPALIVE_MS,
  sendRate: DEFAULT_SEND_RATE,
};
