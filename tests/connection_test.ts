import assert from "node:assert/strict";
import {
  ChatConnection,
  type CloseReason,
  ConnectError,
  type ConnectionEvent,
  type ConnectOptions,
  describeCloseReason,
  MessageTooLongError,
} from "../client/connection.ts";
import { encodeFrame, type Frame, InvalidUsernameError } from "../protocol/mod.ts";
import { FakeChatServer, type FakePeer } from "./helpers/fake_chat_server.ts";
import { withTimeout } from "./helpers/timeout.ts";

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
    assert.equal(describeCloseReason(refused), "login refused: error: name 'bob' is already taken");
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

Deno.test("a server that never sends the welcome is given up on", async () => {
  await withConnection({ name: "al", loginTimeoutMs: 30 }, async ({ conn, peer }) => {
    assert.deepEqual(await withTimeout(conn.login, 5000, "login outcome"), {
      ok: false,
      reason: {
        kind: "lost",
        message: "no welcome from the server within 0.03 s",
        loggedIn: false,
      },
    });
    assert.equal(await peer.nextFrame(), null);
  });
});
