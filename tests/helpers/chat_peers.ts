/**
 * A real in-process server with library clients (`ChatConnection`) as the other users: how the
 * client tests (piped subprocess, scripting, session) watch what their client sends.
 * @module
 */

import assert from "node:assert/strict";
import { ChatConnection } from "../../client/connection.ts";
import { type ChatServer, DEFAULT_SERVER_OPTIONS, startServer } from "../../server/mod.ts";
import { withTimeout } from "./timeout.ts";

/** A console that prints nothing, so a test's output stays readable. */
const QUIET = { log: () => {}, error: () => {} };

/**
 * Starts a server with the default options on 127.0.0.1 (port 0 for a free one, or a given port
 * to restart on the same one) with no periodic list and a silent console.
 */
export function serve(port = 0): Promise<ChatServer> {
  return startServer(
    { ...DEFAULT_SERVER_OPTIONS, host: "127.0.0.1", port, listIntervalSeconds: 0 },
    { console: QUIET },
  );
}

/** Connects a library client as `name` and waits until the server has welcomed it. */
export async function loggedIn(name: string, port: number): Promise<ChatConnection> {
  const conn = await ChatConnection.connect({ host: "127.0.0.1", port, name });
  const outcome = await withTimeout(conn.login, 5000, `${name}'s login`);
  assert.ok(outcome.ok, `${name} logged in`);
  return conn;
}

/** Reads the next `count` chat lines arriving at `conn`, as `name: text` (notices skipped). */
export async function chats(conn: ChatConnection, count: number): Promise<string[]> {
  const out: string[] = [];
  if (count === 0) return out;
  for await (const event of conn.events()) {
    if (event.type === "frame" && event.kind === "chat") {
      out.push(`${event.frame.username}: ${event.frame.message}`);
      if (out.length === count) break;
    }
  }
  return out;
}

/** What {@link withServerAndBob} gives a test body. */
export interface BobFixture {
  server: ChatServer;
  port: number;
  /** A logged-in library client named bob, the other user in the room. */
  bob: ChatConnection;
}

/**
 * Runs `body` with a fresh server and bob logged in on it; bob is closed and the server shut
 * down afterwards, however the body ends.
 */
export async function withServerAndBob(
  body: (fixture: BobFixture) => Promise<void>,
): Promise<void> {
  const server = await serve();
  const port = server.addr.port;
  const bob = await loggedIn("bob", port);
  try {
    await body({ server, port, bob });
  } finally {
    bob.close();
    await bob.closed;
    await server.shutdown();
  }
}
