/**
 * Every row of the spec's limits table, over real sockets: lengths from the header, invalid
 * UTF-8, invalid and taken names, the login timeout, server full, flood control and slow readers.
 */

import assert from "node:assert/strict";
import { encodeFrame } from "../../protocol/mod.ts";
import { ManualClock } from "../helpers/clock.ts";
import { withServer } from "../helpers/server.ts";
import { waitUntil } from "../helpers/wire.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

/** A bare 6-byte header declaring these lengths, with no body after it. */
function header(nameLength: number, messageLength: number): Uint8Array {
  const bytes = new Uint8Array(6);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, nameLength);
  view.setUint32(2, messageLength);
  return bytes;
}

/** A frame with raw (possibly invalid UTF-8) bytes for its fields. */
function rawFrame(name: Uint8Array, message: Uint8Array): Uint8Array {
  const out = new Uint8Array(6 + name.length + message.length);
  out.set(header(name.length, message.length));
  out.set(name, 6);
  out.set(message, 6 + name.length);
  return out;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

Deno.test("invalid names are refused with an error notice, then closed", opts, async () => {
  await withServer({}, async ({ connect }) => {
    const cases: [string, string][] = [
      ["two words", "error: invalid name: a name must not contain whitespace"],
      ["/root", "error: invalid name: a name must not begin with '/'"],
      ["bell\u0007", "error: invalid name: a name must not contain control"],
      ["", "error: invalid name: a name must not be empty"],
      ["x".repeat(33), "error: username length 33 bytes exceeds the limit of 32 bytes"],
    ];
    for (const [name, expected] of cases) {
      const client = await connect();
      await client.send({ username: name, message: "" });
      const frames = await client.expectClosed();
      assert.equal(frames.length, 1, `one notice for ${JSON.stringify(name)}`);
      assert.ok(frames[0].message.startsWith(expected), frames[0].message);
    }
  });
});

Deno.test(
  "a taken name is refused case-insensitively; the user online is not affected",
  opts,
  async () => {
    await withServer({}, async ({ login, connect, server }) => {
      const alice = await login("alice");
      const impostor = await connect();
      await impostor.send({ username: "ALICE", message: "I am alice" });
      const frames = await impostor.expectClosed();
      assert.deepEqual(frames.map((f) => f.message), ["error: name 'alice' is already taken"]);
      const bob = await login("bob");
      await alice.waitForNotice("bob joined");
      await bob.say("still the real alice?");
      await alice.waitForMessage("bob", "still the real alice?");
      assert.deepEqual(server.onlineNames(), ["alice", "bob"]);
      // Nobody heard the impostor join, leave or speak.
      assert.deepEqual(alice.received.map((f) => f.message).filter((m) => m.includes("ALICE")), []);
    });
  },
);

Deno.test(
  "names are NFC-normalized: composed and decomposed forms are the same user",
  opts,
  async () => {
    await withServer({}, async ({ connect, login }) => {
      const decomposed = "Jose\u0301";
      const composed = "jos\u00e9";
      const jose = await connect();
      const welcome = await jose.login(decomposed);
      assert.equal(welcome, "Welcome, Jos\u00e9! Online (1): Jos\u00e9");
      const twin = await connect();
      await twin.send({ username: composed, message: "" });
      const frames = await twin.expectClosed();
      assert.deepEqual(frames.map((f) => f.message), ["error: name 'Jos\u00e9' is already taken"]);
      const bob = await login("bob");
      await jose.say("hola");
      assert.deepEqual(await bob.nextFrame(), { username: "Jos\u00e9", message: "hola" });
    });
  },
);

Deno.test("a username length over 32 in the header alone: error notice, close", opts, async () => {
  await withServer({}, async ({ connect }) => {
    const client = await connect();
    await client.sendRaw(header(40, 0));
    const frames = await client.expectClosed();
    assert.deepEqual(frames.map((f) => f.message), [
      "error: username length 40 bytes exceeds the limit of 32 bytes",
    ]);
  });
});

Deno.test(
  "a header declaring 2^31 message bytes and nothing else: error notice, close",
  opts,
  async () => {
    await withServer({}, async ({ connect }) => {
      const client = await connect();
      await client.sendRaw(header(5, 2 ** 31));
      const frames = await client.expectClosed();
      assert.deepEqual(frames.map((f) => f.message), [
        "error: message length 2147483648 bytes exceeds the limit of 65536 bytes",
      ]);
    });
  },
);

Deno.test(
  "a message over the limit after login: error, close, and the others see why",
  opts,
  async () => {
    await withServer({ options: { maxMessageBytes: 1000 } }, async ({ login }) => {
      const alice = await login("alice");
      const bob = await login("bob");
      await bob.sendRaw(header(3, 70000));
      const frames = await bob.expectClosed();
      assert.deepEqual(frames.map((f) => f.message), [
        "error: message length 70000 bytes exceeds the limit of 1000 bytes",
      ]);
      await alice.waitForNotice(
        "bob left (protocol error: message length 70000 bytes exceeds the limit of 1000 bytes)",
      );
      // A message exactly at the limit still passes.
      const carol = await login("carol");
      await carol.say("x".repeat(1000));
      assert.equal((await alice.waitForMessage("carol")).message.length, 1000);
    });
  },
);

Deno.test("invalid UTF-8 at login: error notice, close", opts, async () => {
  await withServer({}, async ({ connect }) => {
    const badName = await connect();
    await badName.sendRaw(rawFrame(new Uint8Array([0x61, 0xff, 0x62]), new Uint8Array()));
    assert.deepEqual((await badName.expectClosed()).map((f) => f.message), [
      "error: username is not valid UTF-8",
    ]);
    const badMessage = await connect();
    await badMessage.sendRaw(rawFrame(utf8("carol"), new Uint8Array([0xc3, 0x28])));
    assert.deepEqual((await badMessage.expectClosed()).map((f) => f.message), [
      "error: message is not valid UTF-8",
    ]);
  });
});

Deno.test(
  "invalid UTF-8 after login: error notice, frame dropped, connection kept",
  opts,
  async () => {
    await withServer({}, async ({ login }) => {
      const alice = await login("alice");
      const bob = await login("bob");
      await bob.sendRaw(rawFrame(utf8("bob"), new Uint8Array([0x68, 0x69, 0xed, 0xa0, 0x80])));
      assert.equal((await bob.nextFrame()).message, "error: message is not valid UTF-8");
      await bob.say("valid again");
      assert.deepEqual(await alice.nextFrame(), { username: "", message: "bob joined" });
      assert.deepEqual(await alice.nextFrame(), { username: "bob", message: "valid again" });
    });
  },
);

Deno.test("no complete login frame within the timeout: closed", opts, async () => {
  const clock = new ManualClock();
  await withServer({ clock, options: { loginTimeoutSeconds: 10 } }, async (fixture) => {
    const { connect, login, server } = fixture;
    const alice = await login("alice");
    const silent = await connect();
    const partial = await connect();
    await partial.sendRaw(encodeFrame({ username: "slowpoke", message: "" }).subarray(0, 9));
    await waitUntil(() => server.connectionCount() === 3, 2000, "three connections");
    clock.advance(9_999);
    assert.equal(server.connectionCount(), 3, "nobody is closed before the timeout");
    clock.advance(1);
    assert.deepEqual(await silent.expectClosed(), []);
    assert.deepEqual(await partial.expectClosed(), []);
    // The user who logged in in time is unaffected, and nobody saw the strangers.
    const bob = await login("bob");
    await bob.say("hi");
    await alice.waitForMessage("bob", "hi");
    assert.deepEqual(alice.received.map((f) => f.message), [
      "Welcome, alice! Online (1): alice",
      "bob joined",
      "hi",
    ]);
  });
});

Deno.test("server full: error notice and close; those connected are unaffected", opts, async () => {
  await withServer({ options: { maxClients: 2 } }, async ({ login, connect }) => {
    const alice = await login("alice");
    const bob = await login("bob");
    const third = await connect();
    assert.deepEqual((await third.expectClosed()).map((f) => f.message), ["error: server full"]);
    await bob.say("room for two");
    await alice.waitForMessage("bob", "room for two");
    await alice.say("/quit");
    await alice.expectClosed();
    await bob.waitForNotice("alice left (quit)");
    const carol = await login("carol");
    assert.ok(carol.received[0].message.startsWith("Welcome, carol!"));
  });
});

Deno.test("flood control: the excess is dropped and one notice says how many", opts, async () => {
  const clock = new ManualClock();
  await withServer({ clock, options: { floodRate: 1, floodBurst: 5 } }, async ({ login }) => {
    const alice = await login("alice");
    const bob = await login("bob");
    await alice.waitForNotice("bob joined");
    const burst = Array.from(
      { length: 20 },
      (_, i) => encodeFrame({ username: "", message: `m${i}` }),
    );
    const all = new Uint8Array(burst.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const frame of burst) {
      all.set(frame, at);
      at += frame.length;
    }
    await alice.sendRaw(all);
    assert.equal((await alice.nextFrame()).message, "error: flood limit: 15 messages dropped");
    const seen = await bob.sync();
    assert.deepEqual(seen.map((f) => f.message), ["m0", "m1", "m2", "m3", "m4"]);
    // Time refills the bucket (1 message per second, up to 5): alice may speak again.
    clock.advance(5000);
    await alice.say("calm now");
    await bob.waitForMessage("alice", "calm now");
    assert.deepEqual(await alice.sync(), []);
  });
});

Deno.test("flood control off (--flood-rate 0): every message passes", opts, async () => {
  const clock = new ManualClock();
  await withServer({ clock, options: { floodRate: 0, floodBurst: 1 } }, async ({ login }) => {
    const alice = await login("alice");
    const bob = await login("bob");
    for (let i = 0; i < 50; i++) await alice.say(`m${i}`);
    // Once alice's /users is answered, her 50 messages are in bob's outbox ahead of his reply.
    await alice.sync();
    const seen = await bob.sync();
    assert.equal(seen.filter((f) => f.username === "alice").length, 50);
  });
});

Deno.test(
  "a client that never reads is dropped as too slow; the others keep receiving",
  opts,
  async () => {
    const options = { sendqBytes: 128 * 1024, floodRate: 0 };
    await withServer({ options }, async ({ login, server }) => {
      await login("slow"); // never reads again
      const reader = await login("reader");
      const flooder = await login("flooder");
      const payload = "x".repeat(60_000);
      // The flooder keeps one message ahead of the reader, so only the slow client falls behind:
      // the kernel's buffers toward it fill, then its outbox passes the bound.
      let sent = 0;
      let dropped = false;
      while (!dropped && sent < 2000) {
        await flooder.say(payload);
        sent++;
        for (;;) {
          const frame = await reader.nextFrame(10_000, "the flooder's message");
          if (frame.username === "flooder") break;
          if (frame.message === "slow left (too slow to read)") dropped = true;
        }
      }
      assert.ok(dropped, `slow was not dropped after ${sent} messages`);
      await flooder.say("after the drop");
      await reader.waitForMessage("flooder", "after the drop");
      assert.deepEqual(server.onlineNames(), ["flooder", "reader"]);
    });
  },
);
