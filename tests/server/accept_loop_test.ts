import assert from "node:assert/strict";
import {
  ACCEPT_ERROR_MAX_PAUSE_MS,
  ACCEPT_ERROR_PAUSE_MS,
  acceptLoop,
} from "../../server/listener.ts";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { startChatServer } from "../../kit/chat_process.ts";
import { commandUnavailable, firstReason, notLinux, skipWhen } from "../helpers/platform.ts";
import { withServer } from "../helpers/server.ts";
import { waitUntil, withTimeout } from "../helpers/timeout.ts";
import { TestClient } from "../helpers/wire.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

/** A listener whose accept() replays a script of failures and connections, then closes. */
function scriptedListener(script: (Error | "conn")[]): Deno.Listener<Deno.TcpConn> {
  const fakeConn = {} as Deno.TcpConn;
  const listener = {
    accept(): Promise<Deno.TcpConn> {
      const next = script.shift();
      if (next === undefined) return Promise.reject(new Deno.errors.BadResource("closed"));
      return next === "conn" ? Promise.resolve(fakeConn) : Promise.reject(next);
    },
  };
  return listener as unknown as Deno.Listener<Deno.TcpConn>;
}

Deno.test("the accept loop outlives failing accepts and backs off while they last", async () => {
  const emfile = () => new Error("Too many open files (os error 24)");
  const listener = scriptedListener([
    new Deno.errors.ConnectionReset("reset"),
    "conn",
    emfile(),
    emfile(),
    emfile(),
    emfile(),
    emfile(),
    emfile(),
    "conn",
    emfile(),
    "conn",
  ]);
  const pauses: number[] = [];
  const errors: unknown[] = [];
  let connections = 0;
  await acceptLoop(listener, () => false, {
    onConnection: () => connections++,
    onAcceptError: (error) => errors.push(error),
    pause: (ms) => {
      pauses.push(ms);
      return Promise.resolve();
    },
  });
  assert.equal(connections, 3);
  assert.equal(errors.length, 8);
  // A peer's reset does not pause; EMFILE pauses, doubling up to the cap, reset by a success.
  const base = ACCEPT_ERROR_PAUSE_MS;
  const cap = ACCEPT_ERROR_MAX_PAUSE_MS;
  assert.deepEqual(pauses, [
    base,
    base * 2,
    base * 4,
    base * 8,
    Math.min(base * 16, cap),
    Math.min(base * 32, cap),
    base,
  ]);
});

Deno.test(
  "connections reset or dropped before their first read never stop the server",
  opts,
  async () => {
    await withServer({}, async ({ server, login }) => {
      const alice = await login("alice");
      for (let round = 0; round < 5; round++) {
        const quick = await Promise.all(
          Array.from(
            { length: 40 },
            () => Deno.connect({ hostname: "127.0.0.1", port: server.addr.port }),
          ),
        );
        // Half send a partial frame first; all vanish at once.
        await Promise.all(quick.slice(0, 20).map((c) => c.write(new Uint8Array([0, 5, 0]))));
        for (const conn of quick) conn.close();
      }
      const bob = await login("bob");
      await alice.waitForNotice("bob joined");
      await bob.say("still here");
      await alice.waitForMessage("bob", "still here");
      await waitUntil(() => server.connectionCount() === 2, 5000, "the vanished sessions to end");
      assert.deepEqual(server.onlineNames(), ["alice", "bob"]);
    });
  },
);

Deno.test(
  "out of file descriptors: the server keeps its clients and accepts again once some close",
  {
    ...opts,
    // prlimit (util-linux) caps the server's descriptors; the test ends it with SIGINT.
    ignore: skipWhen(
      "the out-of-descriptors test",
      firstReason(notLinux("prlimit"), await commandUnavailable("prlimit")),
    ),
  },
  async () => {
    // A server process allowed 64 descriptors; the runtime itself holds about 25 of them.
    const command = ["prlimit", "--nofile=64:64", ...sourceCommand()];
    const { process, port } = await startChatServer(command, [
      "--max-clients-per-ip",
      "0",
      "--flood-rate",
      "0",
    ]);
    const clients: TestClient[] = [];
    const connect = async (name: string) => {
      const client = await TestClient.connect({ hostname: "127.0.0.1", port });
      clients.push(client);
      client.name = name;
      await client.send({ username: name, message: "" });
      return client;
    };
    try {
      const alice = await connect("alice");
      await alice.waitForNotice("Welcome, alice");
      const bob = await connect("bob");
      await bob.waitForNotice("Welcome, bob");
      const fillers: TestClient[] = [];
      for (let i = 0; i < 60; i++) fillers.push(await connect(`f${i}`));
      await process.stderr.waitFor(
        (line) => /accept failed: .*too many open files/i.test(line),
        "the server to run out of descriptors",
      );
      // Out of descriptors, the clients it has still chat.
      await alice.say("while full");
      await bob.waitForMessage("alice", "while full");
      // Free some: the connections waiting in the backlog are accepted and logged in.
      for (const filler of fillers.slice(0, 30)) await filler.close();
      await withTimeout(
        Promise.all(
          fillers.slice(30).map((f, i) => f.waitForNotice(`Welcome, f${30 + i}`, 20_000)),
        ),
        20_000,
        "the waiting fillers to be welcomed",
      );
      await bob.say("after");
      await alice.waitForMessage("bob", "after");
      assert.equal(await process.interrupt(), 0);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await process.kill();
    }
  },
);
