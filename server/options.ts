/**
 * The server's settings, with the protocol's defaults, and the checks that reject a bad one
 * before anything binds or connects.
 * @module
 */

import { isIrcChannelName } from "./irc/irc_nick.ts";
import { checkClusterName, ClusterNameError } from "./bus/cluster_names.ts";
import { parseRedisUrl, RedisUrlError } from "./bus/redis_url.ts";
import type { LogFormat } from "./console.ts";

/** Everything `chat server` can be told; the CLI fills it, tests build it directly. */
export interface ServerOptions {
  /** Address to bind (default 0.0.0.0). */
  host: string;
  /** Port to bind; 0 picks a free port (default 5000). */
  port: number;
  /** Seconds between the console's "Online (N): ..." lines; 0 disables (default 30). */
  listIntervalSeconds: number;
  /** Most clients connected at once (default 10,000). */
  maxClients: number;
  /** Largest message accepted, in bytes (default 65,536). */
  maxMessageBytes: number;
  /**
   * Unsent bytes a client may have queued before it is dropped as too slow, whatever their age:
   * the memory guard behind `sendqSeconds` (default 16 MiB).
   */
  sendqBytes: number;
  /**
   * Seconds bytes may wait unsent before their reader is dropped as too slow (judged once more
   * than 256 KiB are queued for it); 0 judges by `sendqBytes` alone (default 30).
   */
  sendqSeconds: number;
  /** Seconds a new connection has to complete its login frame (default 10). */
  loginTimeoutSeconds: number;
  /**
   * Seconds a logged-in client may send nothing (not even a keepalive) before it is told and
   * closed, so a peer that vanished without a FIN does not stay online for hours; 0 turns it
   * off (default 0). Our client sends a keepalive after 30 s of silence.
   */
  idleTimeoutSeconds: number;
  /** Messages per second a client may send on average; 0 turns flood control off (default 10). */
  floodRate: number;
  /** Messages a client may send in a burst above the rate (default 30). */
  floodBurst: number;
  /**
   * Bytes per second of messages (chat and private) a client may send on average, and bytes of
   * private messages a client may receive from everyone together; 0 turns both off (default
   * 32 KiB). Off with the rest of flood control when `floodRate` is 0.
   */
  floodBytes: number;
  /** Bytes a client may send (or receive privately) in a burst; at least a message (256 KiB). */
  floodBytesBurst: number;
  /**
   * Bytes per second of chat the whole room takes from its clients (this instance's), in bursts
   * of 8 seconds' worth; 0 turns it off (default 512 KiB). Off when `floodRate` is 0.
   */
  roomBytes: number;
  /** Most connections at once from one IP address; 0 means no limit (default 20). */
  maxClientsPerIp: number;
  /** PEM certificate chain file: with `tlsKey`, the server speaks TLS (default: plain TCP). */
  tlsCert?: string;
  /** PEM private key file for `tlsCert`. */
  tlsKey?: string;
  /** With `webPort`: serve the web page and its WebSocket at `/ws` here (default: no web). */
  webHost?: string;
  /** The web listener's port; 0 picks a free one. */
  webPort?: number;
  /** Page origins besides the web listener's own whose WebSockets are accepted. */
  webOrigins?: readonly string[];
  /** Proxies (CIDR) whose `X-Forwarded-For` names a web client's address (default: none). */
  trustedProxies?: readonly string[];
  /** With `ircPort`: the IRC listener's address (default: no IRC listener). */
  ircHost?: string;
  /** The IRC listener's port; 0 picks a free one. TLS when the main listener has it. */
  ircPort?: number;
  /** The channel IRC clients see the room as (default `#chat`). */
  ircChannel?: string;
  /** When set, IRC clients must send it with PASS before registering. */
  ircPassword?: string;
  /** `redis://HOST:PORT[/DB]`: run as one instance of a cluster sharing one room (default: alone). */
  redis?: string;
  /** This instance's id in the cluster, unique among running instances (default: random). */
  instanceId?: string;
  /** Instances with the same Redis and cluster room share their users (default "chat"). */
  clusterRoom?: string;
  /** Seconds within which a dead instance's users are announced as left (default 15). */
  presenceTimeoutSeconds?: number;
  /** SQLite file for history (WAL mode); absent: in memory, forgotten on restart. */
  db?: string;
  /** History lines kept; 0 turns history off (default 10,000). */
  historyLines?: number;
  /** Days history is kept; 0 means no age limit (default 30). */
  historyDays?: number;
  /** Messages replayed to a newcomer after its welcome; 0 turns it off (default 50). */
  replay?: number;
  /** Operators as `NAME:HASH` (hashes from `chat hash-password`). */
  operators?: readonly string[];
  /** A file of `NAME:HASH` lines, re-read by the operators registry's `reload()`. */
  operatorsFile?: string;
  /** Where to serve `/metrics`, `/healthz` and `/readyz` over HTTP (default: nowhere). */
  metrics?: { hostname: string; port: number };
  /** Console lines as text (default) or one JSON object per line. */
  logFormat?: LogFormat;
  /** Seconds SIGTERM waits for clients to leave before closing them (default 0). */
  drainSeconds?: number;
}

/** The defaults of protocol-v1. */
export const DEFAULT_SERVER_OPTIONS: Readonly<ServerOptions> = {
  host: "0.0.0.0",
  port: 5000,
  listIntervalSeconds: 30,
  maxClients: 10_000,
  maxMessageBytes: 65_536,
  sendqBytes: 16 * 1_048_576,
  sendqSeconds: 30,
  loginTimeoutSeconds: 10,
  idleTimeoutSeconds: 0,
  floodRate: 10,
  floodBurst: 30,
  floodBytes: 32_768,
  floodBytesBurst: 262_144,
  roomBytes: 524_288,
  maxClientsPerIp: 20,
  historyLines: 10_000,
  historyDays: 30,
  replay: 50,
};

/** Seconds within which a dead instance's users are announced as left, unless told otherwise. */
export const DEFAULT_PRESENCE_TIMEOUT_SECONDS = 15;

/** The cluster room used when none is given. */
export const DEFAULT_CLUSTER_ROOM = "chat";

/** A setting given to `startServer` directly (not through the CLI) is out of range. */
export class InvalidServerOptionError extends Error {
  /** The ServerOptions field at fault. */
  readonly option: keyof ServerOptions;
  constructor(option: keyof ServerOptions, value: unknown, rule: string) {
    super(`invalid server option ${option}: ${String(value)} (${rule})`);
    this.name = "InvalidServerOptionError";
    this.option = option;
  }
}

/** Largest delay the runtime's timers accept, in seconds (2^31 - 1 ms). */
const MAX_TIMER_SECONDS = 2_147_483;

/**
 * Checks the numbers the server relies on, so a bad value fails once at start with a clear error
 * instead of in every connection (a NaN limit would silently turn a check off).
 */
export function checkServerOptions(options: ServerOptions): void {
  const whole = (
    option: keyof ServerOptions,
    value: number,
    min: number,
    max = Number.MAX_SAFE_INTEGER,
  ) => {
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidServerOptionError(option, value, `a whole number from ${min} to ${max}`);
    }
  };
  whole("port", options.port, 0, 65535);
  whole("listIntervalSeconds", options.listIntervalSeconds, 0, MAX_TIMER_SECONDS);
  whole("maxClients", options.maxClients, 0);
  whole("maxMessageBytes", options.maxMessageBytes, 0, 0xffffffff);
  whole("sendqBytes", options.sendqBytes, 0);
  whole("loginTimeoutSeconds", options.loginTimeoutSeconds, 0, MAX_TIMER_SECONDS);
  whole("idleTimeoutSeconds", options.idleTimeoutSeconds, 0, MAX_TIMER_SECONDS);
  whole("floodRate", options.floodRate, 0);
  whole("floodBurst", options.floodBurst, 0);
  if (options.webPort !== undefined) whole("webPort", options.webPort, 0, 65535);
  if (options.ircPort !== undefined) whole("ircPort", options.ircPort, 0, 65535);
  if (options.ircChannel !== undefined && !isIrcChannelName(options.ircChannel)) {
    throw new InvalidServerOptionError(
      "ircChannel",
      options.ircChannel,
      "# and 1 to 49 characters, no spaces, commas or colons",
    );
  }
  whole("sendqSeconds", options.sendqSeconds, 0, MAX_TIMER_SECONDS);
  whole("floodBytes", options.floodBytes, 0);
  whole("floodBytesBurst", options.floodBytesBurst, 0);
  whole("roomBytes", options.roomBytes, 0);
  whole("historyLines", options.historyLines ?? 0, 0);
  whole("historyDays", options.historyDays ?? 0, 0, 1_000_000);
  whole("replay", options.replay ?? 0, 0, 1000);
  if (options.metrics !== undefined) whole("metrics", options.metrics.port, 0, 65535);
  if (options.drainSeconds !== undefined) {
    whole("drainSeconds", options.drainSeconds, 0, MAX_TIMER_SECONDS);
  }
}

/**
 * A cluster setting is malformed: a Redis address that is not `redis://HOST:PORT[/DB]`, or an
 * instance id or cluster room outside the names allowed in Redis keys. The message says which.
 */
export class ClusterOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClusterOptionError";
  }
}

/** Checks the cluster settings that are given; throws ClusterOptionError. */
export function checkClusterOptions(
  options: Pick<ServerOptions, "redis" | "instanceId" | "clusterRoom">,
): void {
  try {
    if (options.redis !== undefined) parseRedisUrl(options.redis);
    if (options.instanceId !== undefined) checkClusterName("instance id", options.instanceId);
    if (options.clusterRoom !== undefined) checkClusterName("cluster room", options.clusterRoom);
  } catch (error) {
    if (error instanceof RedisUrlError || error instanceof ClusterNameError) {
      throw new ClusterOptionError(error.message);
    }
    throw error;
  }
}
