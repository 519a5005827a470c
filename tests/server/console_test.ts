/**
 * The server's console: the start line, join and leave lines, the periodic list (in-process with
 * a manual clock, and from a real `main.ts server` process), signals and the port-in-use failure.
 */

import assert from "node:assert/strict";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { ChatProcess } from "../../kit/chat_process.ts";
import { ManualClock } from "../helpers/clock.ts";
import { childSignalUnavailable, skipWhen } from "../helpers/platform.ts";
import { withServer } from "../helpers/server.ts";
import { TestClient, waitUntil } from "../helpers/wire.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

Deno.test("the first console line names the real bound address", opts, async () => {
  await withServer({}, async ({ server, console }) => {
    assert.notEqual(server.addr.port, 0);
    const line = await console.waitForLine("chat server listening on");
    assert.equal(line, `chat server listening on 127.0.0.1:${server.addr.port} (tcp)`);
    assert.equal(console.lines[0], line);
  });
});

Deno.test(
  "join and leave lines carry the time, the name, the address and the reason",
  opts,
  async () => {
    const clock = new ManualClock(new Date(2026, 0, 1, 9, 5, 7).getTime());
    await withServer({ clock }, async ({ login, console }) => {
      const alice = await login("alice");
      const bob = await login("bob");
      const port = alice.localAddr.port;
      assert.ok(console.lines.includes(`[09:05:07] alice joined from 127.0.0.1:${port}`));
      clock.advance(61_000);
      await bob.say("/quit");
      await bob.expectClosed();
      const bobPort = bob.localAddr.port;
      assert.equal(
        await console.waitForLine("bob left"),
        `[09:06:08] bob left from 127.0.0.1:${bobPort} (quit)`,
      );
      await alice.close();
      assert.equal(
        await console.waitForLine("alice left"),
        `[09:06:08] alice left from 127.0.0.1:${port} (closed)`,
      );
    });
  },
);

Deno.test(
  "the periodic list, sorted, prints only when the room changed since the last one",
  opts,
  async () => {
    const clock = new ManualClock(new Date(2026, 0, 1, 12, 0, 0).getTime());
    const options = { listIntervalSeconds: 30 };
    await withServer({ clock, options }, async ({ login, console }) => {
      const online = () => console.lines.filter((l) => l.includes("Online ("));
      clock.advance(30_000);
      assert.deepEqual(online(), [], "nobody online at start: nothing to tell");
      await login("carol");
      await login("Bob");
      const alice = await login("alice");
      clock.advance(30_000);
      assert.deepEqual(online(), ["[12:01:00] Online (3): alice, Bob, carol"]);
      clock.advance(90_000);
      assert.equal(online().length, 1, "unchanged: no new line");
      await alice.close();
      await console.waitForLine("alice left");
      clock.advance(30_000);
      assert.deepEqual(online().at(-1), "[12:03:00] Online (2): Bob, carol");
      assert.equal(online().length, 2);
    });
  },
);

Deno.test("the periodic list shows the count and the first 50 names", opts, async () => {
  const clock = new ManualClock(new Date(2026, 0, 1, 12, 0, 0).getTime());
  await withServer({ clock, options: { listIntervalSeconds: 30 } }, async ({ login, console }) => {
    const names = Array.from({ length: 53 }, (_, i) => `u${String(i).padStart(2, "0")}`);
    await Promise.all(names.map((name) => login(name)));
    clock.advance(30_000);
    const line = await console.waitForLine("Online (");
    assert.equal(line, `[12:00:30] Online (53): ${names.slice(0, 50).join(", ")} and 3 more`);
  });
});

Deno.test("a list interval of 0 prints no list", opts, async () => {
  const clock = new ManualClock();
  await withServer({ clock, options: { listIntervalSeconds: 0 } }, async ({ login, console }) => {
    await login("alice");
    clock.advance(3_600_000);
    assert.deepEqual(console.lines.filter((l) => l.includes("Online (")), []);
    assert.equal(clock.pendingTimers, 1, "no list timer: only the heap's growth check is left");
  });
});

/** `chat server ARGS...` from source, as a subprocess. */
function serverProcess(args: string[]): ChatProcess {
  return new ChatProcess(sourceCommand(), ["server", "--host", "127.0.0.1", ...args], "null");
}

/** The first stdout line (seen already or still to come) that contains `text`. */
function stdoutLine(process: ChatProcess, text: string): Promise<string> {
  return process.stdout.waitFor((line) => line.includes(text), `a line containing "${text}"`);
}

Deno.test(
  "main.ts server --port 0 --list-interval 1: start line, periodic list, SIGINT exits 0",
  { ...opts, ignore: skipWhen("the server's SIGINT test", childSignalUnavailable("SIGINT")) },
  async () => {
    const server = serverProcess(["--port", "0", "--list-interval", "1"]);
    let client: TestClient | null = null;
    try {
      const start = await stdoutLine(server, "chat server listening on ");
      const match = /^chat server listening on 127\.0\.0\.1:(\d+) \(tcp\)$/.exec(start);
      assert.ok(match, start);
      assert.equal(server.stdout.lines[0], start, "the start line comes first");
      client = await TestClient.connect({ hostname: "127.0.0.1", port: Number(match[1]) });
      await client.login("alice");
      await stdoutLine(server, "alice joined from 127.0.0.1:");
      const list = await stdoutLine(server, "Online (1): alice");
      assert.match(list, /^\[\d\d:\d\d:\d\d\] Online \(1\): alice$/);
      server.signal("SIGINT");
      assert.deepEqual(await client.expectClosed(), [{
        username: "",
        message: "server shutting down",
      }]);
      assert.equal(await server.exited(), 0);
      assert.equal(server.stderr.text, "");
    } finally {
      await client?.close();
      await server.kill();
    }
  },
);

Deno.test("main.ts server: SIGTERM shuts down cleanly with exit code 0", {
  ...opts,
  ignore: skipWhen("the server's SIGTERM test", childSignalUnavailable("SIGTERM")),
}, async () => {
  const server = serverProcess(["--port", "0"]);
  try {
    await stdoutLine(server, "chat server listening on ");
    server.signal("SIGTERM");
    assert.equal(await server.exited(), 0);
  } finally {
    await server.kill();
  }
});

Deno.test(
  "main.ts server on a port in use: exit code 1 and one clear line on stderr",
  opts,
  async () => {
    const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = holder.addr.port;
    const server = serverProcess(["--port", String(port)]);
    try {
      assert.equal(await server.exited(), 1);
      assert.deepEqual(server.stderr.lines, [
        `chat: cannot listen on 127.0.0.1:${port}: address already in use`,
      ]);
      assert.deepEqual(server.stdout.lines, []);
    } finally {
      await server.kill();
      holder.close();
    }
  },
);

Deno.test("the server's connection count drops back after clients leave", opts, async () => {
  await withServer({}, async ({ login, server }) => {
    const clients = await Promise.all(["a", "b", "c"].map((n) => login(n)));
    assert.equal(server.connectionCount(), 3);
    await Promise.all(clients.map((c) => c.close()));
    await waitUntil(() => server.connectionCount() === 0, 2000, "all sessions to end");
    assert.deepEqual(server.onlineNames(), []);
  });
});
