/**
 * `kill -9` of a real `chat server --db` process while a client chats at about 1,000 messages a
 * second: the file passes SQLite's integrity check, and after a restart the history holds every
 * message in order, missing at most the last batch.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { sourceCommand } from "../../../scripts/chat_process.ts";
import { type ChatServerProcess, startChatServer } from "../../../kit/chat_process.ts";
import { TestClient } from "../../helpers/wire.ts";

/** Messages the server may have received without having committed them: its last batch. */
const LAST_BATCH_ALLOWANCE = 100;

async function start(file: string): Promise<ChatServerProcess> {
  return await startChatServer(sourceCommand(), [
    "--db",
    file,
    "--flood-rate",
    "0",
    "--replay",
    "0",
  ]);
}

Deno.test("kill -9 while chatting at 1,000 messages/s: an intact file and every message up to the last batch", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-crash-" });
  const file = `${dir}/chat.db`;
  let server: ChatServerProcess | null = await start(file);
  const clients: TestClient[] = [];
  try {
    const addr = { hostname: "127.0.0.1", port: server.port };
    const alice = await TestClient.connect(addr);
    const bob = await TestClient.connect(addr);
    clients.push(alice, bob);
    await alice.login("alice");
    await bob.login("bob");
    await alice.waitForNotice("bob joined");

    // Ten messages every 10 ms, until bob has seen 1,500 of them; then kill -9 mid-stream.
    let sent = 0;
    let received = 0;
    let sending = true;
    const sender = (async () => {
      while (sending) {
        for (let i = 0; i < 10; i++) await alice.say(`m${sent++}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    while (received < 1500) {
      const frame = await bob.nextFrame();
      if (frame.username === "alice") {
        assert.equal(frame.message, `m${received}`);
        received++;
      }
    }
    await server.process.kill();
    server = null;
    sending = false;
    await sender.catch(() => {});
    await Promise.all(clients.splice(0).map((c) => c.close()));

    const db = new DatabaseSync(file);
    try {
      const check = db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
      assert.deepEqual(check.map((row) => row.integrity_check), ["ok"]);
    } finally {
      db.close();
    }

    server = await start(file);
    const carol = await TestClient.connect({ hostname: "127.0.0.1", port: server.port });
    clients.push(carol);
    await carol.login("carol");
    await carol.say("/history 1000");
    const lines: string[] = [];
    for (;;) {
      const frame = await carol.nextFrame();
      if (frame.message === "End of history") break;
      if (frame.message.startsWith("[history ")) lines.push(frame.message);
    }
    const numbers = lines.map((line) => Number(/<alice> m(\d+)$/.exec(line)?.[1]));
    const last = numbers[numbers.length - 1];
    assert.ok(last >= received - 1 - LAST_BATCH_ALLOWANCE, `kept up to m${last} of ${received}`);
    assert.ok(last < sent);
    assert.equal(numbers.length, 1000);
    numbers.forEach((n, i) => assert.equal(n, last - 999 + i, "in order, none missing"));

    const reopened = new DatabaseSync(file, { readOnly: true });
    try {
      const rows = reopened.prepare(
        "SELECT sum(count) AS n, count(*) AS batches, min(seq) AS lo, max(seq) AS hi FROM history",
      )
        .get() as { n: number; batches: number; lo: number; hi: number };
      assert.equal(rows.n, last + 1, "every message from m0 on");
      assert.equal(rows.hi - rows.lo + 1, rows.batches, "no batch missing");
    } finally {
      reopened.close();
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    if (server !== null) await server.process.interrupt();
    await Deno.remove(dir, { recursive: true });
  }
});
