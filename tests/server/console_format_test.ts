/**
 * The console's events: folded repeats, JSON lines with their fields, the shutdown line when
 * nobody is online, and the line for a client that speaks text to the binary port.
 */

import assert from "node:assert/strict";
import { ServerConsole } from "../../server/console.ts";
import { TEXT_CLIENT_REPLY } from "../../server/text_client.ts";
import { ManualClock } from "../helpers/clock.ts";
import { CapturedConsole, testServerOptions, withServer } from "../helpers/server.ts";
import { startServer } from "../../server/mod.ts";
import { withTimeout } from "../helpers/timeout.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

Deno.test("the same error within a second is folded into one line with a count", () => {
  const clock = new ManualClock(new Date(2026, 0, 1, 12, 0, 0).getTime());
  const sink = new CapturedConsole();
  const console = new ServerConsole(sink, clock);
  for (let i = 0; i < 1000; i++) console.problem("accept failed: connection reset");
  console.problem("something else");
  assert.deepEqual(sink.errors, [
    "[12:00:00] accept failed: connection reset",
    "[12:00:00] something else",
  ]);
  clock.advance(1000);
  assert.deepEqual(sink.errors.slice(2), [
    "[12:00:01] accept failed: connection reset (999 more in the last second)",
  ]);
  for (let i = 0; i < 10; i++) console.problem("accept failed: connection reset");
  clock.advance(1000);
  assert.equal(
    sink.errors.at(-1),
    "[12:00:02] accept failed: connection reset (10 more in the last second)",
  );
  clock.advance(2000);
  assert.equal(sink.errors.length, 4, "quiet: nothing more");
  assert.equal(clock.pendingTimers, 0, "the folding timer stops when nothing repeats");
  console.problem("accept failed: connection reset");
  assert.equal(sink.errors.length, 5, "after a quiet second the line prints again at once");
  console.close();
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("JSON lines: time in ISO 8601 UTC, level, event and the event's fields", () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  const sink = new CapturedConsole();
  const console = new ServerConsole(sink, clock, { format: "json" });
  console.started([{ kind: "tcp", addr: { transport: "tcp", hostname: "127.0.0.1", port: 5000 } }]);
  console.joined("alice", "127.0.0.1:40000");
  console.left("alice", "quit", "127.0.0.1:40000");
  console.online(2, ["alice", "bob"]);
  console.shuttingDown(0);
  console.problem("accept failed: out of file handles");
  const all = [...sink.lines, ...sink.errors].map((line) => JSON.parse(line));
  assert.deepEqual(all, [
    {
      time: "2026-01-02T03:04:05.678Z",
      level: "info",
      event: "start",
      address: "127.0.0.1:5000",
      listeners: ["127.0.0.1:5000 (tcp)"],
    },
    {
      time: "2026-01-02T03:04:05.678Z",
      level: "info",
      event: "join",
      name: "alice",
      address: "127.0.0.1:40000",
    },
    {
      time: "2026-01-02T03:04:05.678Z",
      level: "info",
      event: "leave",
      name: "alice",
      address: "127.0.0.1:40000",
      reason: "quit",
    },
    {
      time: "2026-01-02T03:04:05.678Z",
      level: "info",
      event: "list",
      count: 2,
      names: ["alice", "bob"],
    },
    { time: "2026-01-02T03:04:05.678Z", level: "info", event: "shutdown", connections: 0 },
    {
      time: "2026-01-02T03:04:05.678Z",
      level: "error",
      event: "error",
      message: "accept failed: out of file handles",
    },
  ]);
  console.close();
});

Deno.test("moderation lines are JSON events too: oper, kick, mute, topic", () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
  const sink = new CapturedConsole();
  const console = new ServerConsole(sink, clock, { format: "json" });
  console.operAttempt("alice", "127.0.0.1:40000", "accepted");
  console.kicked("alice", "bob", "spam");
  console.muted("alice", "carol", 30 * 60_000);
  console.topicSet("alice", "release day");
  const events = sink.lines.map((line) => JSON.parse(line));
  const time = "2026-01-02T03:04:05.000Z";
  assert.deepEqual(events, [
    {
      time,
      level: "info",
      event: "oper",
      name: "alice",
      address: "127.0.0.1:40000",
      outcome: "accepted",
    },
    { time, level: "info", event: "kick", by: "alice", name: "bob", reason: "spam" },
    { time, level: "info", event: "mute", by: "alice", name: "carol", seconds: 1800 },
    { time, level: "info", event: "topic", by: "alice", topic: "release day" },
  ]);
});

Deno.test("a new event is one call with its fields, in both formats", () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
  const text = new CapturedConsole();
  const json = new CapturedConsole();
  for (const [sink, format] of [[text, "text"], [json, "json"]] as const) {
    new ServerConsole(sink, clock, { format }).event("info", "oper", "alice is now an operator", {
      name: "alice",
    });
  }
  assert.match(text.lines[0], /^\[\d\d:\d\d:\d\d\] alice is now an operator$/);
  assert.deepEqual(JSON.parse(json.lines[0]), {
    time: "2026-01-02T03:04:05.000Z",
    level: "info",
    event: "oper",
    name: "alice",
  });
});

Deno.test("shutting down with nobody online says so, with the count", opts, async () => {
  const captured = new CapturedConsole();
  const server = await startServer(testServerOptions(), { console: captured });
  await server.shutdown();
  assert.match(captured.lines.at(-1) ?? "", /\] shutting down: closing 0 connection\(s\)$/);
});

Deno.test(
  "a client speaking text (IRC's NICK) is told in plain text and the console names the cause",
  opts,
  async () => {
    await withServer({}, async ({ server, console }) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
      try {
        await conn.write(new TextEncoder().encode("NICK alice\r\nUSER alice 0 * :Alice\r\n"));
        const received: number[] = [];
        const buffer = new Uint8Array(1024);
        await withTimeout(
          (async () => {
            for (;;) {
              const n = await conn.read(buffer);
              if (n === null) return;
              received.push(...buffer.subarray(0, n));
            }
          })(),
          5000,
          "the server to close the text client",
        );
        assert.deepEqual(new Uint8Array(received), TEXT_CLIENT_REPLY);
        const text = new TextDecoder().decode(TEXT_CLIENT_REPLY);
        assert.match(text, /^ERROR :[ -~]+\r\n$/, "one printable line");
      } finally {
        conn.close();
      }
      const line = await console.waitForLine("looks like text");
      assert.match(
        line,
        /^\[\d\d:\d\d:\d\d\] 127\.0\.0\.1:\d+ looks like text, not chat frames .*"NICK alice"/,
      );
    });
  },
);
