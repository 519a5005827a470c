/**
 * The web listener at the protocol level, with Deno's own WebSocket: `/ws` carries the byte
 * stream whatever the message boundaries; text messages, oversized data, foreign origins and
 * too many connections from one address are refused with a clear close reason; the page's HTTP
 * side answers with the security headers.
 */

import assert from "node:assert/strict";
import { encodeFrame } from "../../../protocol/mod.ts";
import type { ChatServer } from "../../../server/mod.ts";
import type { ServerOptions } from "../../../server/options.ts";
import { CloseCode, TEXT_MESSAGE_REASON } from "../../../server/web/websocket_connection.ts";
import { concat, frameHeader } from "../../helpers/bytes.ts";
import { CapturedConsole, testServerOptions, withServer } from "../../helpers/server.ts";
import { ListenError, startServer } from "../../../server/mod.ts";
import { ManualClock } from "../../helpers/clock.ts";
import { waitUntil } from "../../helpers/timeout.ts";
import type { TestClient } from "../../helpers/wire.ts";
import { WsTestClient } from "../../helpers/ws_client.ts";
import { certificatesUnavailable, makeTestCertificates } from "../../helpers/tls.ts";
import { skipWhen } from "../../helpers/platform.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

/** The fixture of these tests: a server with `--web`, its /ws URL, and clients of both kinds. */
interface WebFixture {
  server: ChatServer;
  base: string;
  ws(headers?: Record<string, string>): Promise<WsTestClient>;
  login(name: string): Promise<TestClient>;
}

async function withWebServer(
  options: Partial<ServerOptions>,
  body: (fixture: WebFixture) => Promise<void>,
): Promise<void> {
  await withServer({ options: { webHost: "127.0.0.1", webPort: 0, ...options } }, async (f) => {
    const web = f.server.listeners.find((l) => l.kind === "web");
    assert.ok(web, "a web listener");
    const base = `127.0.0.1:${web.addr.port}`;
    const sockets: WsTestClient[] = [];
    try {
      await body({
        server: f.server,
        base,
        login: f.login,
        ws: async (headers = {}) => {
          const client = await WsTestClient.open(`ws://${base}/ws`, headers);
          sockets.push(client);
          return client;
        },
      });
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
    }
  });
}

Deno.test("the start line names the web listener after the main one", opts, async () => {
  await withServer(
    { options: { webHost: "127.0.0.1", webPort: 0 } },
    async ({ server, console }) => {
      const [tcp, web] = server.listeners;
      assert.equal(
        await console.waitForLine("listening on"),
        `chat server listening on 127.0.0.1:${tcp.addr.port} (tcp), 127.0.0.1:${web.addr.port} (web)`,
      );
    },
  );
});

Deno.test(
  "frames split over messages and merged into one reach TCP users, and back",
  opts,
  async () => {
    await withWebServer({}, async ({ ws, login }) => {
      const bob = await login("bob");
      const alice = await ws();
      const loginBytes = encodeFrame({ username: "alice", message: "" });
      for (const byte of loginBytes) alice.sendBytes(new Uint8Array([byte]));
      await alice.waitForNotice("Welcome, alice!");
      alice.sendBytes(concat([
        encodeFrame({ username: "alice", message: "one" }),
        encodeFrame({ username: "alice", message: "two" }),
        encodeFrame({ username: "alice", message: "thr" }).subarray(0, 8),
      ]));
      alice.sendBytes(encodeFrame({ username: "alice", message: "thr" }).subarray(8));
      for (const text of ["one", "two", "thr"]) await bob.waitForMessage("alice", text);
      await bob.say("hello from the terminal");
      await alice.waitFor(
        (f) => f.username === "bob" && f.message === "hello from the terminal",
        "bob's message",
      );
      alice.say("/users");
      await alice.waitForNotice("Online (2): alice, bob");
    });
  },
);

Deno.test(
  "a frame over the message limit: error notice, then a close saying why",
  opts,
  async () => {
    await withWebServer({ maxMessageBytes: 100 }, async ({ ws, login }) => {
      const bob = await login("bob");
      const alice = await ws();
      await alice.login("alice");
      alice.sendBytes(concat([frameHeader(5, 101), new TextEncoder().encode("alice")]));
      await alice.waitForNotice("error:");
      const closed = await alice.closed();
      assert.equal(closed.code, CloseCode.policyViolation);
      assert.equal(closed.reason, "error: message length 101 bytes exceeds the limit of 100 bytes");
      await bob.waitForNotice("alice left (protocol error");
    });
  },
);

Deno.test("more data sent ahead than a frame can hold: closed as too big", opts, async () => {
  await withWebServer({ maxMessageBytes: 100 }, async ({ ws }) => {
    const alice = await ws();
    // Many small valid frames in one message, far beyond what one frame may be.
    const frame = encodeFrame({ username: "alice", message: "x" });
    alice.sendBytes(concat(Array.from({ length: 20_000 }, () => frame)));
    const closed = await alice.closed();
    assert.equal(closed.code, CloseCode.tooBig);
  });
});

Deno.test(
  "a text message is refused with a close reason; the others see the leave",
  opts,
  async () => {
    await withWebServer({}, async ({ ws, login }) => {
      const bob = await login("bob");
      const alice = await ws();
      await alice.login("alice");
      alice.sendText("hello");
      assert.deepEqual(await alice.closed(), {
        code: CloseCode.unsupportedData,
        reason: TEXT_MESSAGE_REASON,
      });
      await bob.waitForNotice("alice left (connection error: sent a text message)");
    });
  },
);

Deno.test(
  "Origin: the page's own and --web-origin ones are served, others refused",
  opts,
  async () => {
    await withWebServer({ webOrigins: ["https://chat.example.org"] }, async ({ ws, base }) => {
      const own = await ws({ origin: `http://${base}` });
      await own.login("own");
      const listed = await ws({ origin: "https://chat.example.org" });
      await listed.login("listed");
      const evil = await ws({ origin: "https://evil.example" });
      assert.deepEqual(await evil.closed(), {
        code: CloseCode.policyViolation,
        reason: "error: origin https://evil.example is not allowed",
      });
    });
  },
);

Deno.test("per-IP limit: X-Forwarded-For counts only from a trusted proxy", opts, async () => {
  const forwarded = (ip: string) => ({ "x-forwarded-for": `198.51.100.1, ${ip}` });
  await withWebServer(
    { maxClientsPerIp: 1, trustedProxies: ["127.0.0.0/8"] },
    async ({ ws }) => {
      const first = await ws(forwarded("203.0.113.7"));
      await first.login("first");
      const second = await ws(forwarded("203.0.113.7"));
      await second.waitForNotice("error: too many connections from your address (limit 1)");
      assert.deepEqual(await second.closed(), {
        code: CloseCode.policyViolation,
        reason: "error: too many connections from your address (limit 1)",
      });
      const other = await ws(forwarded("203.0.113.8"));
      await other.login("other");
    },
  );
  await withWebServer({ maxClientsPerIp: 1 }, async ({ ws }) => {
    // No trusted proxy: the header is ignored and both count as 127.0.0.1.
    const first = await ws(forwarded("203.0.113.7"));
    await first.login("first");
    const second = await ws(forwarded("203.0.113.8"));
    assert.equal((await second.closed()).code, CloseCode.policyViolation);
  });
});

Deno.test("the login timeout applies to web users too", opts, async () => {
  const clock = new ManualClock(0);
  await withServer({
    clock,
    options: { webHost: "127.0.0.1", webPort: 0, loginTimeoutSeconds: 5 },
  }, async ({ server }) => {
    const web = server.listeners[1];
    const silent = await WsTestClient.open(`ws://127.0.0.1:${web.addr.port}/ws`);
    await waitUntil(() => server.connectionCount() === 1, 5000, "the session to start");
    clock.advance(5000);
    assert.deepEqual(await silent.closed(), { code: CloseCode.normal, reason: "timed out" });
  });
});

Deno.test("server full applies to web users too, with the reason", opts, async () => {
  await withWebServer({ maxClients: 1 }, async ({ ws, login }) => {
    await login("bob");
    const alice = await ws();
    assert.deepEqual(await alice.closed(), {
      code: CloseCode.policyViolation,
      reason: "error: server full",
    });
  });
});

Deno.test(
  "HTTP: the page, 404 elsewhere, /ws without upgrade; security headers on all",
  opts,
  async () => {
    await withWebServer({}, async ({ base }) => {
      const expectHeaders = (response: Response) => {
        assert.equal(response.headers.get("content-security-policy"), "default-src 'self'");
        assert.equal(response.headers.get("x-content-type-options"), "nosniff");
        assert.equal(response.headers.get("referrer-policy"), "no-referrer");
      };
      const page = await fetch(`http://${base}/`);
      expectHeaders(page);
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
      assert.match(await page.text(), /<!doctype html>/i);
      for (const [path, status] of [["/nope", 404], ["/ws", 426], ["/index.php", 404]] as const) {
        const response = await fetch(`http://${base}${path}`);
        await response.body?.cancel();
        expectHeaders(response);
        assert.equal(response.status, status, path);
      }
      const post = await fetch(`http://${base}/`, { method: "POST", body: "x" });
      await post.body?.cancel();
      expectHeaders(post);
      assert.equal(post.status, 405);
    });
  },
);

Deno.test("shutdown tells web users and closes their sockets as going away", opts, async () => {
  await withWebServer({}, async ({ ws, server }) => {
    const alice = await ws();
    await alice.login("alice");
    void server.shutdown();
    await alice.waitForNotice("server shutting down");
    assert.equal((await alice.closed()).code, CloseCode.goingAway);
  });
});

Deno.test("with --tls-cert the page is HTTPS and /ws is WSS, the main port TLS", {
  ...opts,
  ignore: skipWhen("the web TLS test", await certificatesUnavailable()),
}, async () => {
  const certs = await makeTestCertificates();
  const client = Deno.createHttpClient({ caCerts: [certs.caPem] });
  try {
    await withServer({
      options: { webHost: "127.0.0.1", webPort: 0, tlsCert: certs.certFile, tlsKey: certs.keyFile },
    }, async ({ server, console }) => {
      const [main, web] = server.listeners;
      assert.equal(
        await console.waitForLine("listening on"),
        `chat server listening on 127.0.0.1:${main.addr.port} (tls), 127.0.0.1:${web.addr.port} (web)`,
      );
      const page = await fetch(`https://localhost:${web.addr.port}/`, { client });
      assert.equal(page.status, 200);
      assert.equal(page.headers.get("content-security-policy"), "default-src 'self'");
      await page.body?.cancel();
      const alice = await WsTestClient.open(`wss://localhost:${web.addr.port}/ws`, {}, client);
      try {
        await alice.login("alice");
        alice.say("/users");
        await alice.waitForNotice("Online (1): alice");
      } finally {
        await alice.close();
      }
    });
  } finally {
    client.close();
    await certs.remove();
  }
});

Deno.test(
  "a web port in use: one clear ListenError, the main listener released",
  opts,
  async () => {
    const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      await assert.rejects(
        startServer(
          testServerOptions({ webHost: "127.0.0.1", webPort: blocker.addr.port }),
          { console: new CapturedConsole() },
        ),
        (error: unknown) =>
          error instanceof ListenError &&
          error.message ===
            `cannot listen on 127.0.0.1:${blocker.addr.port}: address already in use`,
      );
    } finally {
      blocker.close();
    }
  },
);

Deno.test(
  "a banned address is refused on /ws before its login, with the reason",
  opts,
  async () => {
    await withWebServer({ trustedProxies: ["127.0.0.0/8"] }, async ({ server, ws }) => {
      await server.consoleCommand("/ban 203.0.113.0/24 1h open proxy");
      const banned = await ws({ "x-forwarded-for": "203.0.113.7" });
      const closed = await banned.closed();
      assert.equal(closed.code, CloseCode.policyViolation);
      assert.match(closed.reason, /^error: banned \(open proxy/);
      const other = await ws({ "x-forwarded-for": "198.51.100.7" });
      await other.login("other");
    });
  },
);

Deno.test(
  "/metrics counts logged-in clients by the transport they came through",
  opts,
  async () => {
    await withWebServer(
      { metrics: { hostname: "127.0.0.1", port: 0 } },
      async ({ server, ws, login }) => {
        await login("bob");
        const alice = await ws();
        await alice.login("alice");
        assert.ok(server.metricsAddr !== null);
        const response = await fetch(`http://127.0.0.1:${server.metricsAddr.port}/metrics`);
        const text = await response.text();
        assert.match(text, /^chat_clients\{transport="tcp"\} 1$/m);
        assert.match(text, /^chat_clients\{transport="web"\} 1$/m);
      },
    );
  },
);
