/**
 * `chat server --db FILE` through the real command line: a file it cannot use is one line on
 * stderr and exit 1, with the file left exactly as it was; option mistakes are usage errors.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { sourceCommand } from "../../../scripts/chat_process.ts";
import { ChatProcess } from "../../../kit/chat_process.ts";

async function serverWithDb(file: string, ...more: string[]) {
  const process = new ChatProcess(
    sourceCommand(),
    ["server", "--host", "127.0.0.1", "--port", "0", "--db", file, ...more],
    "null",
  );
  const code = await process.exited();
  return { code, stdout: process.stdout.text, stderr: process.stderr.text };
}

async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    files.set(entry.name, entry.isFile ? (await Deno.readFile(path)).join(",") : "dir");
  }
  return files;
}

Deno.test("chat server --db refuses a file it cannot use: one line, exit 1, file untouched", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-db-cli-" });
  try {
    const notes = `${dir}/notes.txt`;
    await Deno.writeTextFile(notes, "shopping list: eggs, milk\n".repeat(200));
    const newer = `${dir}/newer.db`;
    const db = new DatabaseSync(newer);
    db.exec("CREATE TABLE later (x); PRAGMA user_version = 7;");
    db.close();
    await Deno.mkdir(`${dir}/folder`);
    const cases: [string, RegExp][] = [
      [notes, /^chat: cannot open database .*notes\.txt: file is not a database$/],
      [newer, /^chat: cannot open database .*newer\.db: its schema version 7 is newer/],
      [`${dir}/folder`, /^chat: cannot open database .*folder: /],
      [`${dir}/no/such/dir.db`, /^chat: cannot open database .*dir\.db: unable to open/],
    ];
    for (const [file, pattern] of cases) {
      const before = await snapshot(dir);
      const run = await serverWithDb(file);
      assert.equal(run.code, 1, run.stderr);
      const lines = run.stderr.split("\n").filter((l) => l.trim() !== "");
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0], pattern);
      assert.doesNotMatch(run.stdout, /listening/);
      assert.deepEqual(await snapshot(dir), before, `${file} and its folder are untouched`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chat server: history options are checked like every other", async () => {
  for (
    const [args, pattern] of [
      [["--db", ""], /--db must not be empty/],
      [["--db", "x.db", "--redis", "redis://127.0.0.1:6379"], /--db and --redis exclude/],
      [["--history-lines", "-1"], /--history-lines/],
      [["--history-days", "lots"], /--history-days/],
      [["--replay", "1001"], /--replay/],
    ] as const
  ) {
    const process = new ChatProcess(sourceCommand(), ["server", ...args], "null");
    const code = await process.exited();
    assert.equal(code, 2, process.stderr.text);
    assert.match(process.stderr.text.split("\n")[0], pattern);
  }
});
