/** kit/chat_process.ts: a child process with line-by-line output that can never hang a test. */

import assert from "node:assert/strict";
import { ChatProcess, ProcessTimeoutError } from "../../kit/chat_process.ts";

const EVAL = [Deno.execPath(), "eval"];

Deno.test("exited returns the exit code once all output is read", async () => {
  const process = new ChatProcess(
    EVAL,
    ["console.log('a\\nb'); console.error('c'); Deno.exit(3)"],
    "null",
  );
  assert.equal(await process.exited(), 3);
  assert.deepEqual(process.stdout.lines, ["a", "b"]);
  assert.equal(process.stderr.text, "c");
});

Deno.test("a process that outlives the timeout is killed and named in the error", async () => {
  const process = new ChatProcess(
    EVAL,
    ["await new Promise((r) => setTimeout(r, 60_000))"],
    "null",
  );
  await assert.rejects(process.exited(200), (error: unknown) => {
    assert.ok(error instanceof ProcessTimeoutError);
    assert.match(error.message, /still running after 200 ms/);
    return true;
  });
});

Deno.test("stdin lines reach the process; closing stdin ends its input", async () => {
  const script = "for await (const c of Deno.stdin.readable) await Deno.stdout.write(c);";
  const process = new ChatProcess(EVAL, [script], "piped");
  await process.write("one\ntwo\n");
  await process.stdout.waitFor((line) => line === "two", "the echo");
  await process.closeStdin();
  assert.equal(await process.exited(), 0);
  assert.deepEqual(process.stdout.lines, ["one", "two"]);
});

Deno.test("signal stops a running process; once it has exited, a signal is ignored", async () => {
  const process = new ChatProcess(
    EVAL,
    ["console.log('ready'); await new Promise((r) => setTimeout(r, 60_000))"],
    "null",
  );
  try {
    await process.stdout.waitFor((line) => line === "ready", "the ready line");
    process.signal("SIGTERM");
    assert.notEqual(await process.exited(), 0);
    process.signal("SIGTERM");
  } finally {
    await process.kill();
  }
});
