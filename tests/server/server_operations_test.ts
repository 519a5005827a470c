/**
 * `chat server` as a real child process, for what only a process shows: SIGTERM turns /readyz to
 * 503 and stops accepting before the connections close, `--drain-seconds` waits for clients to
 * leave, `--log-format json` writes every line of a session as JSON, and Ctrl-C with nobody
 * online still says it is shutting down.
 */

import { parseStartLine } from "../../server/start_line.ts";
import assert from "node:assert/strict";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { ChatProcess } from "../../kit/chat_process.ts";
import { childSignalUnavailable, skipWhen } from "../helpers/platform.ts";
import { httpGet, pollUntil } from "../helpers/prometheus.ts";
import { TestClient } from "../helpers/wire.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const sigterm = skipWhen("the server's SIGTERM tests", childSignalUnavailable("SIGTERM"));
const sigint = skipWhen("the server's SIGINT tests", childSignalUnavailable("SIGINT"));

/** `chat server` on 127.0.0.1, a free port, with `args`. */
function serverProcess(args: string[]): ChatProcess {
  return new ChatProcess(
    sourceCommand(),
    ["server", "--host", "127.0.0.1", "--port", "0", "--list-interval", "0", ...args],
    "null",
  );
}

/** The chat port from the start line and the metrics URL from the line after it. */
async function addresses(server: ChatProcess): Promise<{ port: number; metrics: string }> {
  const start = await server.stdout.waitFor((l) => l.includes("listening on"), "the start line");
  const port = parseStartLine(start)?.[0].port ?? 0;
  const line = await server.stdout.waitFor((l) => l.includes("metrics on"), "the metrics line");
  const metrics = /(http:\/\/[^ ]+)\/metrics/.exec(line)?.[1];
  assert.ok(metrics, line);
  return { port, metrics };
}

Deno.test(
  "SIGTERM: /readyz 503 and no new connections at once, clients drain, then exit 0",
  { ...opts, ignore: sigterm },
  async () => {
    const server = serverProcess(["--metrics", "127.0.0.1:0", "--drain-seconds", "60"]);
    let alice: TestClient | null = null;
    try {
      const { port, metrics } = await addresses(server);
      alice = await TestClient.connect({ hostname: "127.0.0.1", port });
      await alice.login("alice");
      assert.equal((await httpGet(`${metrics}/readyz`)).status, 200);
      server.signal("SIGTERM");
      await pollUntil(
        async () => (await httpGet(`${metrics}/readyz`)).status === 503,
        5000,
        "/readyz to turn 503",
      );
      await server.stdout.waitFor((l) => l.includes("draining"), "the drain line");
      await assert.rejects(
        Deno.connect({ hostname: "127.0.0.1", port }),
        Deno.errors.ConnectionRefused,
        "no longer accepting",
      );
      // Still connected and served while draining.
      await alice.say("/users");
      assert.equal((await alice.waitForNotice("Online (")).message, "Online (1): alice");
      await alice.say("/quit");
      await alice.expectClosed();
      assert.equal(await server.exited(), 0, "exits once the last client left, not after 60 s");
      assert.ok(
        server.stdout.lines.some((l) => l.endsWith("shutting down: closing 0 connection(s)")),
      );
    } finally {
      await alice?.close();
      await server.kill();
    }
  },
);

Deno.test(
  "--drain-seconds: clients that stay get the shutdown notice when the drain time is up",
  { ...opts, ignore: sigterm },
  async () => {
    const server = serverProcess(["--drain-seconds", "1"]);
    let alice: TestClient | null = null;
    try {
      const start = await server.stdout.waitFor((l) => l.includes("listening on"), "start");
      alice = await TestClient.connect({
        hostname: "127.0.0.1",
        port: parseStartLine(start)?.[0].port ?? 0,
      });
      await alice.login("alice");
      const signalled = Date.now();
      server.signal("SIGTERM");
      const frames = await alice.expectClosed(10_000);
      assert.deepEqual(frames.at(-1), { username: "", message: "server shutting down" });
      assert.ok(Date.now() - signalled >= 900, "the notice waited for the drain");
      assert.equal(await server.exited(), 0);
    } finally {
      await alice?.close();
      await server.kill();
    }
  },
);

Deno.test(
  "--log-format json: every line of a real session parses, with the event's fields",
  { ...opts, ignore: sigint },
  async () => {
    const server = new ChatProcess(sourceCommand(), [
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--list-interval",
      "1",
      "--log-format",
      "json",
      "--metrics",
      "127.0.0.1:0",
    ], "null");
    const clients: TestClient[] = [];
    try {
      const start = JSON.parse(
        await server.stdout.waitFor((l) => l.includes('"event":"start"'), "the start event"),
      );
      const port = Number(/:(\d+)$/.exec(start.address)?.[1]);
      const alice = await TestClient.connect({ hostname: "127.0.0.1", port });
      clients.push(alice);
      await alice.login("alice");
      const bob = await TestClient.connect({ hostname: "127.0.0.1", port });
      clients.push(bob);
      await bob.login("bob");
      await server.stdout.waitFor(
        (l) => l.includes('"event":"list"') && l.includes('"bob"'),
        "a list event naming bob",
      );
      await bob.say("/quit");
      await bob.expectClosed();
      await server.stdout.waitFor((l) => l.includes('"event":"leave"'), "the leave event");
      const irc = await Deno.connect({ hostname: "127.0.0.1", port });
      await irc.write(new TextEncoder().encode("NICK carol\r\n"));
      await server.stdout.waitFor((l) => l.includes("text-client"), "the text client event");
      irc.close();
      server.signal("SIGINT");
      assert.equal(await server.exited(), 0);
      const lines = [...server.stdout.lines, ...server.stderr.lines];
      const events = lines.map((line) => JSON.parse(line));
      for (const event of events) {
        assert.match(event.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.ok(["info", "warn", "error"].includes(event.level), event.level);
        assert.equal(typeof event.event, "string");
      }
      const find = (kind: string, name?: string) =>
        events.find((e) => e.event === kind && (name === undefined || e.name === name));
      assert.ok(find("metrics")?.url.startsWith("http://127.0.0.1:"));
      assert.equal(find("join", "alice")?.address, `127.0.0.1:${alice.localAddr.port}`);
      assert.deepEqual(find("leave", "bob"), {
        time: find("leave", "bob").time,
        level: "info",
        event: "leave",
        name: "bob",
        address: `127.0.0.1:${bob.localAddr.port}`,
        reason: "quit",
      });
      const list = events.find((e) => e.event === "list" && e.names.includes("bob"));
      assert.deepEqual(list, { ...list, count: 2, names: ["alice", "bob"] });
      assert.equal(find("text-client")?.sample, "NICK carol");
      assert.equal(find("shutdown")?.connections, 1);
      assert.equal(find("leave", "alice")?.reason, "server shutting down");
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await server.kill();
    }
  },
);

Deno.test(
  "Ctrl-C with nobody online prints the shutdown line with the count",
  { ...opts, ignore: sigint },
  async () => {
    const server = serverProcess([]);
    try {
      await server.stdout.waitFor((l) => l.includes("listening on"), "the start line");
      server.signal("SIGINT");
      assert.equal(await server.exited(), 0);
      assert.match(
        server.stdout.lines.at(-1) ?? "",
        /^\[\d\d:\d\d:\d\d\] shutting down: closing 0 connection\(s\)$/,
      );
    } finally {
      await server.kill();
    }
  },
);

Deno.test(
  "--log-format json: a failed start is one JSON error line",
  opts,
  async () => {
    const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const server = new ChatProcess(sourceCommand(), [
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      String(holder.addr.port),
      "--log-format",
      "json",
    ], "null");
    try {
      assert.equal(await server.exited(), 1);
      assert.equal(server.stderr.lines.length, 1);
      const line = JSON.parse(server.stderr.lines[0]);
      assert.equal(line.level, "error");
      assert.equal(line.event, "error");
      assert.match(line.message, /address already in use/);
    } finally {
      await server.kill();
      holder.close();
    }
  },
);
