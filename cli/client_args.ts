/**
 * The command line of `chat client`.
 * @module
 */

import { checkUsername } from "../protocol/mod.ts";
import { type ClientOptions, type ColorMode, DEFAULT_CLIENT_OPTIONS } from "../client/options.ts";
import { MAX_KEEPALIVE_SECONDS } from "../client/keepalive.ts";
import {
  type OptionSpec,
  type Parsed,
  parseIntegerOption,
  parseStrict,
  UsageError,
} from "./usage.ts";

/** What `chat client --help` prints and what follows a client usage error. */
export const CLIENT_USAGE = `Usage: chat client [HOST] [PORT] [NAME] [options]

Connects to a chat server and chats. On a terminal: a line editor with colors. With a pipe on
stdin or stdout (scripting mode): each input line is sent as one message, each received message
or notice is printed as one line, and the client exits when the input ends and all was sent.

Options (they win over the positional arguments):
  --host HOST            server address (default 127.0.0.1)
  --port PORT            server port, 1-65535 (default 5000)
  --name NAME            the name to log in with (asked for on a terminal if missing)
  --json                 scripting mode prints one JSON object a line:
                         {"time": ISO-8601, "type": "chat"|"notice", "from": NAME|null, "text": ...}
  --once TEXT            log in, send TEXT, wait until it is written, exit
  --reconnect            connect again with backoff (0.5 s doubling to 30 s) when the
                         connection drops; lines typed meanwhile are sent after the login
  --color WHEN           auto, always or never (default auto: off when NO_COLOR is set or
                         stdout is not a terminal)
  --no-color             the same as --color never
  --tls                  connect with TLS and verify the server's certificate
  --ca FILE              also trust the CA certificate(s) in this PEM file (needs --tls),
                         for a server with a self-signed certificate
  --connect-timeout SECONDS
                         give up on a connection attempt when the TCP connect, the TLS
                         handshake and the server's answer to the login take longer than
                         SECONDS together (default 10; fractions allowed, e.g. 2.5)
  --keepalive SECONDS    once logged in, send a keepalive after SECONDS without sending
                         anything, so idle timeouts of the server, a load balancer or a
                         NAT do not cut a quiet user (default 30; 0 turns it off)
  -h, --help             show this text

Commands while chatting: /users, /msg NAME TEXT, /quit (and //text to send "/text").
Exit codes: 0 clean exit, 1 refused login, lost or unreachable server, 2 usage error.`;

const OPTIONS: OptionSpec = {
  host: { type: "string" },
  port: { type: "string" },
  name: { type: "string" },
  json: { type: "boolean" },
  once: { type: "string" },
  reconnect: { type: "boolean" },
  color: { type: "string" },
  "no-color": { type: "boolean" },
  tls: { type: "boolean" },
  ca: { type: "string" },
  "connect-timeout": { type: "string" },
  keepalive: { type: "string" },
  help: { type: "boolean", short: "h" },
};

const COLOR_MODES: readonly ColorMode[] = ["auto", "always", "never"];

/**
 * Parses `chat client` arguments: `[HOST] [PORT] [NAME]` positionals, flags winning over them.
 * Every mistake is a UsageError naming it, so `main` exits 2 with the usage.
 */
export function parseClientArgs(args: string[]): Parsed<ClientOptions> {
  const { values, positionals } = parseStrict(args, OPTIONS, CLIENT_USAGE);
  if (values.help === true) return { kind: "help" };
  if (positionals.length > 3) {
    throw new UsageError(
      `too many arguments: expected at most HOST PORT NAME, got '${positionals.join(" ")}'`,
      CLIENT_USAGE,
    );
  }
  const [hostArg, portArg, nameArg] = positionals;
  const host = stringValue(values.host) ?? hostArg ?? DEFAULT_CLIENT_OPTIONS.host;
  if (host.length === 0) throw new UsageError("--host must not be empty", CLIENT_USAGE);
  const portText = stringValue(values.port) ?? portArg;
  const port = portText === undefined
    ? DEFAULT_CLIENT_OPTIONS.port
    : parseIntegerOption("port", portText, { min: 1, max: 65535 }, CLIENT_USAGE);
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
  if (once !== undefined && once.length === 0) {
    throw new UsageError("--once needs a message to send, got an empty one", CLIENT_USAGE);
  }
  return {
    kind: "run",
    options: {
      host,
      port,
      name,
      json: values.json === true,
      once,
      reconnect: values.reconnect === true,
      color: colorMode(values),
      connectTimeoutMs: connectTimeoutMs(stringValue(values["connect-timeout"])),
      keepaliveMs: keepaliveMs(stringValue(values.keepalive)),
      ...(values.tls === true ? { tls: caFile === undefined ? {} : { caFile } } : {}),
    },
  };
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
