import assert from "node:assert/strict";
import { LineReader } from "../../client/line_reader.ts";
import { clockTime, formatJsonLine, formatPlainLine } from "../../client/script_output.ts";
import type { ChatConnection } from "../../client/connection.ts";
import { runScripting, type ScriptIO, type ScriptOptions } from "../../client/scripting.ts";
import { FakeChatServer } from "../helpers/fake_chat_server.ts";
import { chats, loggedIn, serve, withServerAndBob } from "../helpers/chat_peers.ts";
import { withTimeout } from "../helpers/timeout.ts";

const encoder = new TextEncoder();

/** Scripting IO with an input the test writes to and outputs it can wait on. */
class TestIO implements ScriptIO {
  readonly input: ReadableStream<Uint8Array>;
  readonly lines: string[] = [];
  readonly errors: string[] = [];
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #waiters: (() => void)[] = [];
  outputClosed = false;
  stop?: Promise<void>;

  constructor() {
    this.input = new ReadableStream<Uint8Array>({ start: (c) => this.#controller = c });
  }

  write(text: string | Uint8Array): void {
    this.#controller.enqueue(typeof text === "string" ? encoder.encode(text) : text);
  }

  end(): void {
    this.#controller.close();
  }

  out(line: string): Promise<void> {
    if (this.outputClosed) return Promise.reject(new Deno.errors.BrokenPipe("closed"));
    this.lines.push(line);
    for (const wake of this.#waiters.splice(0)) wake();
    return Promise.resolve();
  }

  err(line: string): void {
    this.errors.push(line);
  }

  /** Waits for an output line matching `pattern`. */
  async waitLine(pattern: RegExp): Promise<string> {
    return await withTimeout(
      (async () => {
        while (true) {
          const line = this.lines.find((l) => pattern.test(l));
          if (line !== undefined) return line;
          await new Promise<void>((resolve) => this.#waiters.push(resolve));
        }
      })(),
      5000,
      `an output line matching ${pattern}`,
    );
  }
}

function options(port: number, extra: Partial<ScriptOptions> = {}): ScriptOptions {
  return {
    host: "127.0.0.1",
    port,
    name: "alice",
    json: false,
    once: undefined,
    reconnect: false,
    ...extra,
  };
}

const TIME = /^\d\d:\d\d:\d\d /;

Deno.test("piped lines are sent, frames printed as plain lines, exit 0 after the input ends", async () => {
  await withServerAndBob(async ({ port, bob }) => {
    const io = new TestIO();
    const running = runScripting(options(port), io);
    try {
      const welcome = await io.waitLine(/-- Welcome, alice!/);
      assert.match(welcome, /^\d\d:\d\d:\d\d -- Welcome, alice! Online \(2\)/);
      bob.send("hi \x1b[2J\x1b]0;pwned\x07alice\nfake 12:00:00 <carol> line");
      const line = await io.waitLine(/<bob>/);
      assert.equal(line.replace(TIME, ""), "<bob> hi alice↵fake 12:00:00 <carol> line");
      assert.ok(!line.includes("\x1b"));
      io.write("one\r\n\ntwo\n");
      io.write("thr");
      io.write("ee");
      io.end();
      assert.deepEqual(await withTimeout(chats(bob, 3), 5000, "alice's lines"), [
        "alice: one",
        "alice: two",
        "alice: three",
      ]);
      assert.equal(await withTimeout(running, 5000, "exit"), 0);
      assert.deepEqual(io.errors, []);
    } finally {
      io.outputClosed = true;
    }
  });
});

Deno.test("--json prints one parseable object a line", async () => {
  await withServerAndBob(async ({ port, bob }) => {
    const io = new TestIO();
    const running = runScripting(options(port, { json: true }), io);
    await io.waitLine(/Welcome, alice/);
    bob.send("with \u009b31m C1 and \u2028 separator");
    await io.waitLine(/"chat"/);
    io.end();
    assert.equal(await withTimeout(running, 5000, "exit"), 0);
    const objects = io.lines.map((line) => JSON.parse(line));
    assert.equal(objects[0].type, "notice");
    assert.equal(objects[0].from, null);
    assert.match(objects[0].text, /^Welcome, alice!/);
    assert.ok(!Number.isNaN(Date.parse(objects[0].time)));
    assert.match(objects[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const chat = objects.find((o) => o.type === "chat");
    assert.deepEqual(
      { from: chat.from, text: chat.text },
      { from: "bob", text: "with \u009b31m C1 and \u2028 separator" },
    );
    const raw = io.lines.find((l) => l.includes('"chat"')) ?? "";
    assert.ok(!raw.includes("\u009b") && !raw.includes("\u2028"), "C1 and U+2028 escaped");
  });
});

Deno.test("--once sends one message and exits 0 without reading the input", async () => {
  await withServerAndBob(async ({ port, bob }) => {
    const io = new TestIO();
    const code = await withTimeout(
      runScripting(options(port, { once: "build 42 passed" }), io),
      5000,
      "exit",
    );
    assert.equal(code, 0);
    assert.deepEqual(await withTimeout(chats(bob, 1), 5000, "the message"), [
      "alice: build 42 passed",
    ]);
  });
});

Deno.test("a refused login exits 1 with the reason, also with --reconnect", async () => {
  await withServerAndBob(async ({ port }) => {
    for (const reconnect of [false, true]) {
      const io = new TestIO();
      const code = await withTimeout(
        runScripting(options(port, { name: "Bob", reconnect }), io),
        5000,
        "exit",
      );
      assert.equal(code, 1);
      // Reported once: the final line, not also the server's error notice on stdout.
      assert.equal(io.errors.length, 1, io.errors.join("\n"));
      assert.match(io.errors[0], /^chat: login refused: .*taken/);
      assert.doesNotMatch(io.errors[0], /error: /);
      assert.deepEqual(io.lines, []);
    }
  });
});

Deno.test("a lost server exits 1 with the reason while input is still open", async () => {
  const server = await serve();
  const io = new TestIO();
  const running = runScripting(options(server.addr.port), io);
  await io.waitLine(/Welcome/);
  await server.shutdown();
  assert.equal(await withTimeout(running, 5000, "exit"), 1);
  assert.match(io.errors.join("\n"), /^chat: the server closed the connection.*shutting down/);
});

Deno.test("an unreachable server exits 1", async () => {
  const server = await serve();
  const port = server.addr.port;
  await server.shutdown();
  const io = new TestIO();
  assert.equal(await withTimeout(runScripting(options(port), io), 5000, "exit"), 1);
  assert.deepEqual(io.errors, [`chat: cannot connect to 127.0.0.1:${port}: connection refused`]);
});

Deno.test("bad input lines are reported and skipped; the rest is sent; exit 1", async () => {
  await withServerAndBob(async ({ port, bob }) => {
    const io = new TestIO();
    const running = runScripting(options(port), io);
    io.write("before\n");
    io.write("x".repeat(70_000) + "\n");
    io.write(new Uint8Array([0x62, 0xff, 0x0a]));
    io.write("after\n");
    io.end();
    assert.deepEqual(await withTimeout(chats(bob, 2), 5000, "the good lines"), [
      "alice: before",
      "alice: after",
    ]);
    assert.equal(await withTimeout(running, 5000, "exit"), 1);
    assert.deepEqual(io.errors, [
      "chat: input line 2 is 70000 bytes, over the limit of 65536; not sent",
      "chat: input line 3 is not valid UTF-8; not sent",
    ]);
  });
});

Deno.test("/quit in the input leaves cleanly; later lines are not sent", async () => {
  await withServerAndBob(async ({ port, bob }) => {
    const io = new TestIO();
    const running = runScripting(options(port), io);
    io.write("bye\n/quit\nnot sent\n");
    assert.equal(await withTimeout(running, 5000, "exit"), 0);
    const seen: string[] = [];
    for await (const event of bob.events()) {
      if (event.type === "frame") seen.push(event.frame.message);
      if (event.type === "frame" && /alice left/.test(event.frame.message)) break;
    }
    assert.deepEqual(seen.slice(1), ["alice joined", "bye", "alice left (quit)"]);
  });
});

Deno.test("plain and JSON formats", () => {
  const at = new Date(2026, 0, 2, 3, 4, 5);
  assert.equal(clockTime(at), "03:04:05");
  assert.equal(
    formatPlainLine({ username: "", message: "bob joined" }, at),
    "03:04:05 -- bob joined",
  );
  assert.equal(
    formatPlainLine({ username: "b\x1b[31mob", message: "a\tb\rc\x07" }, at),
    "03:04:05 <bob> a    b↵c^G",
  );
  const json = formatJsonLine({ username: "bob", message: "\x1b[2J\u0085" }, at);
  assert.equal(json.includes("\x1b"), false);
  assert.equal(json.includes("\u0085"), false);
  assert.deepEqual(JSON.parse(json), {
    time: at.toISOString(),
    type: "chat",
    from: "bob",
    text: "\x1b[2J\u0085",
  });
});

Deno.test("the line reader splits, strips CRLF, bounds lengths and checks UTF-8", async () => {
  const chunks = ["a\r\nb", "c\n\n", "é".repeat(3), "\nlast"].map((s) => encoder.encode(s));
  const stream = ReadableStream.from(chunks);
  const reader = new LineReader(stream, 6);
  const got = [];
  for (let line = await reader.next(); line !== null; line = await reader.next()) got.push(line);
  assert.deepEqual(got, [
    { ok: true, text: "a", lineNumber: 1 },
    { ok: true, text: "bc", lineNumber: 2 },
    { ok: true, text: "", lineNumber: 3 },
    { ok: true, text: "ééé", lineNumber: 4 },
    { ok: true, text: "last", lineNumber: 5 },
  ]);
  const long = new LineReader(ReadableStream.from([encoder.encode("1234567\n123456\r\n")]), 6);
  assert.deepEqual(await long.next(), {
    ok: false,
    lineNumber: 1,
    problem: "too-long",
    bytes: 7,
    limit: 6,
  });
  assert.deepEqual(await long.next(), { ok: true, text: "123456", lineNumber: 2 });
  assert.equal(await long.next(), null);
});

Deno.test("server text quoted on stderr is sanitized too", async () => {
  const fake = new FakeChatServer();
  const io = new TestIO();
  const running = runScripting(options(fake.port), io);
  try {
    const { peer } = await fake.acceptLogin();
    await peer.sendNotice("error: \x1b]0;owned\x07bad\x1b[2J");
    peer.close();
    assert.equal(await withTimeout(running, 5000, "exit"), 1);
    assert.deepEqual(io.errors, ["chat: login refused: bad"]);
    assert.deepEqual(io.lines, []);
  } finally {
    fake.close();
  }
});

Deno.test("a closed output ends the run cleanly", async () => {
  const server = await serve();
  const io = new TestIO();
  io.outputClosed = true;
  try {
    const code = await withTimeout(runScripting(options(server.addr.port), io), 5000, "exit");
    assert.equal(code, 0);
    assert.deepEqual(io.errors, []);
  } finally {
    await server.shutdown();
  }
});

Deno.test("--once does not print the welcome", async () => {
  await withServerAndBob(async ({ port, bob }) => {
    const io = new TestIO();
    const code = await withTimeout(runScripting(options(port, { once: "hi" }), io), 5000, "exit");
    assert.equal(code, 0);
    await withTimeout(chats(bob, 1), 5000, "the message");
    assert.ok(!io.lines.some((line) => line.includes("Welcome")), io.lines.join("\n"));
  });
});

Deno.test("--stay keeps printing after the input ended, until the server closes: exit 0", async () => {
  const server = await serve();
  const bob = await loggedIn("bob", server.addr.port);
  try {
    const io = new TestIO();
    const running = runScripting(options(server.addr.port, { stay: true }), io);
    io.write("question\n");
    io.end();
    assert.deepEqual(await withTimeout(chats(bob, 1), 5000, "the question"), [
      "alice: question",
    ]);
    bob.send("the answer");
    await io.waitLine(/<bob> the answer$/);
    await server.shutdown();
    assert.equal(await withTimeout(running, 5000, "exit"), 0);
    assert.deepEqual(io.errors, []);
    assert.match(io.lines.at(-1) ?? "", /-- server shutting down/);
  } finally {
    bob.close();
    await bob.closed;
    await server.shutdown();
  }
});

Deno.test("--stay ends cleanly on a stop request (a signal): /quit, exit 0", async () => {
  await withServerAndBob(async ({ port, bob }) => {
    const io = new TestIO();
    const stop = Promise.withResolvers<void>();
    io.stop = stop.promise;
    const running = runScripting(options(port, { once: "listening", stay: true }), io);
    assert.deepEqual(await withTimeout(chats(bob, 1), 5000, "the line"), ["alice: listening"]);
    stop.resolve();
    assert.equal(await withTimeout(running, 5000, "exit"), 0);
    for await (const event of bob.events()) {
      if (event.type === "frame" && /alice left \(quit\)/.test(event.frame.message)) break;
    }
  });
});

Deno.test("--rate paces the lines: a burst, then one per 1/rate seconds", async () => {
  await withServerAndBob(async ({ port, bob }) => {
    const io = new TestIO();
    let now = 0;
    const waits: number[] = [];
    const running = runScripting(
      options(port, {
        sendRate: 2,
        clock: () => now,
        sleep: (ms) => {
          waits.push(ms);
          now += ms;
          return Promise.resolve();
        },
      }),
      io,
    );
    io.write(Array.from({ length: 8 }, (_, i) => `line ${i}\n`).join(""));
    io.end();
    assert.equal((await withTimeout(chats(bob, 8), 5000, "the lines")).length, 8);
    assert.equal(await withTimeout(running, 5000, "exit"), 0);
    // A burst of 5 at 2 a second, then three waits of half a second.
    assert.deepEqual(waits, [500, 500, 500]);
  });
});

Deno.test("--json: errors are JSON objects on stdout, a refusal reported once", async () => {
  await withServerAndBob(async ({ port }) => {
    const io = new TestIO();
    const code = await withTimeout(
      runScripting(options(port, { name: "BOB", json: true }), io),
      5000,
      "exit",
    );
    assert.equal(code, 1);
    assert.deepEqual(io.errors, []);
    assert.equal(io.lines.length, 1, io.lines.join("\n"));
    const error = JSON.parse(io.lines[0]);
    assert.equal(error.type, "error");
    assert.match(error.text, /^login refused: name 'BOB' is already taken$/i);
    assert.match(error.time, /^\d{4}-\d\d-\d\dT/);
  });
});

Deno.test("history lines print as the messages they were, at the time they were said", async () => {
  // The server keeps history and replays it by default.
  await withServerAndBob(async ({ port, bob }) => {
    bob.send("good \x1b[31mmorning");
    bob.send("/me waves");
    bob.send("/users");
    await withTimeout(onlineList(bob), 5000, "bob's /users answer");
    const io = new TestIO();
    const running = runScripting(options(port), io);
    await io.waitLine(/-- End of history$/);
    io.end();
    assert.equal(await withTimeout(running, 5000, "exit"), 0);
    const start = io.lines.findIndex((l) => / -- History: 2 messages since /.test(l));
    assert.ok(start > 0, io.lines.join("\n"));
    const [message, action, end] = io.lines.slice(start + 1, start + 4);
    assert.match(message, /^\d\d:\d\d:\d\d <bob> good morning$/, "sanitized, as live lines are");
    assert.match(action, /^\d\d:\d\d:\d\d -- \* bob waves$/);
    assert.match(end, /^\d\d:\d\d:\d\d -- End of history$/);
    assert.equal(io.lines.some((l) => l.includes("[history ")), false, "no wire form");
  });
});

/** Waits for the answer to a `/users` (so everything sent before it was handled). */
async function onlineList(conn: ChatConnection): Promise<void> {
  for await (const event of conn.events()) {
    if (event.type === "frame" && event.frame.message.startsWith("Online (")) return;
  }
}

Deno.test("a history line's plain time is when it was said, not when it arrived", () => {
  const said = new Date(2026, 11, 3, 12, 3, 11, 250);
  const arrived = new Date(2026, 11, 3, 15, 0, 0);
  const history = (rest: string) => ({
    username: "",
    message: `[history ${said.toISOString()}] ${rest}`,
  });
  assert.equal(formatPlainLine(history("<bob> hi"), arrived), "12:03:11 <bob> hi");
  assert.equal(formatPlainLine(history("* bob waves"), arrived), "12:03:11 -- * bob waves");
  assert.equal(formatPlainLine(history("<bob> a\x1b[2Jb\nc"), arrived), "12:03:11 <bob> ab↵c");
});

Deno.test("--json: history lines and actions in their own forms", async () => {
  const fake = new FakeChatServer();
  const io = new TestIO();
  const running = runScripting(options(fake.port, { json: true }), io);
  try {
    const { peer } = await fake.acceptLogin();
    const said = "2026-12-03T12:03:11.250Z";
    await peer.sendNotice("Welcome, alice! Online (1): alice");
    await peer.sendNotice(`History: 2 messages since ${said}`);
    await peer.sendNotice(`[history ${said}] <bob> hello "world"`);
    await peer.sendNotice(`[history ${said}] * bob waves`);
    await peer.sendNotice("End of history");
    await peer.sendNotice("* bob waves again");
    await io.waitLine(/waves again/);
    io.end();
    assert.equal((await peer.nextFrame())?.message, "/quit");
    peer.close();
    assert.equal(await withTimeout(running, 5000, "exit"), 0);
    const objects = io.lines.map((line) => JSON.parse(line));
    const withoutTime = objects.map(({ time: _, ...rest }) => rest);
    assert.deepEqual(withoutTime.slice(1), [
      { type: "notice", from: null, text: `History: 2 messages since ${said}` },
      { type: "history", from: "bob", text: 'hello "world"' },
      { type: "history", from: "bob", text: "waves", action: true },
      { type: "notice", from: null, text: "End of history" },
      { type: "action", from: "bob", text: "waves again" },
    ]);
    assert.equal(objects[2].time, said, "a history line carries the time it was said");
    assert.equal(objects[3].time, said);
    assert.notEqual(objects[5].time, said);
  } finally {
    fake.close();
  }
});
