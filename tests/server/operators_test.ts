/**
 * Operators: scrypt hashes in their self-describing form, `chat hash-password` from a pipe (a
 * real process), the registry from `--oper` and `--opers FILE` with `reload()` keeping the old
 * set when the file breaks, and `chat server`'s operator options.
 */

import assert from "node:assert/strict";
import { parseServerArgs } from "../../cli/server_args.ts";
import { UsageError } from "../../cli/usage.ts";
import {
  hashPassword,
  parsePasswordHash,
  PasswordHashError,
  verifyPassword,
} from "../../server/moderation/password_hash.ts";
import { OperatorEntryError, OperatorRegistry } from "../../server/moderation/operators.ts";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { ChatProcess } from "../../kit/chat_process.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const FORM = /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/;

Deno.test(
  "password hashes: scrypt$N$r$p$salt$hash, a random salt, checked exactly",
  opts,
  async () => {
    const first = await hashPassword("s3cret pass");
    const second = await hashPassword("s3cret pass");
    assert.match(first, FORM);
    assert.notEqual(first, second, "a random salt each time");
    const parsed = parsePasswordHash(first);
    assert.equal(await verifyPassword("s3cret pass", parsed), true);
    assert.equal(await verifyPassword("s3cret pas", parsed), false);
    assert.equal(await verifyPassword("", parsed), false);
    for (
      const bad of [
        "",
        "bcrypt$1$2$3$AAAA$AAAA",
        "scrypt$16384$8$1$AAAA",
        "scrypt$1000$8$1$AAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "scrypt$16384$0$1$AAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "scrypt$16384$8$1$!!!!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "scrypt$16384$8$1$AAAAAAAA$AAAA",
        "scrypt$1048576$64$1$AAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      ]
    ) {
      assert.throws(() => parsePasswordHash(bad), PasswordHashError, bad);
    }
  },
);

Deno.test("chat hash-password reads the first line of a pipe and prints a hash", opts, async () => {
  const run = async (input: string) => {
    const process = new ChatProcess(sourceCommand(), ["hash-password"], "piped");
    await process.write(input);
    await process.closeStdin();
    const code = await process.exited();
    return { code, out: process.stdout.lines, err: process.stderr.text };
  };
  const ok = await run("pass word\nignored\n");
  assert.equal(ok.code, 0, ok.err);
  assert.equal(ok.out.length, 1);
  assert.match(ok.out[0], FORM);
  assert.equal(await verifyPassword("pass word", parsePasswordHash(ok.out[0])), true);
  assert.ok(!ok.err.includes("pass word"), "the password is never printed");
  const empty = await run("");
  assert.equal(empty.code, 1);
  assert.match(empty.err, /^chat: the password is empty$/m);
  const extra = new ChatProcess(sourceCommand(), ["hash-password", "now"], "null");
  assert.equal(await extra.exited(), 2);
  assert.match(extra.stderr.text, /unexpected argument 'now'[\s\S]*chat hash-password --help/);
});

Deno.test(
  "operators: --oper entries and a file; reload keeps the old set on failure",
  opts,
  async () => {
    const hash = await hashPassword("pw-a");
    const other = await hashPassword("pw-b");
    const file = await Deno.makeTempFile({ suffix: ".opers" });
    try {
      await Deno.writeTextFile(file, `# operators\n\nBob:${other}\n`);
      const registry = await OperatorRegistry.load({ entries: [`Alice:${hash}`], file });
      assert.equal(registry.size, 2);
      assert.equal(await registry.verify("alice", "pw-a"), true);
      assert.equal(await registry.verify("bob", "pw-b"), true);
      assert.equal(await registry.verify("bob", "pw-a"), false);
      assert.equal(await registry.verify("nobody", "pw-a"), false);

      await Deno.writeTextFile(file, `Bob:${other}\nCarol:not-a-hash\n`);
      const failed = await registry.reload();
      assert.equal(failed.ok, false);
      assert.match(failed.ok ? "" : failed.reason, /line 2: bad password hash/);
      assert.equal(await registry.verify("bob", "pw-b"), true, "the old set is kept");

      await Deno.writeTextFile(file, `Carol:${other}\n`);
      assert.deepEqual(await registry.reload(), { ok: true, count: 2 });
      assert.equal(await registry.verify("carol", "pw-b"), true);
      assert.equal(registry.has("bob"), false);

      await Deno.remove(file);
      const gone = await registry.reload();
      assert.match(gone.ok ? "" : gone.reason, /cannot read/);
      assert.equal(registry.has("carol"), true);
    } finally {
      await Deno.remove(file).catch(() => {});
    }
  },
);

Deno.test("chat server: --oper is checked when parsed; --opers names a file", async () => {
  const hash = await hashPassword("x");
  const parsed = parseServerArgs(["--oper", `alice:${hash}`, "--oper", `bob:${hash}`]);
  assert.equal(parsed.kind, "run");
  assert.deepEqual(parsed.kind === "run" ? parsed.options.operators : [], [
    `alice:${hash}`,
    `bob:${hash}`,
  ]);
  const withFile = parseServerArgs(["--opers", "ops.txt"]);
  assert.equal(withFile.kind === "run" ? withFile.options.operatorsFile : "", "ops.txt");
  for (
    const [args, message] of [
      [["--oper", "alice"], /--oper #1: expected NAME:HASH/],
      [["--oper", `al ice:${hash}`], /bad name/],
      [["--oper", "alice:scrypt$1$1$1$A$A"], /bad password hash/],
      [["--opers", ""], /--opers must not be empty/],
    ] as const
  ) {
    assert.throws(
      () => parseServerArgs([...args]),
      (e) => e instanceof UsageError && message.test(e.message),
    );
  }
  await assert.rejects(
    () => OperatorRegistry.load({ file: "/nonexistent/opers" }),
    (error) =>
      error instanceof OperatorEntryError &&
      error.message ===
        "operators file /nonexistent/opers: cannot read: No such file or directory",
  );
});

Deno.test("chat server with an operators file it cannot read: one line, exit 1", opts, async () => {
  const server = new ChatProcess(
    sourceCommand(),
    ["server", "--host", "127.0.0.1", "--port", "0", "--opers", "/nonexistent/opers"],
    "null",
  );
  assert.equal(await server.exited(), 1);
  assert.deepEqual(server.stderr.lines, [
    "chat: operators file /nonexistent/opers: cannot read: No such file or directory",
  ]);
  assert.deepEqual(server.stdout.lines, []);
});
