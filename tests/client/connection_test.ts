import assert from "node:assert/strict";
import {
  ChatConnection,
  type CloseReason,
  ConnectError,
  type ConnectionEvent,
  type ConnectOptions,
  ConnectTimeoutError,
  describeCloseReason,
  MessageTooLongError,
} from "../../client/connection.ts";
import { describeSessionEnd, type SessionEvent, startSession } from "../../client/session.ts";
import { encodeFrame, type Frame, InvalidUsernameError } from "../../protocol/mod.ts";
import { FakeChatServer, type FakePeer } from "../helpers/fake_chat_server.ts";
import { notLinux, skipWhen } from "../helpers/platform.ts";
import { withTimeout } from "../helpers/timeout.ts";

const FIXED = new Date("2026-01-01T12:00:00Z");

/** Collects every event of a connection until `closed`. */
function collect(conn: ChatConnection): Promise<ConnectionEvent[]> {
  return withTimeout(
    (async () => {
      const events: ConnectionEvent[] = [];
      for await (const event of conn.events()) events.push(event);
      return events;
    })(),
    5000,
    "the connection's events to end",
  );
}

function frames(events: ConnectionEvent[]): string[] {
  return events.flatMap((e) =>
    e.type === "frame" ? [`${e.kind}:${e.frame.username}:${e.frame.message}`] : []
  );
}

function closeReason(events: ConnectionEvent[]): CloseReason | undefined {
  const last = events[events.length - 1];
  return last?.type === "closed" ? last.reason : undefined;
}

/**
 * Runs `body` with a connection to a fresh FakeChatServer whose login the server has accepted
 * (not yet answered); the server is always closed afterwards.
 */
async function withConnection(
  options: Omit<ConnectOptions, "host" | "port">,
  body: (connected: { conn: ChatConnection; peer: FakePeer; login: Frame }) => Promise<void>,
): Promise<void> {
  const server = new FakeChatServer();
  try {
    const connecting = ChatConnection.connect({ host: "127.0.0.1", port: server.port, ...options });
    const { peer, login } = await server.acceptLogin();
    await body({ conn: await connecting, peer, login });
  } finally {
    server.close();
  }
}

Deno.test("logs in, is accepted on the welcome, receives chat and notices, sends, quits", async () => {
  await withConnection({ name: "alice", now: () => FIXED }, async ({ conn, peer, login }) => {
    const events = collect(conn);
    assert.deepEqual(login, { username: "alice", message: "" });
    assert.equal(conn.loggedIn, false);

    await peer.sendNotice("Welcome, alice! Online (2): alice, bob");
    assert.deepEqual(await withTimeout(conn.login, 5000, "login"), {
      ok: true,
      welcome: "Welcome, alice! Online (2): alice, bob",
    });
    assert.equal(conn.loggedIn, true);
    await peer.send({ username: "bob", message: "hi alice" });

    assert.equal(conn.send("hello bob"), true);
    assert.equal(await conn.flush(), true);
    assert.deepEqual(await peer.nextFrame(), { username: "alice", message: "hello bob" });

    const quitting = conn.quit();
    assert.deepEqual(await peer.nextFrame(), { username: "alice", message: "/quit" });
    peer.close();
    assert.deepEqual(await quitting, { kind: "quit" });

    const seen = await events;
    assert.deepEqual(frames(seen), [
      "notice::Welcome, alice! Online (2): alice, bob",
      "chat:bob:hi alice",
    ]);
    assert.deepEqual(seen.map((e) => e.type), ["frame", "accepted", "frame", "closed"]);
    const chat = seen[2];
    assert.ok(chat.type === "frame");
    assert.equal(chat.receivedAt, FIXED);
    assert.deepEqual(closeReason(seen), { kind: "quit" });
    assert.equal(conn.send("too late"), false);
  });
});

Deno.test("an error notice and a close before the welcome is a refused login", async () => {
  await withConnection({ name: "bob" }, async ({ conn, peer }) => {
    const events = collect(conn);
    await peer.sendNotice("error: name 'bob' is already taken");
    peer.close();
    const outcome = await withTimeout(conn.login, 5000, "login outcome");
    const refused: CloseReason = { kind: "refused", message: "error: name 'bob' is already taken" };
    assert.deepEqual(outcome, { ok: false, reason: refused });
    assert.deepEqual(closeReason(await events), refused);
    assert.deepEqual(await conn.closed, refused);
    assert.equal(describeCloseReason(refused), "login refused: name 'bob' is already taken");
  });
});

Deno.test("the server closing after the login reports its last notice", async () => {
  await withConnection({ name: "eve" }, async ({ conn, peer }) => {
    const events = collect(conn);
    await peer.sendNotice("Welcome, eve! Online (1): eve");
    await peer.sendNotice("server shutting down");
    peer.close();
    assert.deepEqual(closeReason(await events), {
      kind: "server-closed",
      lastNotice: "server shutting down",
      loggedIn: true,
    });
  });
});

Deno.test("a close names only an error or shutdown notice, never an unrelated one", async () => {
  await withConnection({ name: "eve" }, async ({ conn, peer }) => {
    const events = collect(conn);
    await peer.sendNotice("Welcome, eve! Online (1): eve");
    await peer.sendNotice("error: no data for 90 s; closing");
    await peer.sendNotice("bob joined");
    peer.close();
    const reason = closeReason(await events);
    assert.deepEqual(reason, {
      kind: "server-closed",
      lastNotice: "error: no data for 90 s; closing",
      loggedIn: true,
    });
  });
  await withConnection({ name: "eve" }, async ({ conn, peer }) => {
    const events = collect(conn);
    await peer.sendNotice("Welcome, eve! Online (1): eve");
    await peer.sendNotice("bob joined");
    peer.close();
    const reason = closeReason(await events);
    assert.deepEqual(reason, { kind: "server-closed", lastNotice: undefined, loggedIn: true });
    assert.equal(describeCloseReason(reason), "the server closed the connection");
  });
});

Deno.test("a close before any notice is server-closed, not logged in", async () => {
  await withConnection({ name: "eve" }, async ({ conn, peer }) => {
    peer.close();
    const outcome = await withTimeout(conn.login, 5000, "login outcome");
    assert.deepEqual(outcome, {
      ok: false,
      reason: { kind: "server-closed", lastNotice: undefined, loggedIn: false },
    });
    await conn.closed;
  });
});

Deno.test("frames split into single bytes and many frames in one write all decode", async () => {
  await withConnection({ name: "al" }, async ({ conn, peer }) => {
    const events = collect(conn);
    const welcome = encodeFrame({ username: "", message: "Welcome, al! Online (1): al" });
    for (const byte of welcome) await peer.write(new Uint8Array([byte]));
    const many = [1, 2, 3].map((i) => encodeFrame({ username: "bo", message: `m${i}` }));
    await peer.write(new Uint8Array(many.flatMap((f) => [...f])));
    await withTimeout(conn.login, 5000, "login");
    const big = "x".repeat(1024 * 1024); // a notice far over 64 KiB, like /users for many users
    await peer.sendNotice(big);
    peer.close();
    const seen = frames(await events);
    assert.deepEqual(seen.slice(0, 4), [
      "notice::Welcome, al! Online (1): al",
      "chat:bo:m1",
      "chat:bo:m2",
      "chat:bo:m3",
    ]);
    assert.equal(seen[4], `notice::${big}`);
  });
});

Deno.test("invalid UTF-8 from the server is reported and skipped; the connection goes on", async () => {
  await withConnection({ name: "al" }, async ({ conn, peer }) => {
    const events = collect(conn);
    await peer.write(new Uint8Array([0, 2, 0, 0, 0, 1, 0x62, 0x6f, 0xff]));
    await peer.send({ username: "bo", message: "fine" });
    peer.close();
    const seen = await events;
    assert.deepEqual(seen.map((e) => e.type), ["bad-frame", "frame", "closed"]);
    const bad = seen[0];
    assert.ok(bad.type === "bad-frame");
    assert.equal(bad.error.code, "invalid-utf8-message");
  });
});

Deno.test("a frame over the client's limit ends the connection as a protocol error", async () => {
  await withConnection({ name: "al", maxMessageBytes: 100 }, async ({ conn, peer }) => {
    const events = collect(conn);
    // Only the header: the client must refuse from the declared length alone.
    await peer.write(new Uint8Array([0, 0, 0, 0, 0x10, 0]));
    const reason = closeReason(await events);
    assert.equal(reason?.kind, "protocol-error");
    assert.match(describeCloseReason(reason ?? { kind: "quit" }), /message length 4096 bytes/);
    assert.equal(await peer.nextFrame(), null); // the client closed its socket
  });
});

Deno.test("flush waits until a large backlog is written, in order", async () => {
  await withConnection({ name: "al" }, async ({ conn, peer }) => {
    const line = "y".repeat(60_000);
    for (let i = 0; i < 40; i++) assert.equal(conn.send(`${i} ${line}`), true);
    const received: string[] = [];
    const reading = (async () => {
      for (let i = 0; i < 40; i++) received.push((await peer.nextFrame())?.message ?? "");
    })();
    assert.equal(await withTimeout(conn.flush(), 5000, "flush"), true);
    await reading;
    assert.deepEqual(received.map((m) => m.split(" ")[0]), [...Array(40).keys()].map(String));
    conn.close();
    assert.deepEqual(await conn.closed, { kind: "quit" });
  });
});

Deno.test("quit closes by itself when the server does not close after /quit", async () => {
  await withConnection({ name: "al", quitTimeoutMs: 50 }, async ({ conn, peer }) => {
    assert.deepEqual(await withTimeout(conn.quit(), 5000, "quit"), { kind: "quit" });
    const rest = await peer.waitClosed();
    assert.deepEqual(rest, [{ username: "al", message: "/quit" }]);
  });
});

Deno.test("bad input is refused before anything is sent", async () => {
  const server = new FakeChatServer();
  const port = server.port;
  try {
    await assert.rejects(
      ChatConnection.connect({ host: "127.0.0.1", port, name: "has space" }),
      InvalidUsernameError,
    );
    const connecting = ChatConnection.connect({
      host: "127.0.0.1",
      port,
      name: "al",
      maxSendBytes: 10,
    });
    const { peer } = await server.acceptLogin();
    const conn = await connecting;
    assert.throws(() => conn.send("12345678901"), MessageTooLongError);
    assert.equal(conn.send("1234567890"), true);
    assert.deepEqual(await peer.nextFrame(), { username: "al", message: "1234567890" });
    conn.close();
    await conn.closed;
  } finally {
    server.close();
  }
  // The port is free now: connecting is refused.
  await assert.rejects(
    ChatConnection.connect({ host: "127.0.0.1", port, name: "al" }),
    (error: unknown) =>
      error instanceof ConnectError &&
      error.message === `cannot connect to 127.0.0.1:${port}: connection refused`,
  );
});

/**
 * A listener that accepts every connection and never writes: it stands for a server that is not
 * a chat server, or one that hangs. Closing it closes what it accepted.
 */
class SilentServer {
  readonly #listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  readonly #accepted: Deno.TcpConn[] = [];
  readonly #waiters: (() => void)[] = [];
  readonly #loop: Promise<void>;

  constructor() {
    this.#loop = (async () => {
      try {
        for await (const conn of this.#listener) {
          this.#accepted.push(conn);
          for (const wake of this.#waiters.splice(0)) wake();
        }
      } catch {
        // The listener was closed.
      }
    })();
  }

  get port(): number {
    return this.#listener.addr.port;
  }

  /** The `index`th accepted connection (0-based), once it is there. */
  async connection(index: number): Promise<Deno.TcpConn> {
    while (this.#accepted.length <= index) {
      await withTimeout(
        new Promise<void>((resolve) => this.#waiters.push(resolve)),
        5000,
        `connection ${index} to be accepted`,
      );
    }
    return this.#accepted[index];
  }

  async close(): Promise<void> {
    this.#listener.close();
    await this.#loop;
    for (const conn of this.#accepted) conn.close();
  }
}

/** Reads `conn` until the client closes it; the bytes it sent before. */
async function readUntilClosed(conn: Deno.TcpConn): Promise<number> {
  const buffer = new Uint8Array(1024);
  let total = 0;
  while (true) {
    const n = await withTimeout(conn.read(buffer), 5000, "the client to close its socket");
    if (n === null) return total;
    total += n;
  }
}

/**
 * A listener that never accepts, with its accept queue filled: Linux then drops the SYNs of a
 * new connect, as a firewall does, so that connect gets no answer at all. Filled by connecting
 * until one connect has not completed after 300 ms (the queue holds Deno's backlog of 511, plus
 * one); that last one is abandoned through its signal.
 */
async function unansweredListener(): Promise<{ port: number; close(): void }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const queued: Deno.TcpConn[] = [];
  const close = () => {
    for (const conn of queued) conn.close();
    listener.close();
  };
  try {
    for (let i = 0; i < 4096; i++) {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), 300);
      try {
        queued.push(await Deno.connect({ hostname: "127.0.0.1", port, signal: abort.signal }));
      } catch (error) {
        if (abort.signal.aborted) return { port, close };
        throw error;
      } finally {
        clearTimeout(timer);
      }
    }
    throw new Error("the accept queue never filled up");
  } catch (error) {
    close();
    throw error;
  }
}

const DROPS_SYNS = skipWhen(
  "connects that get no answer",
  notLinux("dropping the SYNs of a full accept queue"),
);

/** How `connect` failed; it must fail (a connection it returns is closed first). */
async function connectFailure(options: ConnectOptions): Promise<unknown> {
  try {
    const conn = await withTimeout(ChatConnection.connect(options), 10_000, "connect to end");
    conn.close();
    await conn.closed;
  } catch (error) {
    return error;
  }
  throw new Error("connect succeeded");
}

for (const [transport, tls] of [["plain TCP", undefined], ["TLS", {}]] as const) {
  Deno.test({
    name: `${transport}: a connect that gets no answer gives up at the connect timeout`,
    ignore: DROPS_SYNS,
    async fn() {
      const target = await unansweredListener();
      try {
        // With TLS no certificate is needed: the TCP connect never completes.
        const error = await connectFailure({
          host: "127.0.0.1",
          port: target.port,
          name: "al",
          tls,
          connectTimeoutMs: 500,
        });
        assert.ok(error instanceof ConnectTimeoutError, `a ConnectTimeoutError, got ${error}`);
        assert.ok(error instanceof ConnectError, "handled like any failed connect");
        assert.equal(error.stage, "connect");
        assert.equal(error.timeoutMs, 500);
        assert.equal(
          error.message,
          `cannot connect to 127.0.0.1:${target.port}: no answer within 0.5 s`,
        );
      } finally {
        target.close();
      }
    },
  });
}

Deno.test("a TLS handshake that gets no answer gives up at the connect timeout", async () => {
  const silent = new SilentServer();
  try {
    const error = await connectFailure({
      host: "127.0.0.1",
      port: silent.port,
      name: "al",
      tls: {},
      connectTimeoutMs: 500,
    });
    assert.ok(error instanceof ConnectTimeoutError, `a ConnectTimeoutError, got ${error}`);
    assert.equal(error.stage, "tls");
    assert.equal(
      error.message,
      `cannot connect to 127.0.0.1:${silent.port}: no TLS handshake within 0.5 s ` +
        "(is the server using TLS?)",
    );
    // Not checked: that the socket is gone. Known runtime limit (Deno 2.9): closing a TlsConn
    // whose handshake waits for the peer releases the socket only once the peer writes or
    // closes, which the finally below does.
  } finally {
    await silent.close();
  }
});

Deno.test("a server that accepts and never answers the login is given up on", async () => {
  const silent = new SilentServer();
  try {
    const conn = await ChatConnection.connect({
      host: "127.0.0.1",
      port: silent.port,
      name: "al",
      connectTimeoutMs: 500,
    });
    const reason: CloseReason = {
      kind: "timeout",
      host: "127.0.0.1",
      port: silent.port,
      timeoutMs: 500,
    };
    assert.deepEqual(await withTimeout(conn.login, 10_000, "the login outcome"), {
      ok: false,
      reason,
    });
    assert.deepEqual(await conn.closed, reason);
    assert.equal(
      describeCloseReason(reason),
      `cannot connect to 127.0.0.1:${silent.port}: no answer to the login within 0.5 s ` +
        "(is it a chat server?)",
    );
    // The login frame went out, then the client closed its socket.
    assert.equal(await readUntilClosed(await silent.connection(0)), 8);
  } finally {
    await silent.close();
  }
});

Deno.test("an error notice without a close is still a refusal at the timeout", async () => {
  await withConnection({ name: "bob", connectTimeoutMs: 500 }, async ({ conn, peer }) => {
    await peer.sendNotice("error: name 'bob' is already taken");
    assert.deepEqual(await withTimeout(conn.login, 10_000, "the login outcome"), {
      ok: false,
      reason: { kind: "refused", message: "error: name 'bob' is already taken" },
    });
    assert.equal(await peer.nextFrame(), null);
  });
});

Deno.test("the connect timeout must be a usable number of milliseconds", async () => {
  for (const connectTimeoutMs of [0, -1, Number.NaN, Infinity, 2 ** 31]) {
    await assert.rejects(
      ChatConnection.connect({ host: "127.0.0.1", port: 1, name: "al", connectTimeoutMs }),
      RangeError,
    );
  }
});

Deno.test("a session: a login that times out fails the attempt; --reconnect retries it", async () => {
  const silent = new SilentServer();
  try {
    const expected = `cannot connect to 127.0.0.1:${silent.port}: no answer to the login ` +
      "within 0.3 s (is it a chat server?)";
    const once = startSession({
      host: "127.0.0.1",
      port: silent.port,
      name: "al",
      connectTimeoutMs: 300,
    });
    const end = await withTimeout(once.done, 10_000, "the session to end");
    assert.deepEqual(end, { kind: "unreachable", message: expected });
    assert.equal(describeSessionEnd(end), expected);

    const retrying = startSession({
      host: "127.0.0.1",
      port: silent.port,
      name: "al",
      reconnect: true,
      backoff: () => 10,
      quitTimeoutMs: 50,
      connectTimeoutMs: 300,
    });
    const seen: SessionEvent[] = [];
    const twoFailures = (async () => {
      for await (const event of retrying.events()) {
        seen.push(event);
        if (seen.filter((e) => e.type === "connect-failed").length === 2) return;
      }
    })();
    await withTimeout(twoFailures, 10_000, "two failed attempts");
    assert.deepEqual(await retrying.quit(), { kind: "quit", unsent: 0 });
    assert.deepEqual(
      seen.filter((e) => e.type !== "frame").map((e) => e.type),
      ["connect-failed", "retrying", "connect-failed"],
    );
    assert.deepEqual(seen[0], { type: "connect-failed", attempt: 0, message: expected });
    assert.deepEqual(seen[1], { type: "retrying", attempt: 1, delayMs: 10 });
    assert.deepEqual(seen[2], { type: "connect-failed", attempt: 1, message: expected });
    // Each attempt was a real connection: one for the first session, two for the retrying one.
    await silent.connection(2);
  } finally {
    await silent.close();
  }
});
