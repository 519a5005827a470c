import assert from "node:assert/strict";
import { CLIENT_USAGE, parseClientArgs } from "../cli/client_args.ts";
import { UsageError } from "../cli/usage.ts";
import { type ClientOptions, DEFAULT_CLIENT_OPTIONS } from "../client/options.ts";

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
    reconnect: false,
    color: "auto",
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
});

Deno.test("mistakes are one-line usage errors naming the problem", () => {
  usageError(["a", "1", "b", "c"], /too many arguments/);
  usageError(["--port", "abc"], /--port must be a whole number, got 'abc'/);
  usageError(["localhost", "70000"], /--port must be between 1 and 65535, got '70000'/);
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

Deno.test("a name is normalized to NFC like the server does", () => {
  assert.equal(run(["--name", "Jose\u0301"]).name, "Jos\u00e9");
});
