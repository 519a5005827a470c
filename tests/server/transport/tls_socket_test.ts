/**
 * TLS run on the accepted TCP connection: a client that never completes its handshake (silent,
 * or stopping halfway through its ClientHello) has its socket closed by the login timeout, and a
 * refused one (server full) by the refusal's bound; one that completes it reads the refusal first.
 * Real sockets on 127.0.0.1, the injected clock, and the resource sanitizer on.
 */

import assert from "node:assert/strict";
import { ChatConnection } from "../../../client/connection.ts";
import { REFUSE_TIMEOUT_MS } from "../../../server/admission.ts";
import { startServer } from "../../../server/mod.ts";
import { SERVER_FULL_NOTICE } from "../../../server/notices.ts";
import { ManualClock } from "../../helpers/clock.ts";
import { skipWhen } from "../../helpers/platform.ts";
import { CapturedConsole, testServerOptions } from "../../helpers/server.ts";
import {
  certificatesUnavailable,
  makeTestCertificates,
  type TestCertificates,
} from "../../helpers/tls.ts";
import { waitUntil, withTimeout } from "../../helpers/timeout.ts";

const opts = {
  sanitizeOps: true,
  sanitizeResources: true,
  ignore: skipWhen("the TLS handshake tests", await certificatesUnavailable()),
};

/** The first bytes of a ClientHello record (a handshake record of 512 bytes), and no more. */
const PARTIAL_CLIENT_HELLO = new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]);

/** Runs `body` against a TLS server on a manual clock with a 1 s login timeout. */
async function withTlsServer(
  maxClients: number,
  body: (port: number, clock: ManualClock, certs: TestCertificates) => Promise<void>,
  connectionCount?: (count: () => number) => void,
): Promise<void> {
  const certs = await makeTestCertificates();
  const clock = new ManualClock();
  const server = await startServer(
    testServerOptions({
      tlsCert: certs.certFile,
      tlsKey: certs.keyFile,
      loginTimeoutSeconds: 1,
      maxClients,
    }),
    { clock, console: new CapturedConsole() },
  );
  connectionCount?.(() => server.connectionCount());
  try {
    await body(server.addr.port, clock, certs);
  } finally {
    await server.shutdown();
    await certs.remove();
  }
}

/** Resolves with what the peer read once the server closed: the bytes before EOF. */
async function readToEnd(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: number[] = [];
  const buffer = new Uint8Array(4096);
  for (;;) {
    const count = await conn.read(buffer);
    if (count === null) return new Uint8Array(chunks);
    chunks.push(...buffer.subarray(0, count));
  }
}

for (
  const [what, sends] of [["sends nothing", null], [
    "stops mid-ClientHello",
    PARTIAL_CLIENT_HELLO,
  ]] as const
) {
  Deno.test(`a TLS client that ${what} is closed at the login timeout`, opts, async () => {
    let sessions = () => 0;
    await withTlsServer(10, async (port, clock) => {
      const raw = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        if (sends !== null) await raw.write(sends);
        await waitUntil(() => sessions() === 1, 5000, "the connection to be admitted");
        const ended = readToEnd(raw);
        clock.advance(999);
        clock.advance(1);
        await withTimeout(ended, 5000, "the server to close the socket");
        await waitUntil(() => sessions() === 0, 5000, "the session to end");
      } finally {
        raw.close();
      }
    }, (count) => sessions = count);
  });
}

Deno.test("a full TLS server closes a refused client that never handshakes", opts, async () => {
  await withTlsServer(1, async (port, clock, certs) => {
    const alice = await ChatConnection.connect({
      host: "127.0.0.1",
      port,
      name: "alice",
      tls: { caFile: certs.caFile },
    });
    try {
      assert.equal((await withTimeout(alice.login, 5000, "alice's login")).ok, true);
      const timers = clock.pendingTimers;
      const raw = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await raw.write(PARTIAL_CLIENT_HELLO);
        // The refusal's bound is armed: the server waits that long for the handshake, no longer.
        await waitUntil(() => clock.pendingTimers > timers, 5000, "the refusal to start");
        const ended = readToEnd(raw);
        clock.advance(REFUSE_TIMEOUT_MS);
        await withTimeout(ended, 5000, "the server to close the refused socket");
      } finally {
        raw.close();
      }

      // One that completes its handshake reads why first.
      const bob = await ChatConnection.connect({
        host: "127.0.0.1",
        port,
        name: "bob",
        tls: { caFile: certs.caFile },
      });
      const outcome = await withTimeout(bob.login, 5000, "bob's refusal");
      assert.equal(outcome.ok, false);
      assert.match(JSON.stringify(outcome), new RegExp(SERVER_FULL_NOTICE.slice(0, 20)));
      await withTimeout(bob.closed, 5000, "bob to be closed");
    } finally {
      alice.close();
      await alice.closed;
    }
  });
});
