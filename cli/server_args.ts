/**
 * `chat server` command line: flags to ServerOptions, strictly.
 * @module
 */

import {
  checkClusterOptions,
  ClusterOptionError,
  DEFAULT_PRESENCE_TIMEOUT_SECONDS,
  DEFAULT_SERVER_OPTIONS,
  type ServerOptions,
} from "../server/options.ts";
import { isIrcChannelName } from "../server/irc/irc_nick.ts";
import { CidrError, parseCidr } from "../server/web/cidr.ts";
import { LOG_FORMATS } from "../server/console.ts";
import { OperatorEntryError, parseOperatorEntry } from "../server/moderation/operators.ts";
import { type Parsed, parseIntegerOption, parseStrict, UsageError } from "./usage.ts";

const D = DEFAULT_SERVER_OPTIONS;

/** `chat server --help`. */
export const SERVER_USAGE = `Usage: chat server [options]

Runs the chat server: one room for every client that connects.

Options:
  --host HOST              address to listen on (default ${D.host})
  --port PORT              TCP port, 0 picks a free one (default ${D.port})
  --list-interval SECONDS  print who is online every SECONDS, 0 turns it off (default ${D.listIntervalSeconds})
  --max-clients N          most clients connected at once (default ${D.maxClients})
  --max-message-bytes N    largest message accepted, in bytes (default ${D.maxMessageBytes})
  --sendq-seconds SECONDS  drop a client as too slow once bytes queued for it SECONDS ago
                           are still unsent; 0 judges by --sendq-bytes alone (default ${D.sendqSeconds})
  --sendq-bytes N          unsent bytes a client may have queued before it is dropped
                           as too slow, however fresh (default ${D.sendqBytes})
  --login-timeout SECONDS  time a new connection has to log in, 0 turns it off (default ${D.loginTimeoutSeconds})
  --idle-timeout SECONDS   close a logged-in client that sent nothing for SECONDS, not even
                           a keepalive; 0 turns it off (default ${D.idleTimeoutSeconds})
  --flood-rate N           messages per second a client may send, 0 turns flood control
                           off (default ${D.floodRate})
  --flood-burst N          messages a client may send in a burst (default ${D.floodBurst})
  --flood-bytes N          bytes per second of messages a client may send, and of private
                           messages it may receive; 0 turns it off (default ${D.floodBytes})
  --flood-bytes-burst N    bytes a client may send or receive privately in a burst; at least
                           --max-message-bytes (default ${D.floodBytesBurst})
  --room-bytes N           bytes per second of chat the whole room takes, in bursts of 8 s
                           worth; 0 turns it off (default ${D.roomBytes})
  --max-clients-per-ip N   most connections at once from one IP address, 0 for no
                           limit (default ${D.maxClientsPerIp})
  --tls-cert FILE          serve TLS with this PEM certificate chain (needs --tls-key)
  --tls-key FILE           the PEM private key of --tls-cert
  -h, --help               show this help

Web (a chat page and its WebSocket, served by this server; HTTPS with --tls-cert):
  --web HOST:PORT          serve the page at / and the WebSocket at /ws here (default: off)
  --web-origin ORIGINS     also accept WebSockets from pages at these origins, comma-separated
                           (e.g. https://chat.example.org); the page's own is always accepted
  --trusted-proxy CIDRS    proxies, comma-separated (e.g. 10.0.0.0/8), whose X-Forwarded-For
                           names the client's address for the per-IP limit (default: none)

IRC (IRC clients such as irssi or WeeChat join the same room as a channel; TLS with --tls-cert):
  --irc HOST:PORT          listen for IRC clients here (default: off)
  --irc-channel NAME       the channel that is the room (default #chat)
  --irc-password TEXT      IRC clients must send this with PASS (default: none needed)

History (public messages and /me actions; private messages are never stored):
  --db FILE                keep history in this SQLite file (WAL mode), so it survives a
                           restart (default: in memory, forgotten on restart)
  --history-lines N        most messages kept, 0 turns history off (default ${D.historyLines})
  --history-days DAYS      forget messages older than DAYS, 0 for no age limit (default ${D.historyDays})
  --replay N               messages a newcomer is shown after the welcome, 0 turns it
                           off (default ${D.replay})

Moderation (operators use /kick, /ban, /mute, /topic...; see README "Running a room"):
  --oper NAME:HASH         NAME may become an operator with /oper PASSWORD; HASH comes from
                           chat hash-password (repeatable)
  --opers FILE             operators from FILE, one NAME:HASH a line (# comments)
  When stdin is a terminal or a pipe, each line typed there is an operator command
  (/kick, /ban, /unban, /bans, /mute, /unmute, /topic, /say TEXT, /users, /help);
  the end of stdin does not stop the server.

Operations (see docs/operations.md):
  --metrics HOST:PORT      serve /metrics (Prometheus), /healthz and /readyz over HTTP on
                           this address, meant to be internal (default: off)
  --log-format FORMAT      console lines as text or json, one object per line (default text)
  --drain-seconds SECONDS  on SIGTERM stop accepting, then wait up to SECONDS for clients
                           to leave before closing them (default 0)

Cluster (several instances behind a TCP load balancer share one room):
  --redis redis://HOST:PORT[/DB]
                           share the room (and its history) through this Redis
                           (default: run alone)
  --instance-id ID         this instance's id, unique among running ones (default: random)
  --cluster-room NAME      instances with the same Redis and room share users (default chat)
  --presence-timeout SECONDS
                           users of an instance that died are announced as left within
                           SECONDS (default ${DEFAULT_PRESENCE_TIMEOUT_SECONDS})

SIGINT or SIGTERM tells every client the server is shutting down and exits 0.
SIGHUP re-reads the TLS certificate and key (new connections use them) and --opers FILE
(not on Windows).`;

/** Largest message the 4-byte header can declare. */
const MAX_MESSAGE_LIMIT = 0xffffffff;
/** Bounds for counts and durations: non-negative and representable exactly. */
const COUNT = { min: 0, max: Number.MAX_SAFE_INTEGER };
/** Bounds for durations in seconds: the runtime's timers cannot wait longer (2^31 - 1 ms). */
const SECONDS = { min: 0, max: 2_147_483 };

const OPTIONS = {
  "host": { type: "string" },
  "port": { type: "string" },
  "list-interval": { type: "string" },
  "max-clients": { type: "string" },
  "max-message-bytes": { type: "string" },
  "sendq-bytes": { type: "string" },
  "login-timeout": { type: "string" },
  "idle-timeout": { type: "string" },
  "flood-rate": { type: "string" },
  "flood-burst": { type: "string" },
  "flood-bytes": { type: "string" },
  "flood-bytes-burst": { type: "string" },
  "room-bytes": { type: "string" },
  "sendq-seconds": { type: "string" },
  "max-clients-per-ip": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "web": { type: "string" },
  "web-origin": { type: "string" },
  "trusted-proxy": { type: "string" },
  "irc": { type: "string" },
  "irc-channel": { type: "string" },
  "irc-password": { type: "string" },
  "redis": { type: "string" },
  "instance-id": { type: "string" },
  "cluster-room": { type: "string" },
  "presence-timeout": { type: "string" },
  "db": { type: "string" },
  "history-lines": { type: "string" },
  "history-days": { type: "string" },
  "replay": { type: "string" },
  "oper": { type: "string", multiple: true },
  "opers": { type: "string" },
  "metrics": { type: "string" },
  "log-format": { type: "string" },
  "drain-seconds": { type: "string" },
  "help": { type: "boolean", short: "h" },
} as const;

/**
 * Parses `chat server`'s arguments (after the word `server`). Anything wrong (unknown flag,
 * positional, non-numeric or out-of-range value) is a UsageError naming the problem.
 */
export function parseServerArgs(args: string[]): Parsed<ServerOptions> {
  const { values, positionals } = parseStrict(args, OPTIONS, SERVER_USAGE);
  if (values.help === true) return { kind: "help" };
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}'`, SERVER_USAGE);
  }
  const text = (name: keyof typeof OPTIONS): string | undefined => {
    const value = values[name];
    return typeof value === "string" ? value : undefined;
  };
  const operators = operatorOptions(values.oper, text("opers"));
  const integer = (
    name: keyof typeof OPTIONS,
    fallback: number,
    bounds: { min: number; max: number } = COUNT,
  ): number => {
    const value = text(name);
    return value === undefined ? fallback : parseIntegerOption(name, value, bounds, SERVER_USAGE);
  };
  const host = text("host") ?? D.host;
  if (host.length === 0) throw new UsageError("--host must not be empty", SERVER_USAGE);
  const tlsCert = text("tls-cert");
  const tlsKey = text("tls-key");
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    const [given, missing] = tlsCert === undefined ? ["key", "cert"] : ["cert", "key"];
    throw new UsageError(`--tls-${given} needs --tls-${missing} too`, SERVER_USAGE);
  }
  if (tlsCert === "" || tlsKey === "") {
    throw new UsageError("--tls-cert and --tls-key must not be empty", SERVER_USAGE);
  }
  const db = text("db");
  if (db === "") throw new UsageError("--db must not be empty", SERVER_USAGE);
  if (db !== undefined && text("redis") !== undefined) {
    throw new UsageError(
      "--db and --redis exclude each other (Redis keeps the history)",
      SERVER_USAGE,
    );
  }
  return {
    kind: "run",
    options: {
      host,
      port: integer("port", D.port, { min: 0, max: 65535 }),
      listIntervalSeconds: integer("list-interval", D.listIntervalSeconds, SECONDS),
      maxClients: integer("max-clients", D.maxClients),
      maxMessageBytes: integer("max-message-bytes", D.maxMessageBytes, {
        min: 0,
        max: MAX_MESSAGE_LIMIT,
      }),
      sendqBytes: integer("sendq-bytes", D.sendqBytes),
      sendqSeconds: integer("sendq-seconds", D.sendqSeconds, SECONDS),
      loginTimeoutSeconds: integer("login-timeout", D.loginTimeoutSeconds, SECONDS),
      idleTimeoutSeconds: integer("idle-timeout", D.idleTimeoutSeconds, SECONDS),
      floodRate: integer("flood-rate", D.floodRate),
      floodBurst: integer("flood-burst", D.floodBurst),
      floodBytes: integer("flood-bytes", D.floodBytes),
      floodBytesBurst: integer("flood-bytes-burst", D.floodBytesBurst),
      roomBytes: integer("room-bytes", D.roomBytes),
      maxClientsPerIp: integer("max-clients-per-ip", D.maxClientsPerIp),
      ...(tlsCert === undefined ? {} : { tlsCert, tlsKey }),
      ...webOptions(text),
      ...ircOptions(text),
      ...(db === undefined ? {} : { db }),
      historyLines: integer("history-lines", D.historyLines ?? 0),
      historyDays: integer("history-days", D.historyDays ?? 0, HISTORY_DAYS),
      replay: integer("replay", D.replay ?? 0, REPLAY),
      ...operators,
      ...clusterOptions(text, integer),
      ...operationsOptions(text, integer),
    },
  };
}

/** The --web family: all absent, or a listen address with optional origins and proxies. */
function webOptions(
  text: (name: keyof typeof OPTIONS) => string | undefined,
): Partial<ServerOptions> {
  const web = text("web");
  if (web === undefined) {
    for (const flag of ["web-origin", "trusted-proxy"] as const) {
      if (text(flag) !== undefined) throw new UsageError(`--${flag} needs --web`, SERVER_USAGE);
    }
    return {};
  }
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d+)$/.exec(web);
  if (match === null) {
    throw new UsageError(`--web must be HOST:PORT (e.g. 0.0.0.0:8080), got '${web}'`, SERVER_USAGE);
  }
  const webHost = match[1] ?? match[2];
  const webPort = parseIntegerOption("web", match[3], { min: 0, max: 65535 }, SERVER_USAGE);
  const list = (name: keyof typeof OPTIONS) =>
    (text(name) ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
  const webOrigins = list("web-origin");
  for (const origin of webOrigins) {
    if (!isOrigin(origin)) {
      throw new UsageError(
        `--web-origin: '${origin}' is not an origin like https://chat.example.org`,
        SERVER_USAGE,
      );
    }
  }
  const trustedProxies = list("trusted-proxy");
  for (const range of trustedProxies) {
    try {
      parseCidr(range);
    } catch (error) {
      if (error instanceof CidrError) {
        throw new UsageError(`--trusted-proxy: ${error.message}`, SERVER_USAGE);
      }
      throw error;
    }
  }
  return { webHost, webPort, webOrigins, trustedProxies };
}

/** The --irc family: all absent, or a listen address with an optional channel and password. */
function ircOptions(
  text: (name: keyof typeof OPTIONS) => string | undefined,
): Partial<ServerOptions> {
  const irc = text("irc");
  if (irc === undefined) {
    for (const flag of ["irc-channel", "irc-password"] as const) {
      if (text(flag) !== undefined) throw new UsageError(`--${flag} needs --irc`, SERVER_USAGE);
    }
    return {};
  }
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d+)$/.exec(irc);
  if (match === null) {
    throw new UsageError(`--irc must be HOST:PORT (e.g. 0.0.0.0:6667), got '${irc}'`, SERVER_USAGE);
  }
  const ircHost = match[1] ?? match[2];
  const ircPort = parseIntegerOption("irc", match[3], { min: 0, max: 65535 }, SERVER_USAGE);
  const ircChannel = text("irc-channel");
  if (ircChannel !== undefined && !isIrcChannelName(ircChannel)) {
    throw new UsageError(
      `--irc-channel must be # and 1 to 49 characters without spaces, commas or colons, got '${ircChannel}'`,
      SERVER_USAGE,
    );
  }
  const ircPassword = text("irc-password");
  if (ircPassword !== undefined && !/^[^\s\0]+$/.test(ircPassword)) {
    throw new UsageError("--irc-password must be one word (no spaces)", SERVER_USAGE);
  }
  return {
    ircHost,
    ircPort,
    ...(ircChannel === undefined ? {} : { ircChannel }),
    ...(ircPassword === undefined ? {} : { ircPassword }),
  };
}

/** `scheme://host[:port]` exactly as a browser sends it in `Origin`. */
function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === text;
  } catch {
    return false;
  }
}

/** `--oper NAME:HASH` (each checked now, so a typo is a usage error) and `--opers FILE`. */
function operatorOptions(
  entries: unknown,
  file: string | undefined,
): Pick<ServerOptions, "operators" | "operatorsFile"> {
  const list = Array.isArray(entries) ? entries.map(String) : [];
  list.forEach((entry, i) => {
    try {
      parseOperatorEntry(entry, `--oper #${i + 1}`);
    } catch (error) {
      if (error instanceof OperatorEntryError) throw new UsageError(error.message, SERVER_USAGE);
      throw error;
    }
  });
  if (file === "") throw new UsageError("--opers must not be empty", SERVER_USAGE);
  return {
    ...(list.length === 0 ? {} : { operators: list }),
    ...(file === undefined ? {} : { operatorsFile: file }),
  };
}

/** Bounds for --history-days (a million days is beyond any clock). */
const HISTORY_DAYS = { min: 0, max: 1_000_000 };
/** Bounds for --replay. */
const REPLAY = { min: 0, max: 1000 };

/** --metrics, --log-format and --drain-seconds: absent unless given. */
function operationsOptions(
  text: (name: keyof typeof OPTIONS) => string | undefined,
  integer: (name: keyof typeof OPTIONS, fallback: number, bounds: typeof COUNT) => number,
): Partial<ServerOptions> {
  const out: Partial<ServerOptions> = {};
  const metrics = text("metrics");
  if (metrics !== undefined) out.metrics = parseHostPort("--metrics", metrics);
  const format = text("log-format");
  if (format !== undefined) {
    const known = LOG_FORMATS.find((f) => f === format);
    if (known === undefined) {
      throw new UsageError(
        `--log-format must be ${LOG_FORMATS.join(" or ")}, not '${format}'`,
        SERVER_USAGE,
      );
    }
    out.logFormat = known;
  }
  if (text("drain-seconds") !== undefined) out.drainSeconds = integer("drain-seconds", 0, SECONDS);
  return out;
}

/** `HOST:PORT` or `[IPv6]:PORT`, with a port from 0 to 65535. */
export function parseHostPort(flag: string, value: string): { hostname: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) {
    throw new UsageError(
      `${flag} takes HOST:PORT (like 127.0.0.1:9100 or [::1]:9100), not '${value}'`,
      SERVER_USAGE,
    );
  }
  return { hostname: match[1] ?? match[2], port };
}

/** Bounds for --presence-timeout, in seconds. */
const PRESENCE_SECONDS = { min: 1, max: 3600 };

/** The --redis family: all absent, or a valid Redis address with optional cluster settings. */
function clusterOptions(
  text: (name: keyof typeof OPTIONS) => string | undefined,
  integer: (name: keyof typeof OPTIONS, fallback: number, bounds: typeof COUNT) => number,
): Partial<ServerOptions> {
  const redis = text("redis");
  if (redis === undefined) {
    for (const flag of ["instance-id", "cluster-room", "presence-timeout"] as const) {
      if (text(flag) !== undefined) {
        throw new UsageError(`--${flag} needs --redis`, SERVER_USAGE);
      }
    }
    return {};
  }
  const instanceId = text("instance-id");
  const clusterRoom = text("cluster-room");
  try {
    checkClusterOptions({ redis, instanceId, clusterRoom });
  } catch (error) {
    if (error instanceof ClusterOptionError) throw new UsageError(error.message, SERVER_USAGE);
    throw error;
  }
  return {
    redis,
    ...(instanceId === undefined ? {} : { instanceId }),
    ...(clusterRoom === undefined ? {} : { clusterRoom }),
    presenceTimeoutSeconds: integer(
      "presence-timeout",
      DEFAULT_PRESENCE_TIMEOUT_SECONDS,
      PRESENCE_SECONDS,
    ),
  };
}
