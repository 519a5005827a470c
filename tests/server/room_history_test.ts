/**
 * The room's history over real sockets: the replay after the welcome and before anything live,
 * shared bytes across a login storm, /me, /history, /search with hostile words, /help, and the
 * options that turn it off. Private messages are never kept.
 */

import assert from "node:assert/strict";
import { type Frame, parseHistoryLine } from "../../protocol/mod.ts";
import { SqliteStore } from "../../server/store/sqlite_store.ts";
import { ManualClock } from "../helpers/clock.ts";
import { withServer } from "../helpers/server.ts";
import type { TestClient } from "../helpers/wire.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const T = Date.UTC(2026, 11, 3, 12, 3, 11, 250);
const STAMP = "2026-12-03T12:03:11.250Z";

/** Frames up to and including `End of history` (the first must open the history). */
async function historyBlock(client: TestClient): Promise<string[]> {
  const lines: string[] = [];
  for (;;) {
    const frame = await client.nextFrame();
    assert.equal(frame.username, "", `a notice, not ${JSON.stringify(frame)}`);
    lines.push(frame.message);
    if (frame.message === "End of history") return lines;
  }
}

function notices(frames: Frame[]): string[] {
  return frames.filter((f) => f.username === "").map((f) => f.message);
}

Deno.test(
  "a newcomer gets the replay right after its welcome, before anything live",
  opts,
  async () => {
    await withServer({ clock: new ManualClock(T) }, async ({ login, connect }) => {
      const alice = await login("alice");
      await alice.say("hello");
      await alice.say("/me waves");
      assert.equal((await alice.waitForNotice("* alice")).message, "* alice waves");
      await alice.say("/msg alice a secret to myself");
      await alice.waitForNotice("[private]");
      await alice.say("second <b>line</b>");
      await alice.sync();
      const bob = await connect();
      await bob.send({ username: "bob", message: "" });
      assert.match((await bob.nextFrame()).message, /^Welcome, bob!/);
      assert.deepEqual(await historyBlock(bob), [
        `History: 3 messages since ${STAMP}`,
        `[history ${STAMP}] <alice> hello`,
        `[history ${STAMP}] * alice waves`,
        `[history ${STAMP}] <alice> second <b>line</b>`,
        "End of history",
      ]);
      await alice.say("live now");
      assert.deepEqual(await bob.nextFrame(), { username: "alice", message: "live now" });
      assert.deepEqual(parseHistoryLine(`[history ${STAMP}] * alice waves`), {
        time: T,
        from: "alice",
        text: "waves",
        action: true,
      });
    });
  },
);

Deno.test("an empty history sends no replay; --replay 0 sends none either", opts, async () => {
  await withServer({}, async ({ login }) => {
    const alice = await login("alice");
    assert.deepEqual(notices(await alice.sync()), []);
  });
  await withServer({ options: { replay: 0 } }, async ({ login }) => {
    const alice = await login("alice");
    await alice.say("hi");
    const bob = await login("bob");
    assert.ok(!notices(await bob.sync()).some((n) => n.startsWith("History")));
    await bob.say("/history");
    assert.deepEqual((await historyBlock(bob)).length, 3);
  });
});

Deno.test(
  "a login storm shares one encoded replay, each newcomer's before its join notices",
  opts,
  async () => {
    await withServer({}, async ({ login, connect, server }) => {
      const alice = await login("alice");
      for (let i = 0; i < 5; i++) await alice.say(`line ${i}`);
      await alice.sync();
      const clients = await Promise.all(Array.from({ length: 40 }, () => connect()));
      await Promise.all(clients.map((c, i) => c.send({ username: `user${i}`, message: "" })));
      for (const client of clients) {
        assert.match((await client.nextFrame()).message, /^Welcome, /);
        const block = await historyBlock(client);
        assert.equal(block.length, 7);
        assert.match(block[0], /^History: 5 messages since /);
      }
      assert.equal(server.history.replayBlock.encodings, 1);
      await alice.say("one more");
      await login("late");
      assert.equal(server.history.replayBlock.encodings, 2);
    });
  },
);

Deno.test("/me goes to everyone, the sender included, and is kept", opts, async () => {
  await withServer({}, async ({ login }) => {
    const alice = await login("alice");
    const bob = await login("bob");
    await alice.say("/ME  stretches  slowly");
    assert.equal((await alice.waitForNotice("* alice")).message, "* alice stretches  slowly");
    assert.equal((await bob.waitForNotice("* alice")).message, "* alice stretches  slowly");
    await alice.say("/me");
    assert.equal((await alice.waitForNotice("error:")).message, "error: usage: /me TEXT");
    await bob.say("/history 1");
    const block = await historyBlock(bob);
    assert.match(block[1], /^\[history \S+\] \* alice stretches {2}slowly$/);
  });
});

Deno.test(
  "/history [N]: the last N, default 50, at most 1000; private messages never",
  opts,
  async () => {
    await withServer({ options: { floodRate: 0 } }, async ({ login }) => {
      const alice = await login("alice");
      const bob = await login("bob");
      for (let i = 0; i < 60; i++) await alice.say(`n${i}`);
      await alice.say("/msg bob whisper");
      await bob.waitForNotice("[private]");
      await bob.say("/history");
      const all = await historyBlock(bob);
      assert.equal(all.length, 52);
      assert.match(all[1], /<alice> n10$/);
      await bob.say("/HISTORY 2");
      assert.deepEqual((await historyBlock(bob)).slice(1, 3).map((l) => l.split("] ")[1]), [
        "<alice> n58",
        "<alice> n59",
      ]);
      for (
        const bad of ["/history 0", "/history 1001", "/history two", "/history 1 2", "/history -5"]
      ) {
        await bob.say(bad);
        assert.equal(
          (await bob.waitForNotice("error:")).message,
          "error: usage: /history [N] (N from 1 to 1000)",
          bad,
        );
      }
      await bob.say("/history 1000");
      const block = await historyBlock(bob);
      assert.ok(!block.some((l) => l.includes("whisper")));
      await bob.say("/search whisper");
      assert.deepEqual(await historyBlock(bob), ["History: 0 messages", "End of history"]);
    });
  },
);

Deno.test("/search: all the words, the 20 latest, hostile text answered safely", opts, async () => {
  await withServer({ options: { maxMessageBytes: 1 << 20, floodRate: 0 } }, async ({ login }) => {
    const alice = await login("alice");
    for (let i = 0; i < 25; i++) await alice.say(`deploy release ${i}`);
    await alice.say(`it's "done"; DROP TABLE history; -- NEAR(a b) star*`);
    await alice.say("/me deploys the fix");
    await alice.sync();
    await alice.say("/search release DEPLOY");
    const found = await historyBlock(alice);
    assert.equal(found.length, 22);
    assert.match(found[0], /^History: 20 messages since /);
    assert.match(found[1], /<alice> deploy release 5$/);
    await alice.say("/search deploys");
    assert.match((await historyBlock(alice))[1], /\* alice deploys the fix$/);
    for (const query of [`"done"`, "it's", "drop; table", "-- NEAR", "star*", "a\0b near"]) {
      await alice.say(`/search ${query}`);
      const answer = await historyBlock(alice);
      assert.ok(answer.length >= 2, query);
      if (query !== "a\0b near") {
        assert.match(answer[1], /DROP TABLE/, query);
      }
    }
    for (const query of [`" * -`, ";", `"`, "\0"]) {
      await alice.say(`/search ${query}`);
      assert.match((await alice.waitForNotice("error:")).message, /^error: usage: \/search/);
    }
    const huge = Array.from({ length: 12_000 }, (_, i) => `w${i}`).join(" ");
    assert.ok(huge.length > 65_536);
    await alice.say(`/search ${huge}`);
    assert.match((await alice.waitForNotice("error:")).message, /at most 16 different words/);
    await alice.say("/search");
    assert.equal((await alice.waitForNotice("error:")).message, "error: usage: /search WORDS");
    await alice.say("/history 1");
    assert.match((await historyBlock(alice))[1], /deploys the fix/);
  });
});

Deno.test("/help lists the commands the user may use; history off is said so", opts, async () => {
  await withServer({ options: { historyLines: 0 } }, async ({ login, console }) => {
    const alice = await login("alice");
    await alice.say("/help");
    const lines: string[] = [];
    for (;;) {
      const frame = await alice.nextFrame();
      lines.push(frame.message);
      if (frame.message.includes("/quit")) break;
    }
    assert.equal(lines[0], "Commands you may use:");
    assert.deepEqual(lines.slice(1).map((l) => l.trim().split(" ")[0]), [
      "/users",
      "/msg",
      "/me",
      "/history",
      "/search",
      "/help",
      "/quit",
    ]);
    await alice.say("hi");
    const bob = await login("bob");
    assert.ok(!notices(await bob.sync()).some((n) => n.startsWith("History")));
    assert.ok(console.lines.some((line) => line.endsWith("] history: off")));
    await bob.say("/history");
    assert.equal(
      (await bob.waitForNotice("error:")).message,
      "error: history is turned off on this server",
    );
  });
});

Deno.test(
  "a disk that fills up while chatting: one console line, the room goes on, saving resumes",
  opts,
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "chat-full-" });
    try {
      const options = { db: `${dir}/chat.db`, floodRate: 0 };
      await withServer({ options }, async ({ login, server, console }) => {
        const store = server.store;
        assert.ok(store instanceof SqliteStore);
        await console.waitForLine(
          `history: file ${dir}/chat.db, last 10000 messages, 30 days, replay 50`,
        );
        const alice = await login("alice");
        const bob = await login("bob");
        await alice.say("before");
        await bob.waitForMessage("alice", "before");
        await store.flush();
        const db = store.database;
        const pages = (db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
        db.exec(`PRAGMA max_page_count = ${pages}`);
        const big = "z".repeat(30_000);
        for (let i = 0; i < 10; i++) await alice.say(`${big} ${i}`);
        await bob.waitForMessage("alice", `${big} 9`);
        await console.waitForLine("history: cannot save messages");
        await alice.say("still chatting");
        await bob.waitForMessage("alice", "still chatting");
        db.exec("PRAGMA max_page_count = 1000000");
        await console.waitForLine("history: saving again", 5000);
        assert.equal(console.errors.filter((l) => l.includes("cannot save")).length, 1);
        await bob.say("/history 20");
        const lines = await historyBlock(bob);
        assert.equal(lines.length, 14);
        assert.match(lines[13 - 1], /<alice> still chatting$/);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
