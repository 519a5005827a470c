/**
 * End-to-end: `chat client` as a subprocess (through main.ts) with piped stdin and stdout, against
 * an in-process server.
 */
import assert from "node:assert/strict";
import type { ChatConnection } from "../../client/connection.ts";
import { type ChatServer, DEFAULT_SERVER_OPTIONS, type RoomEvent } from "../../server/mod.ts";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { ChatProcess } from "../../kit/chat_process.ts";
import type { LineReader } from "../../kit/output_lines.ts";
import { chats, loggedIn, serve, withServerAndBob } from "../helpers/chat_peers.ts";
import { childSignalUnavailable, skipWhen } from "../helpers/platform.ts";
import { withTimeout } from "../helpers/timeout.ts";

/** `chat client ARGS...` from source, with stdin piped. */
function startClient(args: string[]): ChatProcess {
  return new ChatProcess(sourceCommand(), ["client", ...args], "piped");
}

/** Ends the client's input; its exit code once all its output is read. */
async function finish(client: ChatProcess): Promise<number> {
  await client.closeStdin();
  return await client.exited();
}

/** The first line of `output` matching `pattern`, seen already or still to come. */
function line(output: LineReader, pattern: RegExp): Promise<string> {
  return output.waitFor((l) => pattern.test(l), `a line matching ${pattern}`);
}

/**
 * Runs `body` with a fresh server, bob logged in on it through the library, and `chat client`
 * started with `args(port)`; the client, bob and the server are always closed afterwards.
 */
async function withBobAndClient(
  args: (port: number) => string[],
  body: (client: ChatProcess, bob: ChatConnection) => Promise<void>,
): Promise<void> {
  await withServerAndBob(async ({ port, bob }) => {
    const client = startClient(args(port));
    try {
      await body(client, bob);
    } finally {
      await client.kill();
    }
  });
}

/** Resolves with the first room message from `from`. */
function roomMessage(server: ChatServer, from: string): Promise<string> {
  return new Promise((resolve) => {
    const stop = server.room.subscribe((event: RoomEvent) => {
      if (event.kind === "message" && event.from === from) {
        stop();
        resolve(event.text);
      }
    });
  });
}

Deno.test("piped stdin lines reach another client; stdout shows notices and messages", async () => {
  await withBobAndClient((port) => ["127.0.0.1", String(port), "alice"], async (client, bob) => {
    const welcome = await line(client.stdout, /Welcome, alice!/);
    assert.match(welcome, /^\d\d:\d\d:\d\d -- Welcome, alice! Online \(2\): /);
    bob.send("hello alice \x1b[31mred\x1b[0m");
    const chat = await line(client.stdout, /<bob>/);
    assert.match(chat, /^\d\d:\d\d:\d\d <bob> hello alice red$/);
    await client.write("first line\nsecond line\n");
    assert.deepEqual(await withTimeout(chats(bob, 2), 5000, "alice's lines"), [
      "alice: first line",
      "alice: second line",
    ]);
    await client.write("last line, no newline");
    assert.equal(await finish(client), 0);
    assert.deepEqual(await withTimeout(chats(bob, 1), 5000, "the last line"), [
      "alice: last line, no newline",
    ]);
    assert.equal(client.stderr.text, "");
  });
});

Deno.test("--json output is one parseable object a line", async () => {
  await withBobAndClient(
    (port) => ["--port", String(port), "--name", "alice", "--json"],
    async (client, bob) => {
      await line(client.stdout, /Welcome, alice/);
      bob.send("json please");
      await line(client.stdout, /json please/);
      assert.equal(await finish(client), 0);
      const objects = client.stdout.lines.filter((l) => l.length > 0).map((l) => JSON.parse(l));
      assert.equal(objects[0].type, "notice");
      assert.equal(objects[0].from, null);
      const chat = objects.find((o) => o.type === "chat");
      assert.deepEqual({ from: chat.from, text: chat.text }, { from: "bob", text: "json please" });
      assert.match(chat.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    },
  );
});

Deno.test("--once sends one message and exits 0", async () => {
  await withBobAndClient(
    (port) => ["127.0.0.1", String(port), "ci", "--once", "build passed"],
    async (client, bob) => {
      // stdin stays open: --once must not wait for it.
      const status = await withTimeout(client.child.status, 10_000, "the client to exit");
      assert.equal(status.code, 0);
      assert.deepEqual(await withTimeout(chats(bob, 1), 5000, "the message"), ["ci: build passed"]);
    },
  );
});

Deno.test("a taken name exits 1 with the reason and no retry loop, even with --reconnect", async () => {
  await withBobAndClient(
    (port) => ["127.0.0.1", String(port), "BOB", "--reconnect"],
    async (client) => {
      assert.equal(await finish(client), 1);
      assert.match(client.stderr.text, /^chat: login refused: name 'bob' is already taken$/);
      assert.doesNotMatch(client.stderr.text, /reconnect/);
    },
  );
});

Deno.test("a missing name with piped stdin is a usage error (exit 2)", async () => {
  const client = startClient(["127.0.0.1", "5000"]);
  try {
    assert.equal(await finish(client), 2);
    assert.match(client.stderr.lines[0], /^chat: missing NAME/);
    assert.equal(client.stderr.lines[1], "Try 'chat client --help'.");
  } finally {
    await client.kill();
  }
});

Deno.test("--reconnect: after the server restarts on the same port, a queued line arrives", async () => {
  let server = await serve();
  const port = server.addr.port;
  const client = startClient(["127.0.0.1", String(port), "alice", "--reconnect"]);
  let bob: ChatConnection | undefined;
  try {
    await line(client.stdout, /Welcome, alice!/);
    await server.shutdown();
    await line(client.stderr, /reconnect attempt 1 in 0\.[345]\d* s/);
    await client.write("typed while offline\n");
    server = await serve(port);
    const arrived = roomMessage(server, "alice");
    bob = await loggedIn("bob", port);
    await line(client.stderr, /reconnected as alice/);
    assert.equal(await withTimeout(arrived, 10_000, "the queued line"), "typed while offline");
    assert.equal(await finish(client), 0);
    assert.match(client.stderr.text, /server shutting down.*reconnecting/);
  } finally {
    await client.kill();
    bob?.close();
    await bob?.closed;
    await server.shutdown();
  }
});

Deno.test("a lost server without --reconnect exits 1 with the reason", async () => {
  const server = await serve();
  const client = startClient(["127.0.0.1", String(server.addr.port), "alice"]);
  try {
    await line(client.stdout, /Welcome, alice!/);
    await server.shutdown();
    // stdin stays open: the client must notice the loss by itself.
    const status = await withTimeout(client.child.status, 10_000, "the client to exit");
    assert.equal(status.code, 1);
    assert.equal(await finish(client), 1);
    assert.match(client.stdout.text, /-- server shutting down/);
    assert.match(client.stderr.text, /^chat: the server closed the connection/);
  } finally {
    await client.kill();
  }
});

Deno.test("--connect-timeout: a server that never answers the login fails in time, exit 1", async () => {
  // Accepts and stays silent, like a host that is not a chat server.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const accepted = listener.accept();
  const client = startClient(["127.0.0.1", String(port), "alice", "--connect-timeout", "0.5"]);
  try {
    // stdin stays open: the client must give up by itself.
    const status = await withTimeout(client.child.status, 10_000, "the client to give up");
    assert.equal(status.code, 1);
    assert.equal(await finish(client), 1);
    assert.equal(
      client.stderr.text.trim(),
      `chat: cannot connect to 127.0.0.1:${port}: no answer to the login within 0.5 s ` +
        "(is it a chat server?)",
    );
  } finally {
    await client.kill();
    listener.close();
    await accepted.then((conn) => conn.close(), () => {});
  }
});

Deno.test("a piped burst larger than the server's flood burst arrives complete", async () => {
  await withBobAndClient((port) => ["127.0.0.1", String(port), "alice"], async (client, bob) => {
    const count = DEFAULT_SERVER_OPTIONS.floodBurst + 10;
    const lines = Array.from({ length: count }, (_, i) => `line ${i + 1}`);
    await client.write(lines.join("\n") + "\n");
    assert.equal(await finish(client), 0);
    const got = await withTimeout(chats(bob, count), 15_000, `${count} lines`);
    assert.deepEqual(got, lines.map((l) => `alice: ${l}`));
    assert.doesNotMatch(client.stdout.text, /flood/);
  });
});

Deno.test({
  name: "--stay: the client keeps printing after its input ended; SIGINT leaves cleanly, exit 0",
  ignore: skipWhen("--stay's SIGINT", childSignalUnavailable("SIGINT")),
  fn: async () => {
    await withBobAndClient(
      (port) => [`127.0.0.1:${port}`, "alice", "--stay"],
      async (client, bob) => {
        await client.write("anyone there?\n");
        await client.closeStdin();
        assert.deepEqual(await withTimeout(chats(bob, 1), 5000, "the question"), [
          "alice: anyone there?",
        ]);
        bob.send("yes, me");
        await line(client.stdout, /<bob> yes, me$/);
        assert.equal(await client.interrupt(), 0, client.stderr.text);
        assert.equal(client.stderr.text, "");
      },
    );
  },
});
