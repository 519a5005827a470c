/**
 * End-to-end: `chat client` as a subprocess (through main.ts) with piped stdin and stdout, against
 * an in-process server.
 */
import assert from "node:assert/strict";
import { ChatConnection } from "../client/connection.ts";
import {
  type ChatServer,
  DEFAULT_SERVER_OPTIONS,
  type RoomEvent,
  startServer,
} from "../server/mod.ts";
import { withTimeout } from "./helpers/timeout.ts";

const QUIET = { log: () => {}, error: () => {} };
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const encoder = new TextEncoder();

function serve(port = 0): Promise<ChatServer> {
  return startServer(
    { ...DEFAULT_SERVER_OPTIONS, host: "127.0.0.1", port, listIntervalSeconds: 0 },
    { console: QUIET },
  );
}

/** Lines of one output stream of the child, readable while it runs. */
class LineStream {
  readonly lines: string[] = [];
  readonly done: Promise<void>;
  #waiters: (() => void)[] = [];
  #ended = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      let rest = "";
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + text).split("\n");
        rest = parts.pop() ?? "";
        this.lines.push(...parts);
        this.#wake();
      }
      if (rest.length > 0) this.lines.push(rest);
      this.#ended = true;
      this.#wake();
    })();
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Waits for a line matching `pattern`. */
  async waitLine(pattern: RegExp, ms = 10_000): Promise<string> {
    return await withTimeout(
      (async () => {
        while (true) {
          const line = this.lines.find((l) => pattern.test(l));
          if (line !== undefined) return line;
          if (this.#ended) throw new Error(`output ended without ${pattern}:\n${this.text()}`);
          await new Promise<void>((resolve) => this.#waiters.push(resolve));
        }
      })(),
      ms,
      `a line matching ${pattern}`,
    );
  }

  text(): string {
    return this.lines.join("\n");
  }
}

/** `chat client ...` running as a subprocess. */
class ClientProcess {
  readonly child: Deno.ChildProcess;
  readonly stdout: LineStream;
  readonly stderr: LineStream;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stdinOpen = true;

  constructor(args: string[]) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", MAIN, "client", ...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.stdout = new LineStream(this.child.stdout);
    this.stderr = new LineStream(this.child.stderr);
    this.#stdin = this.child.stdin.getWriter();
  }

  async write(text: string): Promise<void> {
    await this.#stdin.write(encoder.encode(text));
  }

  async endInput(): Promise<void> {
    if (!this.#stdinOpen) return;
    this.#stdinOpen = false;
    try {
      await this.#stdin.close();
    } catch {
      // The child is gone already.
    }
  }

  /** Ends the input and waits for the exit code and both outputs. */
  async exit(ms = 10_000): Promise<number> {
    await this.endInput();
    const status = await withTimeout(this.child.status, ms, "the client to exit");
    await Promise.all([this.stdout.done, this.stderr.done]);
    return status.code;
  }

  /** Makes sure the child is gone (for `finally`). */
  async kill(): Promise<void> {
    await this.endInput();
    try {
      this.child.kill();
    } catch {
      // Already exited.
    }
    await this.child.status;
    await Promise.all([this.stdout.done, this.stderr.done]);
  }
}

async function loggedIn(name: string, port: number): Promise<ChatConnection> {
  const conn = await ChatConnection.connect({ host: "127.0.0.1", port, name });
  const outcome = await withTimeout(conn.login, 5000, `${name}'s login`);
  assert.ok(outcome.ok, `${name} logged in`);
  return conn;
}

async function chats(conn: ChatConnection, count: number): Promise<string[]> {
  const out: string[] = [];
  for await (const event of conn.events()) {
    if (event.type === "frame" && event.kind === "chat") {
      out.push(`${event.frame.username}: ${event.frame.message}`);
      if (out.length === count) break;
    }
  }
  return out;
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
  const server = await serve();
  const port = server.addr.port;
  const bob = await loggedIn("bob", port);
  const client = new ClientProcess(["127.0.0.1", String(port), "alice"]);
  try {
    const welcome = await client.stdout.waitLine(/Welcome, alice!/);
    assert.match(welcome, /^\d\d:\d\d:\d\d -- Welcome, alice! Online \(2\): /);
    bob.send("hello alice \x1b[31mred\x1b[0m");
    const chat = await client.stdout.waitLine(/<bob>/);
    assert.match(chat, /^\d\d:\d\d:\d\d <bob> hello alice red$/);
    await client.write("first line\nsecond line\n");
    assert.deepEqual(await withTimeout(chats(bob, 2), 5000, "alice's lines"), [
      "alice: first line",
      "alice: second line",
    ]);
    await client.write("last line, no newline");
    assert.equal(await client.exit(), 0);
    assert.deepEqual(await withTimeout(chats(bob, 1), 5000, "the last line"), [
      "alice: last line, no newline",
    ]);
    assert.equal(client.stderr.text(), "");
  } finally {
    await client.kill();
    bob.close();
    await bob.closed;
    await server.shutdown();
  }
});

Deno.test("--json output is one parseable object a line", async () => {
  const server = await serve();
  const port = server.addr.port;
  const bob = await loggedIn("bob", port);
  const client = new ClientProcess(["--port", String(port), "--name", "alice", "--json"]);
  try {
    await client.stdout.waitLine(/Welcome, alice/);
    bob.send("json please");
    await client.stdout.waitLine(/json please/);
    assert.equal(await client.exit(), 0);
    const objects = client.stdout.lines.filter((l) => l.length > 0).map((l) => JSON.parse(l));
    assert.equal(objects[0].type, "notice");
    assert.equal(objects[0].from, null);
    const chat = objects.find((o) => o.type === "chat");
    assert.deepEqual({ from: chat.from, text: chat.text }, { from: "bob", text: "json please" });
    assert.match(chat.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  } finally {
    await client.kill();
    bob.close();
    await bob.closed;
    await server.shutdown();
  }
});

Deno.test("--once sends one message and exits 0", async () => {
  const server = await serve();
  const port = server.addr.port;
  const bob = await loggedIn("bob", port);
  const client = new ClientProcess(["127.0.0.1", String(port), "ci", "--once", "build passed"]);
  try {
    // stdin stays open: --once must not wait for it.
    const status = await withTimeout(client.child.status, 10_000, "the client to exit");
    assert.equal(status.code, 0);
    assert.deepEqual(await withTimeout(chats(bob, 1), 5000, "the message"), ["ci: build passed"]);
  } finally {
    await client.kill();
    bob.close();
    await bob.closed;
    await server.shutdown();
  }
});

Deno.test("a taken name exits 1 with the reason and no retry loop, even with --reconnect", async () => {
  const server = await serve();
  const port = server.addr.port;
  const bob = await loggedIn("bob", port);
  const client = new ClientProcess(["127.0.0.1", String(port), "BOB", "--reconnect"]);
  try {
    assert.equal(await client.exit(), 1);
    assert.match(client.stderr.text(), /^chat: login refused: error: name 'bob' is already taken$/);
    assert.doesNotMatch(client.stderr.text(), /reconnect/);
  } finally {
    await client.kill();
    bob.close();
    await bob.closed;
    await server.shutdown();
  }
});

Deno.test("a missing name with piped stdin is a usage error (exit 2)", async () => {
  const client = new ClientProcess(["127.0.0.1", "5000"]);
  try {
    assert.equal(await client.exit(), 2);
    assert.match(client.stderr.lines[0], /^chat: missing NAME/);
    assert.match(client.stderr.text(), /Usage: chat client/);
  } finally {
    await client.kill();
  }
});

Deno.test("--reconnect: after the server restarts on the same port, a queued line arrives", async () => {
  let server = await serve();
  const port = server.addr.port;
  const client = new ClientProcess(["127.0.0.1", String(port), "alice", "--reconnect"]);
  let bob: ChatConnection | undefined;
  try {
    await client.stdout.waitLine(/Welcome, alice!/);
    await server.shutdown();
    await client.stderr.waitLine(/reconnect attempt 1 in 0\.[345]\d* s/);
    await client.write("typed while offline\n");
    server = await serve(port);
    const arrived = roomMessage(server, "alice");
    bob = await loggedIn("bob", port);
    await client.stderr.waitLine(/reconnected as alice/);
    assert.equal(await withTimeout(arrived, 10_000, "the queued line"), "typed while offline");
    assert.equal(await client.exit(), 0);
    assert.match(client.stderr.text(), /server shutting down.*reconnecting/);
  } finally {
    await client.kill();
    bob?.close();
    await bob?.closed;
    await server.shutdown();
  }
});

Deno.test("a lost server without --reconnect exits 1 with the reason", async () => {
  const server = await serve();
  const client = new ClientProcess(["127.0.0.1", String(server.addr.port), "alice"]);
  try {
    await client.stdout.waitLine(/Welcome, alice!/);
    await server.shutdown();
    // stdin stays open: the client must notice the loss by itself.
    const status = await withTimeout(client.child.status, 10_000, "the client to exit");
    assert.equal(status.code, 1);
    assert.equal(await client.exit(), 1);
    assert.match(client.stdout.text(), /-- server shutting down/);
    assert.match(client.stderr.text(), /^chat: the server closed the connection/);
  } finally {
    await client.kill();
  }
});

Deno.test("a piped burst larger than the server's flood burst arrives complete", async () => {
  const server = await serve();
  const port = server.addr.port;
  const bob = await loggedIn("bob", port);
  const client = new ClientProcess(["127.0.0.1", String(port), "alice"]);
  try {
    const count = DEFAULT_SERVER_OPTIONS.floodBurst + 10;
    const lines = Array.from({ length: count }, (_, i) => `line ${i + 1}`);
    await client.write(lines.join("\n") + "\n");
    assert.equal(await client.exit(), 0);
    const got = await withTimeout(chats(bob, count), 15_000, `${count} lines`);
    assert.deepEqual(got, lines.map((l) => `alice: ${l}`));
    assert.doesNotMatch(client.stdout.text(), /flood/);
  } finally {
    await client.kill();
    bob.close();
    await bob.closed;
    await server.shutdown();
  }
});
