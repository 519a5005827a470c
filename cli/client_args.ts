/**
 * The command line of `chat client`.
 * @module
 */

import { checkUsername } from "../protocol/mod.ts";
import {
  type BellMode,
  type ClientOptions,
  type ColorMode,
  DEFAULT_CLIENT_OPTIONS,
} from "../client/options.ts";
import { MAX_KEEPALIVE_SECONDS } from "../client/keepalive.ts";
import {
  type OptionSpec,
  type Parsed,
  parseIntegerOption,
  parseStrict,
  UsageError,
} from "./usage.ts";

/** What `chat client --help` prints. */
export const CLIENT_USAGE = `Usage: chat client [HOST] [PORT] [NAME] [options]
       chat client HOST:PORT [NAME] [options]

Connects to a chat server and chats. On a terminal: a line editor with colors. With a pipe on
stdin or stdout (scripting mode): each input line is sent as one message, each received message
or notice is printed as one line, and the client exits when the input ends and all was sent.
HOST may carry the port: example.org:5000, [::1]:5000.

Options (they win over the positional arguments):
  --host HOST            server address (default 127.0.0.1)
  --port PORT            server port, 1-65535 (default 5000)
  --name NAME            the name to log in with (asked for on a terminal if missing)
  --tls                  connect with TLS and verify the server's certificate
  --ca FILE              also trust the CA certificate(s) in this PEM file (needs --tls),
                         for a server with a self-signed certificate (see: chat cert --help)
  --connect-timeout SECONDS
                         give up on a connection attempt when the TCP connect, the TLS
                         handshake and the server's answer to the login take longer than
                         SECONDS together (default 10; fractions allowed, e.g. 2.5)
  --keepalive SECONDS    once logged in, send a keepalive after SECONDS without sending
                         anything, so idle timeouts of the server, a load balancer or a
                         NAT do not cut a quiet user (default 30; 0 turns it off)
  --reconnect            connect again with backoff (0.5 s doubling to 30 s) when the
                         connection drops; lines typed meanwhile are sent after the login
  --rate N               send at most N messages a second, so the server's flood limit
                         (10 a second by default) never drops a pasted or piped line
                         (default 8; 0 turns pacing off)
  --color WHEN           auto, always or never (default auto: off when NO_COLOR is set or
                         stdout is not a terminal)
  --no-color             the same as --color never
  --bell WHEN            ring the terminal bell: never, mention (a line that names you) or
                         always (every line from someone else) (default mention)
  -h, --help             show this text

Scripting mode:
  --json                 print one JSON object a line (an error on a terminal), e.g.
                         {"time": ISO-8601, "type": "chat", "from": NAME, "text": ...};
                         types: chat, notice, history, action, error, status (see README)
  --once TEXT            log in, send TEXT, wait until it is written, exit; the welcome is
                         not printed
  --stay                 when the input has ended (or --once was sent), keep printing what
                         arrives until the server closes the connection or Ctrl-C/SIGTERM

Commands while chatting: /help, /users, /msg NAME TEXT, /me TEXT, /clear, /quit
(and //text to send "/text").
Exit codes: 0 clean exit, 1 refused login, lost or unreachable server, 2 usage error.`;

const OPTIONS: OptionSpec = {
  host: { type: "string" },
  port: { type: "string" },
  name: { type: "string" },
  json: { type: "boolean" },
  once: { type: "string" },
  stay: { type: "boolean" },
  rate: { type: "string" },
  reconnect: { type: "boolean" },
  color: { type: "string" },
  "no-color": { type: "boolean" },
  bell: { type: "string" },
  tls: { type: "boolean" },
  ca: { type: "string" },
  "connect-timeout": { type: "string" },
  keepalive: { type: "string" },
  help: { type: "boolean", short: "h" },
};

const COLOR_MODES: readonly ColorMode[] = ["auto", "always", "never"];
const BELL_MODES: readonly BellMode[] = ["never", "mention", "always"];

/** The most messages a second `--rate` accepts. */
const MAX_RATE = 10_000;

/**
 * Parses `chat client` arguments: `[HOST] [PORT] [NAME]` (or `HOST:PORT [NAME]`) positionals,
 * flags winning over them. Every mistake is a UsageError naming it, so `main` exits 2.
 */
export function parseClientArgs(args: string[]): Parsed<ClientOptions> {
  const { values, positionals } = parseStrict(args, OPTIONS, CLIENT_USAGE);
  if (values.help === true) return { kind: "help" };
  const { hostArg, portArg, nameArg } = splitPositionals(positionals);
  const host = stringValue(values.host) ?? hostArg ?? DEFAULT_CLIENT_OPTIONS.host;
  if (host.length === 0) throw new UsageError("--host must not be empty", CLIENT_USAGE);
  const portFlag = stringValue(values.port);
  const port = portFlag !== undefined
    ? parseIntegerOption("port", portFlag, PORT_BOUNDS, CLIENT_USAGE)
    : portArg !== undefined
    ? positionalPort(portArg)
    : DEFAULT_CLIENT_OPTIONS.port;
  const rawName = stringValue(values.name) ?? nameArg;
  let name: string | undefined;
  if (rawName !== undefined) {
    const check = checkUsername(rawName);
    if (!check.ok) throw new UsageError(`--name: ${check.error.message}`, CLIENT_USAGE);
    name = check.name;
  }
  const caFile = stringValue(values.ca);
  if (caFile !== undefined && values.tls !== true) {
    throw new UsageError("--ca needs --tls", CLIENT_USAGE);
  }
  if (caFile === "") throw new UsageError("--ca must not be empty", CLIENT_USAGE);
  const once = stringValue(values.once);
  if (once !== undefined && once.trim().length === 0) {
    throw new UsageError("--once needs a message to send, got an empty one", CLIENT_USAGE);
  }
  const rate = stringValue(values.rate);
  return {
    kind: "run",
    options: {
      host,
      port,
      name,
      json: values.json === true,
      once,
      stay: values.stay === true,
      reconnect: values.reconnect === true,
      color: colorMode(values),
      bell: bellMode(stringValue(values.bell)),
      connectTimeoutMs: connectTimeoutMs(stringValue(values["connect-timeout"])),
      keepaliveMs: keepaliveMs(stringValue(values.keepalive)),
      sendRate: rate === undefined
        ? DEFAULT_CLIENT_OPTIONS.sendRate
        : parseIntegerOption("rate", rate, { min: 0, max: MAX_RATE }, CLIENT_USAGE),
      ...(values.tls === true ? { tls: caFile === undefined ? {} : { caFile } } : {}),
    },
  };
}

const PORT_BOUNDS = { min: 1, max: 65535 };

/**
 * The positionals as HOST, PORT and NAME. The first may carry the port (`example.org:5000`,
 * `[::1]:5000`); then the second is the NAME. A bare IPv6 address (more than one colon and no
 * brackets) is a host without a port.
 */
function splitPositionals(
  positionals: string[],
): { hostArg?: string; portArg?: string; nameArg?: string } {
  const [first, ...rest] = positionals;
  if (first === undefined) return {};
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(first);
  let hostArg = first;
  let portArg: string | undefined;
  if (bracketed !== null) {
    hostArg = bracketed[1];
    portArg = bracketed[2];
  } else if (first.split(":").length === 2) {
    [hostArg, portArg] = first.split(":");
  }
  if (hostArg.length === 0) {
    throw new UsageError(`HOST must not be empty, got '${first}'`, CLIENT_USAGE);
  }
  if (portArg === undefined) {
    if (rest.length > 2) throw tooMany(positionals, "HOST PORT NAME");
    return { hostArg, portArg: rest[0], nameArg: rest[1] };
  }
  if (portArg.length === 0) throw new UsageError(`PORT is missing after '${first}'`, CLIENT_USAGE);
  if (rest.length > 1) throw tooMany(positionals, "HOST:PORT NAME");
  return { hostArg, portArg, nameArg: rest[0] };
}

function tooMany(positionals: string[], expected: string): UsageError {
  return new UsageError(
    `too many arguments: expected at most ${expected}, got '${positionals.join(" ")}'`,
    CLIENT_USAGE,
  );
}

/** A port given as a positional: its errors name PORT, not an option the user did not type. */
function positionalPort(text: string): number {
  if (!/^\d+$/.test(text)) {
    throw new UsageError(`PORT '${text}' is not a number`, CLIENT_USAGE);
  }
  const port = Number(text);
  if (port < PORT_BOUNDS.min || port > PORT_BOUNDS.max) {
    throw new UsageError(`PORT must be between 1 and 65535, got '${text}'`, CLIENT_USAGE);
  }
  return port;
}

function bellMode(text: string | undefined): BellMode {
  if (text === undefined) return DEFAULT_CLIENT_OPTIONS.bell;
  if (!(BELL_MODES as readonly string[]).includes(text)) {
    throw new UsageError(
      `--bell must be one of ${BELL_MODES.join(", ")}, got '${text}'`,
      CLIENT_USAGE,
    );
  }
  return text as BellMode;
}

/** Bounds of --connect-timeout in seconds: a millisecond, up to what the runtime's timers can
 * wait (2^31 - 1 ms). */
const CONNECT_TIMEOUT_SECONDS = { min: 0.001, max: 2_147_483 };

/** `--connect-timeout SECONDS` (a plain decimal, fractions allowed) as whole milliseconds. */
function connectTimeoutMs(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CLIENT_OPTIONS.connectTimeoutMs;
  if (!/^(\d+(\.\d+)?|\.\d+)$/.test(text)) {
    throw new UsageError(
      `--connect-timeout must be a number of seconds such as 10 or 2.5, got '${text}'`,
      CLIENT_USAGE,
    );
  }
  const seconds = Number(text);
  const { min, max } = CONNECT_TIMEOUT_SECONDS;
  if (!(seconds >= min && seconds <= max)) {
    throw new UsageError(
      `--connect-timeout must be between ${min} and ${max} seconds, got '${text}'`,
      CLIENT_USAGE,
    );
  }
  return Math.round(seconds * 1000);
}

/** `--keepalive SECONDS` (whole seconds, 0 to a day; 0 turns it off) as milliseconds. */
function keepaliveMs(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CLIENT_OPTIONS.keepaliveMs;
  const bounds = { min: 0, max: MAX_KEEPALIVE_SECONDS };
  return parseIntegerOption("keepalive", text, bounds, CLIENT_USAGE) * 1000;
}

function colorMode(values: Record<string, string | boolean | undefined>): ColorMode {
  const color = stringValue(values.color);
  if (color !== undefined && !isColorMode(color)) {
    throw new UsageError(
      `--color must be one of ${COLOR_MODES.join(", ")}, got '${color}'`,
      CLIENT_USAGE,
    );
  }
  if (values["no-color"] === true) {
    if (color !== undefined && color !== "never") {
      throw new UsageError(`--no-color contradicts --color ${color}`, CLIENT_USAGE);
    }
    return "never";
  }
  return color ?? DEFAULT_CLIENT_OPTIONS.color;
}

function isColorMode(text: string): text is ColorMode {
  return (COLOR_MODES as readonly string[]).includes(text);
}

function stringValue(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}
