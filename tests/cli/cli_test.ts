/**
 * The `chat` command line end to end: `deno run --allow-net main.ts ...` as a subprocess, the
 * way a user runs it. Usage errors exit 2 with the message and a pointer to the help; help and
 * version exit 0 on stdout; runtime failures exit 1 with one line and no stack trace.
 */

import assert from "node:assert/strict";
import { CLIENT_USAGE } from "../../cli/client_args.ts";
import { MAIN_USAGE } from "../../cli/main_usage.ts";
import { SERVER_USAGE } from "../../cli/server_args.ts";
import { VERSION } from "../../cli/version.ts";
import { main, type MainOutput } from "../../main.ts";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { ChatProcess } from "../../kit/chat_process.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `chat args...` from source with the binary's permissions; stdin is empty. */
async function chat(...args: string[]): Promise<Run> {
  const process = new ChatProcess(sourceCommand(), args, "null");
  const code = await process.exited();
  return { code, stdout: process.stdout.text, stderr: process.stderr.text };
}

/** The help each usage text points to after an error. */
const HINTS = new Map([
  [MAIN_USAGE, "Try 'chat --help'."],
  [SERVER_USAGE, "Try 'chat server --help'."],
  [CLIENT_USAGE, "Try 'chat client --help'."],
]);

/**
 * A usage error: exit 2, nothing on stdout, on stderr exactly two lines: the message, then where
 * the misused command's help is (git's and ripgrep's habit, not the whole usage text).
 */
function assertUsageError(run: Run, message: RegExp, usage: string): void {
  assert.deepEqual(run.code, 2, `expected exit 2, stderr: ${run.stderr}`);
  assert.deepEqual(run.stdout, "");
  const lines = run.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 2, run.stderr);
  assert.match(lines[0], /^chat: /);
  assert.match(lines[0], message);
  assert.equal(lines[1], HINTS.get(usage));
}

/** A runtime failure: exit 1, exactly one line on stderr, no stack trace. */
function assertOneLineFailure(run: Run, message: RegExp): void {
  assert.deepEqual(run.code, 1, `expected exit 1, stderr: ${run.stderr}`);
  const lines = run.stderr.split("\n").filter((line) => line.trim() !== "");
  assert.deepEqual(lines.length, 1, `expected one line, got:\n${run.stderr}`);
  assert.match(lines[0], /^chat: /);
  assert.match(lines[0], message);
  assert.ok(!/\bat .+:\d+:\d+/.test(run.stderr), "no stack trace");
}

/** A port nobody listens on: bound and released, so connecting is refused. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("chat with no command prints the usage and exits 2", async () => {
  assertUsageError(await chat(), /missing command/, MAIN_USAGE);
});

Deno.test("chat with an unknown command or option exits 2 naming it", async () => {
  assertUsageError(await chat("serve"), /unknown command 'serve'/, MAIN_USAGE);
  assertUsageError(await chat("--verbose"), /unknown option '--verbose'/, MAIN_USAGE);
  assertUsageError(await chat("help", "nope"), /unknown command 'nope'/, MAIN_USAGE);
});

Deno.test("chat server usage errors exit 2 with the message and the server usage", async () => {
  assertUsageError(await chat("server", "--bogus"), /unknown option --bogus/, SERVER_USAGE);
  assertUsageError(await chat("server", "--port", "http"), /--port.*'http'/, SERVER_USAGE);
  assertUsageError(await chat("server", "--port", "70000"), /--port.*'70000'/, SERVER_USAGE);
  assertUsageError(await chat("server", "--max-clients=-1"), /--max-clients/, SERVER_USAGE);
  assertUsageError(await chat("server", "--flood-rate", "-3"), /--flood-rate/, SERVER_USAGE);
});

Deno.test("chat client usage errors exit 2 with the message and the client usage", async () => {
  assertUsageError(await chat("client", "--bogus"), /^chat: unknown option --bogus$/, CLIENT_USAGE);
  assertUsageError(
    await chat("client", "--json=yes"),
    /^chat: --json takes no value$/,
    CLIENT_USAGE,
  );
  assertUsageError(await chat("client", "--once"), /^chat: --once needs a value$/, CLIENT_USAGE);
  assertUsageError(await chat("client", "--port", "x1"), /--port.*'x1'/, CLIENT_USAGE);
  assertUsageError(
    await chat("client", "localhost", "zed", "bob"),
    /^chat: PORT 'zed' is not a number$/,
    CLIENT_USAGE,
  );
  assertUsageError(await chat("client", "localhost", "99999", "bob"), /99999/, CLIENT_USAGE);
  assertUsageError(await chat("client", "--bell", "loud"), /--bell must be one of/, CLIENT_USAGE);
  assertUsageError(await chat("client", "--rate", "-1"), /--rate/, CLIENT_USAGE);
});

Deno.test("a piped client without a name is a usage error (exit 2)", async () => {
  assertUsageError(await chat("client", "127.0.0.1", "5000"), /missing NAME/, CLIENT_USAGE);
});

Deno.test("--help prints each usage on stdout and exits 0", async () => {
  for (
    const [args, usage] of [
      [["--help"], MAIN_USAGE],
      [["-h"], MAIN_USAGE],
      [["help"], MAIN_USAGE],
      [["server", "--help"], SERVER_USAGE],
      [["help", "server"], SERVER_USAGE],
      [["client", "--help"], CLIENT_USAGE],
      [["client", "-h"], CLIENT_USAGE],
    ] as const
  ) {
    const run = await chat(...args);
    assert.deepEqual(run.code, 0, `chat ${args.join(" ")}: ${run.stderr}`);
    assert.deepEqual(run.stdout.trim(), usage.trim());
    assert.deepEqual(run.stderr, "");
  }
});

Deno.test("--version and -V print the version line and exit 0", async () => {
  for (const flag of ["--version", "-V"]) {
    const run = await chat(flag);
    assert.deepEqual(run.code, 0);
    assert.match(run.stdout.trim(), /^chat \d+\.\d+\.\d+ \(deno \d+\.\d+\.\d+/);
  }
  assertUsageError(await chat("--version", "now"), /unexpected argument 'now'/, MAIN_USAGE);
});

Deno.test("a server on a port in use exits 1 with one line naming the address", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const run = await chat("server", "--host", "127.0.0.1", "--port", String(port));
  assertOneLineFailure(run, new RegExp(`127\\.0\\.0\\.1:${port}.*address already in use`));
});

Deno.test("a client whose server refuses the connection exits 1 with one line", async () => {
  const port = closedPort();
  const run = await chat("client", "127.0.0.1", String(port), "bob");
  assertOneLineFailure(run, new RegExp(`127\\.0\\.0\\.1:${port}.*connection refused`));
});

/** Keeps what main writes, for the in-process tests. */
function recorder(): MainOutput & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (text) => stdout.push(text), err: (text) => stderr.push(text) };
}

Deno.test("main() returns 2 and points to the help for bad command lines (in process)", async () => {
  for (const args of [[], ["x"], ["-q"], ["server", "--port", "-1"], ["client", "--nope"]]) {
    const output = recorder();
    assert.deepEqual(await main(args, output), 2, args.join(" "));
    assert.deepEqual(output.stdout, []);
    assert.match(output.stderr.join("\n"), /^chat: .+\nTry 'chat( \w+)? --help'\.$/);
  }
});

Deno.test("main() prints help and version without touching the network (in process)", async () => {
  for (
    const [args, expected] of [
      [["--help"], MAIN_USAGE],
      [["help", "client"], CLIENT_USAGE],
      [["server", "-h"], SERVER_USAGE],
    ] as const
  ) {
    const output = recorder();
    assert.deepEqual(await main([...args], output), 0);
    assert.deepEqual(output.stdout, [expected]);
  }
  const output = recorder();
  assert.deepEqual(await main(["--version"], output), 0);
  assert.deepEqual(output.stdout, [`chat ${VERSION} (deno ${Deno.version.deno})`]);
});
