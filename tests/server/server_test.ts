/**
 * The server's behaviours from the spec, each over real sockets on 127.0.0.1: login, welcome,
 * join and leave, chat fan-out, commands, departures and shutdown.
 */

import assert from "node:assert/strict";
import { encodeFrame } from "../../protocol/mod.ts";
import { withServer } from "../helpers/server.ts";
import { type TestClient, waitUntil, withTimeout } from "../helpers/wire.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

/** Frames from `client.sync()` that are chat messages (not notices). */
function chatLines(frames: { username: string; message: string }[]): string[] {
  return frames.filter((f) => f.username !== "").map((f) => `${f.username}: ${f.message}`);
}

Deno.test(
  "three clients chat: each message reaches the other two, stamped with its sender",
  opts,
  async () => {
    await withServer({}, async ({ login }) => {
      const alice = await login("alice");
      const bob = await login("bob");
      const carol = await login("carol");
      await alice.say("hello from alice");
      await bob.waitForMessage("alice", "hello from alice");
      await carol.waitForMessage("alice", "hello from alice");
      await carol.say("hi, carol here");
      await alice.waitForMessage("carol", "hi, carol here");
      await bob.waitForMessage("carol", "hi, carol here");
      await bob.say("bob too");
      await alice.waitForMessage("bob", "bob too");
      await carol.waitForMessage("bob", "bob too");
    });
  },
);

Deno.test(
  "welcome lists everyone online to the newcomer, the others get the join notice",
  opts,
  async () => {
    await withServer({}, async ({ login, connect }) => {
      const alice = await login("alice");
      const bob = await login("Bob");
      await alice.waitForNotice("Bob joined");
      const carol = await connect();
      const welcome = await carol.login("carol");
      assert.equal(welcome, "Welcome, carol! Online (3): alice, Bob, carol");
      await alice.waitForNotice("carol joined");
      await bob.waitForNotice("carol joined");
      // The newcomer is not told about its own join.
      assert.deepEqual(await carol.sync(), []);
    });
  },
);

Deno.test(
  "a login frame's message is sent as the first chat message after the welcome",
  opts,
  async () => {
    await withServer({}, async ({ login, connect }) => {
      const bob = await login("bob");
      const alice = await connect();
      await alice.send({ username: "alice", message: "hi all" });
      const first = await alice.nextFrame();
      assert.equal(first.username, "");
      assert.match(first.message, /^Welcome, alice!/);
      assert.equal((await bob.nextFrame()).message, "alice joined");
      assert.deepEqual(await bob.nextFrame(), { username: "alice", message: "hi all" });
    });
  },
);

Deno.test(
  "leave notice when a client closes: the others see it once, with the reason",
  opts,
  async () => {
    await withServer({}, async ({ login }) => {
      const alice = await login("alice");
      const bob = await login("bob");
      const carol = await login("carol");
      await carol.close();
      await alice.waitForNotice("carol left (closed)");
      await bob.waitForNotice("carol left (closed)");
      const later = await alice.sync();
      assert.equal(later.filter((f) => f.message.includes("carol left")).length, 0);
    });
  },
);

Deno.test("messages are not echoed to their sender", opts, async () => {
  await withServer({}, async ({ login }) => {
    const alice = await login("alice");
    const bob = await login("bob");
    await alice.waitForNotice("bob joined");
    await alice.say("no echo please");
    await bob.waitForMessage("alice", "no echo please");
    assert.deepEqual(chatLines(await alice.sync()), []);
  });
});

Deno.test(
  "the registered name is stamped on every message, whatever the frame says",
  opts,
  async () => {
    await withServer({}, async ({ login }) => {
      const alice = await login("alice");
      const bob = await login("bob");
      await alice.send({ username: "bob", message: "I am bob, honestly" });
      await alice.send({ username: "", message: "a forged notice" });
      assert.deepEqual(await bob.nextFrame(), { username: "alice", message: "I am bob, honestly" });
      assert.deepEqual(await bob.nextFrame(), { username: "alice", message: "a forged notice" });
    });
  },
);

Deno.test(
  "/users lists everyone online, sorted case-insensitively, to the sender only",
  opts,
  async () => {
    await withServer({}, async ({ login }) => {
      const carol = await login("carol");
      const bob = await login("Bob");
      const alice = await login("alice");
      await carol.waitForNotice("alice joined");
      await alice.say("/users");
      const reply = await alice.waitForNotice("Online (");
      assert.equal(reply.message, "Online (3): alice, Bob, carol");
      // Only alice got it: bob's own /users reply is the first notice after alice's join.
      await bob.waitForNotice("alice joined");
      assert.deepEqual(await bob.sync(), []);
    });
  },
);

Deno.test(
  "/msg delivers a private notice to its target only, names matched case-insensitively",
  opts,
  async () => {
    await withServer({}, async ({ login }) => {
      const alice = await login("alice");
      const bob = await login("bob");
      const carol = await login("carol");
      await bob.waitForNotice("carol joined");
      await alice.say("/msg BOB meet me at   noon");
      const note = await bob.waitForNotice("[private]");
      assert.equal(note.message, "[private] alice: meet me at   noon");
      assert.deepEqual(await carol.sync(), []);
      const aliceSaw = await alice.sync();
      assert.equal(aliceSaw.filter((f) => f.message.includes("[private]")).length, 0);
    });
  },
);

Deno.test("/msg to someone not online is an error notice to the sender", opts, async () => {
  await withServer({}, async ({ login }) => {
    const alice = await login("alice");
    await alice.say("/msg dave hello?");
    assert.equal((await alice.nextFrame()).message, "error: dave is not online");
    await alice.say("/msg dave");
    assert.equal((await alice.nextFrame()).message, "error: usage: /msg NAME TEXT");
  });
});

Deno.test("/quit closes the connection and the others see the leave notice", opts, async () => {
  await withServer({}, async ({ login, server }) => {
    const alice = await login("alice");
    const bob = await login("bob");
    await alice.waitForNotice("bob joined");
    await bob.say("/quit");
    assert.deepEqual(await bob.expectClosed(), []);
    await alice.waitForNotice("bob left (quit)");
    assert.deepEqual(server.onlineNames(), ["alice"]);
  });
});

Deno.test("// escapes a leading slash: //shrug is sent as the text /shrug", opts, async () => {
  await withServer({}, async ({ login }) => {
    const alice = await login("alice");
    const bob = await login("bob");
    await alice.say("//shrug");
    await alice.say("//users");
    assert.deepEqual(await bob.nextFrame(), { username: "alice", message: "/shrug" });
    assert.deepEqual(await bob.nextFrame(), { username: "alice", message: "/users" });
  });
});

Deno.test("an unknown command gets an error notice listing the commands", opts, async () => {
  await withServer({}, async ({ login }) => {
    const alice = await login("alice");
    const bob = await login("bob");
    await alice.say("/foo bar");
    assert.equal(
      (await alice.waitForNotice("error:")).message,
      "error: unknown command /foo; commands: " +
        "/users, /msg NAME TEXT, /me TEXT, /history [N], /search WORDS, /help, /quit, " +
        "/topic [TEXT], /oper PASSWORD",
    );
    assert.deepEqual(chatLines(await bob.sync()), []);
  });
});

Deno.test(
  "an empty message after login is a keepalive: nothing is sent, the connection stays",
  opts,
  async () => {
    await withServer({}, async ({ login }) => {
      const alice = await login("alice");
      const bob = await login("bob");
      await alice.waitForNotice("bob joined");
      for (let i = 0; i < 5; i++) await alice.say("");
      assert.deepEqual(await alice.sync(), []);
      assert.deepEqual(await bob.sync(), []);
      await alice.say("still here");
      await bob.waitForMessage("alice", "still here");
    });
  },
);

Deno.test("abrupt close without /quit: the others see one leave notice", opts, async () => {
  await withServer({}, async ({ login, server }) => {
    const alice = await login("alice");
    const bob = await login("bob");
    const carol = await login("carol");
    // bob most likely has unread data (alice's message, which carol has seen) when it closes, so
    // the kernel answers with a reset rather than a clean close; either way one notice follows.
    await alice.say("you will not read this");
    await carol.waitForMessage("alice", "you will not read this");
    await bob.close();
    const leave = await alice.waitForNotice("bob left");
    assert.match(leave.message, /^bob left \((closed|connection reset)\)$/);
    const after = await alice.sync();
    assert.equal(after.filter((f) => f.message.startsWith("bob left")).length, 0);
    await waitUntil(() => server.connectionCount() === 2, 2000, "bob's session to end");
  });
});

Deno.test(
  "a close in the middle of a frame: leave notice, nothing of the partial frame",
  opts,
  async () => {
    await withServer({}, async ({ login }) => {
      const alice = await login("alice");
      const bob = await login("bob");
      const frame = encodeFrame({ username: "bob", message: "this frame is cut short" });
      await bob.sendRaw(frame.subarray(0, 12));
      await bob.close();
      const frames = [await alice.nextFrame(), await alice.nextFrame()];
      assert.deepEqual(frames.map((f) => f.message), ["bob joined", "bob left (closed)"]);
    });
  },
);

Deno.test("a connection that resets before logging in leaves no trace", opts, async () => {
  await withServer({}, async ({ login, connect, server }) => {
    const alice = await login("alice");
    const ghost = await connect();
    await waitUntil(() => server.connectionCount() === 2, 2000, "the ghost's session");
    await ghost.close();
    await waitUntil(() => server.connectionCount() === 1, 2000, "the ghost's session to end");
    assert.deepEqual(await alice.sync(), []);
  });
});

Deno.test("the accept loop survives clients that connect and vanish at once", opts, async () => {
  await withServer({}, async ({ server, login }) => {
    for (let round = 0; round < 3; round++) {
      const quick = await Promise.all(
        Array.from(
          { length: 20 },
          () => Deno.connect({ hostname: "127.0.0.1", port: server.addr.port }),
        ),
      );
      for (const conn of quick) conn.close();
    }
    const alice = await login("alice");
    const bob = await login("bob");
    await alice.say("still accepting");
    await bob.waitForMessage("alice", "still accepting");
    await waitUntil(() => server.connectionCount() === 2, 5000, "the vanished sessions to end");
  });
});

Deno.test("500 concurrent clients all receive one broadcast", { ...opts }, async () => {
  await withServer({ options: { floodRate: 0 } }, async ({ connect, login }) => {
    const count = 500;
    const clients: TestClient[] = [];
    for (let i = 0; i < count; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => connect()));
      await Promise.all(batch.map((c, j) => c.login(`user${i + j}`)));
      clients.push(...batch);
    }
    const speaker = await login("speaker");
    await speaker.say("one message for five hundred");
    await Promise.all(
      clients.map((c) => c.waitForMessage("speaker", "one message for five hundred", 20000)),
    );
  });
});

Deno.test(
  "shutdown sends everyone the notice, closes every connection, and resolves finished",
  opts,
  async () => {
    await withServer({}, async ({ server, login, connect }) => {
      const alice = await login("alice");
      const bob = await login("bob");
      await alice.waitForNotice("bob joined");
      const pending = await connect();
      await waitUntil(() => server.connectionCount() === 3, 2000, "three connections");
      const done = server.shutdown();
      assert.equal(server.shutdown(), done, "shutdown is idempotent");
      for (const client of [alice, bob, pending]) {
        const frames = await client.expectClosed();
        assert.deepEqual(frames, [{ username: "", message: "server shutting down" }]);
      }
      await done;
      await withTimeout(server.finished, 2000, "finished");
      assert.equal(server.connectionCount(), 0);
      const { hostname, port } = server.addr;
      await assert.rejects(Deno.connect({ hostname, port }));
    });
  },
);
