/**
 * `chat server` argument parsing: defaults, every option, help, and each kind of usage error.
 */

import assert from "node:assert/strict";
import { parseServerArgs, SERVER_USAGE } from "../../cli/server_args.ts";
import { UsageError } from "../../cli/usage.ts";
import { DEFAULT_SERVER_OPTIONS } from "../../server/options.ts";

function run(args: string[]) {
  const parsed = parseServerArgs(args);
  assert.equal(parsed.kind, "run");
  if (parsed.kind !== "run") throw new Error("unreachable");
  return parsed.options;
}

function usageError(args: string[], pattern: RegExp): void {
  assert.throws(
    () => parseServerArgs(args),
    (error: unknown) =>
      error instanceof UsageError && pattern.test(error.message) && error.usage === SERVER_USAGE,
    `expected a usage error matching ${pattern} for ${JSON.stringify(args)}`,
  );
}

Deno.test("no arguments: the protocol's defaults", () => {
  assert.deepEqual(run([]), { ...DEFAULT_SERVER_OPTIONS });
});

Deno.test("every option is read, in both --name value and --name=value forms", () => {
  const options = run([
    "--host",
    "127.0.0.1",
    "--port=0",
    "--list-interval",
    "5",
    "--max-clients",
    "3",
    "--max-message-bytes",
    "1024",
    "--sendq-bytes",
    "4096",
    "--login-timeout",
    "2",
    "--flood-rate",
    "0",
    "--flood-burst",
    "7",
    "--idle-timeout=90",
    "--sendq-seconds",
    "12",
    "--flood-bytes",
    "1000",
    "--flood-bytes-burst",
    "5000",
    "--room-bytes",
    "0",
  ]);
  assert.equal(options.host, "127.0.0.1");
  assert.equal(options.port, 0);
  assert.equal(options.listIntervalSeconds, 5);
  assert.equal(options.maxClients, 3);
  assert.equal(options.maxMessageBytes, 1024);
  assert.equal(options.sendqBytes, 4096);
  assert.equal(options.loginTimeoutSeconds, 2);
  assert.equal(options.floodRate, 0);
  assert.equal(options.floodBurst, 7);
  assert.equal(options.idleTimeoutSeconds, 90);
  assert.equal(options.sendqSeconds, 12);
  assert.equal(options.floodBytes, 1000);
  assert.equal(options.floodBytesBurst, 5000);
  assert.equal(options.roomBytes, 0);
});

Deno.test("--help and -h ask for the usage", () => {
  assert.deepEqual(parseServerArgs(["--help"]), { kind: "help" });
  assert.deepEqual(parseServerArgs(["-h"]), { kind: "help" });
  assert.deepEqual(parseServerArgs(["--port", "1", "-h"]), { kind: "help" });
});

Deno.test("the usage lists every option with its default", () => {
  const d = DEFAULT_SERVER_OPTIONS;
  const expected: [string, number | string][] = [
    ["--host", d.host],
    ["--port", d.port],
    ["--list-interval", d.listIntervalSeconds],
    ["--max-clients", d.maxClients],
    ["--max-message-bytes", d.maxMessageBytes],
    ["--sendq-bytes", d.sendqBytes],
    ["--login-timeout", d.loginTimeoutSeconds],
    ["--idle-timeout", d.idleTimeoutSeconds],
    ["--flood-rate", d.floodRate],
    ["--flood-burst", d.floodBurst],
    ["--sendq-seconds", d.sendqSeconds],
    ["--flood-bytes", d.floodBytes],
    ["--flood-bytes-burst", d.floodBytesBurst],
    ["--room-bytes", d.roomBytes],
  ];
  for (const [flag, value] of expected) {
    const at = SERVER_USAGE.indexOf(`  ${flag} `);
    assert.ok(at >= 0, `${flag} is listed`);
    const entry = SERVER_USAGE.slice(at, SERVER_USAGE.indexOf("\n  -", at + 1));
    assert.ok(entry.includes(`(default ${value})`), `${flag} shows its default: ${entry}`);
  }
});

Deno.test("unknown flags, positionals, bad numbers, out-of-range ports are usage errors", () => {
  usageError(["--bogus"], /--bogus/);
  usageError(["extra"], /unexpected argument 'extra'/);
  usageError(["--port", "http"], /--port must be a whole number, got 'http'/);
  usageError(["--port", "65536"], /--port must be between 0 and 65535/);
  usageError(["--port", "-1"], /--port/);
  usageError(["--max-clients", "-5"], /--max-clients/);
  usageError(["--flood-rate", "1.5"], /--flood-rate must be a whole number/);
  usageError(["--sendq-bytes", "1e6"], /--sendq-bytes must be a whole number/);
  usageError(["--sendq-seconds", "-1"], /--sendq-seconds/);
  usageError(["--flood-bytes", "lots"], /--flood-bytes must be a whole number/);
  usageError(["--room-bytes", "0.5"], /--room-bytes must be a whole number/);
  usageError(["--login-timeout", "99999999999"], /--login-timeout must be between/);
  usageError(["--idle-timeout", "1.5"], /--idle-timeout must be a whole number, got '1.5'/);
  usageError(["--idle-timeout", "2147484"], /--idle-timeout must be between 0 and 2147483/);
  usageError(["--idle-timeout", "-1"], /--idle-timeout/);
  usageError(["--host", ""], /--host must not be empty/);
  usageError(["--port"], /--port/);
});

Deno.test("--web HOST:PORT with its origins and trusted proxies", () => {
  assert.deepEqual(
    run([
      "--web",
      "127.0.0.1:8080",
      "--web-origin",
      "https://chat.example.org, http://localhost:3000",
      "--trusted-proxy",
      "10.0.0.0/8,::1",
    ]),
    {
      ...DEFAULT_SERVER_OPTIONS,
      webHost: "127.0.0.1",
      webPort: 8080,
      webOrigins: ["https://chat.example.org", "http://localhost:3000"],
      trustedProxies: ["10.0.0.0/8", "::1"],
    },
  );
  assert.deepEqual(run(["--web", "[::]:0"]), {
    ...DEFAULT_SERVER_OPTIONS,
    webHost: "::",
    webPort: 0,
    webOrigins: [],
    trustedProxies: [],
  });
});

Deno.test("--web mistakes are usage errors", () => {
  usageError(["--web", "8080"], /--web must be HOST:PORT/);
  usageError(["--web", "localhost:99999"], /--web must be between 0 and 65535/);
  usageError(["--web-origin", "https://a.example"], /--web-origin needs --web/);
  usageError(["--trusted-proxy", "10.0.0.0/8"], /--trusted-proxy needs --web/);
  usageError(["--web", ":8080"], /--web must be HOST:PORT/);
  usageError(
    ["--web", "0.0.0.0:8080", "--web-origin", "https://a.example/path"],
    /--web-origin: 'https:\/\/a.example\/path' is not an origin/,
  );
  usageError(
    ["--web", "0.0.0.0:8080", "--trusted-proxy", "10.0.0.0/40"],
    /--trusted-proxy: '10.0.0.0\/40' is not an address range/,
  );
});

Deno.test("--irc HOST:PORT with --irc-channel and --irc-password; both need --irc", () => {
  const options = run(["--irc", "127.0.0.1:6667", "--irc-channel", "#lobby", "--irc-password=s3"]);
  assert.equal(options.ircHost, "127.0.0.1");
  assert.equal(options.ircPort, 6667);
  assert.equal(options.ircChannel, "#lobby");
  assert.equal(options.ircPassword, "s3");
  assert.equal(run(["--irc", "[::1]:0"]).ircHost, "::1");
  assert.equal(run([]).ircPort, undefined, "off by default");
  usageError(["--irc", "6667"], /--irc must be HOST:PORT/);
  usageError(["--irc", "h:70000"], /--irc/);
  usageError(["--irc", "h:1", "--irc-channel", "lobby"], /--irc-channel must be #/);
  usageError(["--irc", "h:1", "--irc-channel", "#a b"], /--irc-channel must be #/);
  usageError(["--irc", "h:1", "--irc-password", "two words"], /--irc-password must be one word/);
  usageError(["--irc-channel", "#x"], /--irc-channel needs --irc/);
  usageError(["--irc-password", "x"], /--irc-password needs --irc/);
});

Deno.test("--metrics HOST:PORT, --log-format and --drain-seconds are read", () => {
  const options = run([
    "--metrics",
    "127.0.0.1:9100",
    "--log-format",
    "json",
    "--drain-seconds",
    "30",
  ]);
  assert.deepEqual(options.metrics, { hostname: "127.0.0.1", port: 9100 });
  assert.equal(options.logFormat, "json");
  assert.equal(options.drainSeconds, 30);
  assert.deepEqual(run(["--metrics", "[::1]:0"]).metrics, { hostname: "::1", port: 0 });
  assert.equal(run([]).metrics, undefined, "off by default");
});

Deno.test("bad --metrics, --log-format and --drain-seconds values are usage errors", () => {
  usageError(["--metrics", "9100"], /--metrics takes HOST:PORT/);
  usageError(["--metrics", "localhost:70000"], /--metrics takes HOST:PORT/);
  usageError(["--metrics", "::1:9100"], /--metrics takes HOST:PORT/);
  usageError(["--log-format", "xml"], /--log-format must be text or json, not 'xml'/);
  usageError(["--drain-seconds", "-1"], /drain-seconds/);
});
