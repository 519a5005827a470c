/**
 * The accept loop with a scripted listener: failures of accept() are logged and the loop goes
 * on; only a closed listener stops it. And binding errors become one clear ListenError.
 */

import assert from "node:assert/strict";
import {
  acceptLoop,
  describeListenFailure,
  ListenError,
  listenTcp,
} from "../../server/listener.ts";
import { InvalidServerOptionError, startServer } from "../../server/mod.ts";
import { testServerOptions } from "../helpers/server.ts";

class FakeConn {
  closed = false;
  constructor(readonly id: number) {}
  close(): void {
    this.closed = true;
  }
}

/** Replays a script of accept() outcomes, then reports a closed listener. */
function scriptedListener(script: (FakeConn | Error)[], onEnd: () => void) {
  let at = 0;
  return {
    accept(): Promise<FakeConn> {
      const next = script[at++];
      if (next === undefined) {
        onEnd();
        return Promise.reject(new Deno.errors.BadResource("listener closed"));
      }
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  };
}

Deno.test("accept() failures are reported and the loop keeps accepting", async () => {
  let closing = false;
  const accepted: number[] = [];
  const errors: unknown[] = [];
  const pauses: number[] = [];
  const listener = scriptedListener([
    new FakeConn(1),
    new Deno.errors.NotConnected("peer reset before accept"),
    new Deno.errors.ConnectionReset("reset"),
    new FakeConn(2),
    new Error("Too many open files (os error 24)"),
    new FakeConn(3),
  ], () => closing = true);
  await acceptLoop(listener, () => closing, {
    onConnection: (conn) => accepted.push(conn.id),
    onAcceptError: (error) => errors.push(error),
    pause: (ms) => {
      pauses.push(ms);
      return Promise.resolve();
    },
  });
  assert.deepEqual(accepted, [1, 2, 3]);
  assert.equal(errors.length, 3);
  assert.equal(pauses.length, 1, "only a failure that is not the peer's pauses the loop");
});

Deno.test("a connection accepted while closing is closed, not served", async () => {
  let closing = false;
  const conn = new FakeConn(1);
  const listener = {
    accept(): Promise<FakeConn> {
      closing = true;
      return Promise.resolve(conn);
    },
  };
  const served: FakeConn[] = [];
  await acceptLoop(listener, () => closing, {
    onConnection: (c) => served.push(c),
    onAcceptError: () => {},
    pause: () => Promise.resolve(),
  });
  assert.deepEqual(served, []);
  assert.equal(conn.closed, true);
});

Deno.test("binding a port in use is a ListenError with a short reason", () => {
  const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    assert.throws(
      () => listenTcp("127.0.0.1", holder.addr.port),
      (error: unknown) =>
        error instanceof ListenError &&
        error.message === `cannot listen on 127.0.0.1:${holder.addr.port}: address already in use`,
    );
  } finally {
    holder.close();
  }
});

Deno.test("listen failures are described in lower case without the OS error number", () => {
  assert.equal(describeListenFailure(new Deno.errors.PermissionDenied("x")), "permission denied");
  assert.equal(
    describeListenFailure(new Error("Cannot assign requested address (os error 99)")),
    "cannot assign requested address",
  );
});

Deno.test("a handler that throws does not stop the accept loop", async () => {
  let closing = false;
  const conns = [new FakeConn(1), new FakeConn(2)];
  const listener = scriptedListener(conns, () => closing = true);
  const errors: unknown[] = [];
  const served: number[] = [];
  await acceptLoop(listener, () => closing, {
    onConnection: (conn) => {
      if (conn.id === 1) throw new TypeError("bug while serving");
      served.push(conn.id);
    },
    onAcceptError: (error) => errors.push(error),
    pause: () => Promise.resolve(),
  });
  assert.deepEqual(served, [2]);
  assert.equal(errors.length, 1);
  assert.equal(conns[0].closed, true, "the connection it failed on is closed");
});

Deno.test("startServer refuses out-of-range options before binding anything", async () => {
  const bad: [string, Record<string, number>][] = [
    ["maxMessageBytes", { maxMessageBytes: Number.NaN }],
    ["port", { port: 70000 }],
    ["sendqBytes", { sendqBytes: -1 }],
    ["loginTimeoutSeconds", { loginTimeoutSeconds: 1e12 }],
  ];
  for (const [option, override] of bad) {
    await assert.rejects(
      startServer(testServerOptions(override), { console: { log() {}, error() {} } }),
      (error: unknown) => error instanceof InvalidServerOptionError && error.option === option,
    );
  }
});
