import assert from "node:assert/strict";
import { CLIENT_USAGE, parseClientArgs } from "../../cli/client_args.ts";
import { UsageError } from "../../cli/usage.ts";
import { type ClientOptions, DEFAULT_CLIENT_OPTIONS } from "../../client/options.ts";

function run(args: string[]): ClientOptions {
  const parsed = parseClientArgs(args);
  assert.equal(parsed.kind, "run");
  if (parsed.kind !== "run") throw new Error("unreachable");
  return parsed.options;
}

function usageError(args: string[], pattern: RegExp): void {
  assert.throws(
    () => parseClientArgs(args),
    (error: unknown) => {
      assert.ok(error instanceof UsageError, `a UsageError for ${args.join(" ")}`);
      assert.match(error.message, pattern);
      assert.equal(error.usage, CLIENT_USAGE);
      assert.ok(!error.message.includes("\n"), "one line");
      return true;
    },
  );
}

Deno.test("no arguments gives the defaults", () => {
  assert.deepEqual(run([]), { ...DEFAULT_CLIENT_OPTIONS });
  assert.deepEqual(run([]), {
    host: "127.0.0.1",
    port: 5000,
    name: undefined,
    json: false,
    once: undefined,
    stay: false,
    reconnect: false,
    color: "auto",
    bell: "mention",
    connectTimeoutMs: 10_000,
    keepaliveMs: 30_000,
    sendRate: 8,
  });
});

Deno.test("positionals are HOST PORT NAME; flags win over them", () => {
  const positional = run(["chat.example", "6000", "alice"]);
  assert.deepEqual([positional.host, positional.port, positional.name], [
    "chat.example",
    6000,
    "alice",
  ]);
  const flags = run(["h1", "6000", "alice", "--host", "h2", "--port=7000", "--name", "bob"]);
  assert.deepEqual([flags.host, flags.port, flags.name], ["h2", 7000, "bob"]);
  const mixed = run(["--name", "bob", "h1"]);
  assert.deepEqual([mixed.host, mixed.port, mixed.name], ["h1", 5000, "bob"]);
});

Deno.test("scripting and color flags", () => {
  const options = run(["--json", "--once", "deploy done", "--reconnect", "--color", "always"]);
  assert.equal(options.json, true);
  assert.equal(options.once, "deploy done");
  assert.equal(options.reconnect, true);
  assert.equal(options.color, "always");
  assert.equal(run(["--no-color"]).color, "never");
  assert.equal(run(["--color=never", "--no-color"]).color, "never");
  assert.equal(run(["--color", "auto"]).color, "auto");
});

Deno.test("--help and -h ask for the usage", () => {
  assert.deepEqual(parseClientArgs(["--help"]), { kind: "help" });
  assert.deepEqual(parseClientArgs(["-h", "--port", "nope"]), { kind: "help" });
  assert.match(CLIENT_USAGE, /--reconnect/);
  assert.match(CLIENT_USAGE, /--json/);
  assert.match(CLIENT_USAGE, /--connect-timeout SECONDS\s+give up .*\(default 10;/s);
});

Deno.test("--connect-timeout takes seconds, fractions allowed, and keeps milliseconds", () => {
  const cases: [string, number][] = [
    ["10", 10_000],
    ["0.5", 500],
    ["2.5", 2500],
    [".25", 250],
    ["007", 7000],
    ["0.001", 1],
    ["1.2346", 1235],
    ["2147483", 2_147_483_000],
  ];
  for (const [text, ms] of cases) {
    assert.equal(run(["--connect-timeout", text]).connectTimeoutMs, ms, text);
  }
  assert.equal(run(["--connect-timeout=3"]).connectTimeoutMs, 3000);
  assert.equal(run(["h", "1", "n", "--connect-timeout", "1"]).connectTimeoutMs, 1000);
});

Deno.test("a bad --connect-timeout is a one-line usage error", () => {
  for (const bad of ["abc", "", "1e3", "1.", "1,5", " 1", "0x10", "Infinity", "NaN", "+1"]) {
    usageError(
      ["--connect-timeout", bad],
      new RegExp(`^--connect-timeout must be a number of seconds such as 10 or 2\\.5, got '`),
    );
  }
  for (const bad of ["0", "0.0", "0.0009", "2147484", "99999999999999999999"]) {
    usageError(
      ["--connect-timeout", bad],
      new RegExp(`^--connect-timeout must be between 0\\.001 and 2147483 seconds, got '${bad}'$`),
    );
  }
  usageError(["--connect-timeout", "-1"], /--connect-timeout needs a value/);
  usageError(["--connect-timeout"], /connect-timeout/);
});

Deno.test("--keepalive takes whole seconds from 0 (off) to a day, kept in milliseconds", () => {
  const cases: [string, number][] = [["30", 30_000], ["0", 0], ["1", 1000], ["007", 7000], [
    "86400",
    86_400_000,
  ]];
  for (const [text, ms] of cases) {
    assert.equal(run(["--keepalive", text]).keepaliveMs, ms, text);
  }
  assert.equal(run(["--keepalive=5"]).keepaliveMs, 5000);
  assert.equal(run(["h", "1", "n", "--keepalive", "0"]).keepaliveMs, 0);
  assert.match(
    CLIENT_USAGE,
    /--keepalive SECONDS\s+once logged in, send a keepalive .*\(default 30;/s,
  );
});

Deno.test("a bad --keepalive is a one-line usage error", () => {
  for (const bad of ["abc", "", "1.5", "1e3", " 1", "0x10", "+1", "30s"]) {
    usageError(["--keepalive", bad], new RegExp(`^--keepalive must be a whole number, got '`));
  }
  for (const bad of ["86401", "99999999999999999999"]) {
    usageError(
      ["--keepalive", bad],
      new RegExp(`^--keepalive must be between 0 and 86400, got '${bad}'$`),
    );
  }
  usageError(["--keepalive", "-1"], /--keepalive needs a value/);
  usageError(["--keepalive"], /keepalive/);
});

Deno.test("mistakes are one-line usage errors naming the problem", () => {
  usageError(["a", "1", "b", "c"], /too many arguments/);
  usageError(["--port", "abc"], /--port must be a whole number, got 'abc'/);
  usageError(["localhost", "70000"], /^PORT must be between 1 and 65535, got '70000'$/);
  usageError(["localhost", "zed"], /^PORT 'zed' is not a number$/);
  usageError(["localhost:zed"], /^PORT 'zed' is not a number$/);
  usageError(["localhost:"], /^PORT is missing after 'localhost:'$/);
  usageError([":5000"], /^HOST must not be empty/);
  usageError(["h:1", "alice", "extra"], /too many arguments: expected at most HOST:PORT NAME/);
  usageError(["--bogus"], /^unknown option --bogus$/);
  usageError(["--json=1"], /^--json takes no value$/);
  usageError(["--host"], /^--host needs a value$/);
  usageError(["--bell", "loud"], /^--bell must be one of never, mention, always, got 'loud'$/);
  usageError(["--rate", "1.5"], /^--rate must be a whole number, got '1.5'$/);
  usageError(["--port", "0"], /--port must be between 1 and 65535/);
  usageError(["--port", "-1"], /--port/);
  usageError(["--bogus"], /bogus/);
  usageError(["--name"], /name/);
  usageError(["--color", "purple"], /--color must be one of auto, always, never, got 'purple'/);
  usageError(["--no-color", "--color", "always"], /--no-color contradicts --color always/);
  usageError(["--name", "has space"], /--name: invalid name: .*whitespace/);
  usageError(["h", "1", "/slash"], /--name: invalid name: .*'\/'/);
  usageError(["--host", ""], /--host must not be empty/);
  usageError(["--once", ""], /--once needs a message/);
});

Deno.test("HOST:PORT and [IPv6]:PORT as the first positional; the NAME follows", () => {
  const pick = (o: ClientOptions) => [o.host, o.port, o.name];
  assert.deepEqual(pick(run(["chat.example:6000", "alice"])), ["chat.example", 6000, "alice"]);
  assert.deepEqual(pick(run(["[::1]:6000", "bob"])), ["::1", 6000, "bob"]);
  assert.deepEqual(pick(run(["[::1]"])), ["::1", 5000, undefined]);
  assert.deepEqual(pick(run(["::1", "6000", "carol"])), ["::1", 6000, "carol"]);
  assert.deepEqual(pick(run(["h:6000", "--port", "7000"])), ["h", 7000, undefined]);
});

Deno.test("--stay, --rate and --bell", () => {
  const options = run(["--stay", "--rate", "0", "--bell", "always"]);
  assert.deepEqual([options.stay, options.sendRate, options.bell], [true, 0, "always"]);
  assert.equal(run(["--rate", "50"]).sendRate, 50);
});

Deno.test("a name is normalized to NFC like the server does", () => {
  assert.equal(run(["--name", "Jose\u0301"]).name, "Jos\u00e9");
});
