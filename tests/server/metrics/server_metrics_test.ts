/**
 * `--metrics` in-process: the endpoints (/metrics, /healthz, /readyz, 404), the text promtool
 * accepts, and the counters moving as clients log in, chat, flood and fall behind.
 */

import assert from "node:assert/strict";
import { type ChatServer, ListenError, startServer } from "../../../server/mod.ts";
import { commandUnavailable, skipWhen } from "../../helpers/platform.ts";
import { httpGet, pollUntil, promtoolCheck, sampleValue } from "../../helpers/prometheus.ts";
import { CapturedConsole, testServerOptions, withServer } from "../../helpers/server.ts";
import { waitUntil } from "../../helpers/wire.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const metrics = { hostname: "127.0.0.1", port: 0 };
const promtoolMissing = await commandUnavailable("promtool", ["--version"]);

function base(server: ChatServer): string {
  const addr = server.metricsAddr;
  assert.ok(addr !== null, "the metrics endpoint is on");
  return `http://127.0.0.1:${addr.port}`;
}

/** Scrapes the server and returns one sample's value (0 when absent). */
async function scrape(server: ChatServer, series: string): Promise<number> {
  const { body } = await httpGet(`${base(server)}/metrics`);
  return sampleValue(body, series) ?? 0;
}

Deno.test("the endpoint answers /metrics, /healthz, /readyz; 404 elsewhere", opts, async () => {
  await withServer({ options: { metrics } }, async ({ server, console }) => {
    const url = base(server);
    await console.waitForLine(`metrics on ${url}/metrics`);
    assert.equal((await httpGet(`${url}/healthz`)).status, 200);
    assert.deepEqual(await httpGet(`${url}/readyz`), { status: 200, body: "ready\n" });
    assert.equal((await httpGet(`${url}/nothing`)).status, 404);
    assert.equal((await httpGet(`${url}/`)).status, 404);
    const response = await fetch(`${url}/metrics`, { method: "POST" });
    await response.body?.cancel();
    assert.equal(response.status, 405);
    const page = await fetch(`${url}/metrics`);
    assert.match(page.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await page.text();
    for (const name of ["chat_clients", "chat_build_info", "process_resident_memory_bytes"]) {
      assert.ok(text.includes(`# TYPE ${name} `), `${name} is exposed`);
    }
  });
});

Deno.test("no endpoint without --metrics", opts, async () => {
  await withServer({}, ({ server }) => {
    assert.equal(server.metricsAddr, null);
    return Promise.resolve();
  });
});

Deno.test(
  "promtool check metrics finds no problem in a live server's /metrics",
  { ...opts, ignore: skipWhen("promtool check", promtoolMissing) },
  async () => {
    await withServer({ options: { metrics } }, async ({ server, login }) => {
      const alice = await login("alice");
      await login("bob");
      await alice.say("hello");
      const { body } = await httpGet(`${base(server)}/metrics`);
      const result = await promtoolCheck(body);
      assert.ok(result.ok, result.output);
      assert.equal(result.output.trim(), "", "no lint warnings");
    });
  },
);

Deno.test("counters move as clients log in, chat and leave", opts, async () => {
  await withServer({ options: { metrics } }, async ({ server, login }) => {
    const deliveriesBefore = await scrape(server, "chat_deliveries_total");
    const bytesBefore = await scrape(server, "chat_sent_bytes_total");
    const alice = await login("alice");
    const bob = await login("bob");
    assert.equal(await scrape(server, 'chat_clients{transport="tcp"}'), 2);
    assert.equal(await scrape(server, "chat_logins_total"), 2);
    for (let i = 0; i < 3; i++) await alice.say(`m${i}`);
    await bob.waitForMessage("alice", "m2");
    assert.equal(await scrape(server, 'chat_messages_received_total{kind="room"}'), 3);
    await alice.say("/msg bob psst");
    await bob.waitForNotice("psst");
    assert.equal(await scrape(server, 'chat_messages_received_total{kind="private"}'), 1);
    // Two welcomes, one join notice, three messages and a private one at least.
    assert.ok((await scrape(server, "chat_deliveries_total")) - deliveriesBefore >= 7);
    assert.ok((await scrape(server, "chat_sent_bytes_total")) - bytesBefore > 0);
    await bob.say("/quit");
    await bob.expectClosed();
    await waitUntil(() => server.onlineNames().length === 1, 2000, "bob to leave");
    assert.equal(await scrape(server, 'chat_leaves_total{reason="quit"}'), 1);
    assert.equal(await scrape(server, 'chat_clients{transport="tcp"}'), 1);
  });
});

Deno.test("chat_flood_drops_total counts messages flood control dropped", opts, async () => {
  const options = { metrics, floodRate: 1, floodBurst: 2 };
  await withServer({ options }, async ({ server, login }) => {
    const before = await scrape(server, "chat_flood_drops_total");
    const alice = await login("alice");
    for (let i = 0; i < 6; i++) await alice.say(`m${i}`);
    await alice.waitForNotice("flood limit");
    assert.ok((await scrape(server, "chat_flood_drops_total")) - before >= 3);
  });
});

Deno.test("chat_slow_consumer_drops_total counts a reader dropped as too slow", opts, async () => {
  const options = { metrics, sendqBytes: 128 * 1024, floodRate: 0 };
  await withServer({ options }, async ({ server, login }) => {
    await login("slow"); // never reads again
    const reader = await login("reader");
    const flooder = await login("flooder");
    const payload = "x".repeat(60_000);
    let dropped = false;
    for (let sent = 0; !dropped && sent < 2000; sent++) {
      await flooder.say(payload);
      for (;;) {
        const frame = await reader.nextFrame(10_000, "the flooder's message");
        if (frame.username === "flooder") break;
        if (frame.message === "slow left (too slow to read)") dropped = true;
      }
    }
    assert.ok(dropped, "slow was dropped");
    assert.equal(await scrape(server, "chat_slow_consumer_drops_total"), 1);
    assert.equal(await scrape(server, 'chat_leaves_total{reason="too_slow"}'), 1);
  });
});

Deno.test("/readyz turns 503 as soon as shutdown begins, while clients drain", opts, async () => {
  await withServer({ options: { metrics } }, async ({ server, login }) => {
    const alice = await login("alice");
    const url = `${base(server)}/readyz`;
    const stopping = server.shutdown({ drainSeconds: 30 });
    const during = await httpGet(url);
    assert.equal(during.status, 503);
    assert.equal(during.body, "not ready: shutting down\n");
    assert.deepEqual(server.onlineNames(), ["alice"], "the client is still connected");
    assert.equal((await httpGet(`${base(server)}/healthz`)).status, 200);
    await alice.say("/quit");
    await alice.expectClosed();
    await stopping;
  });
});

Deno.test(
  "a subsystem registers a gauge and a readiness check through the seam",
  opts,
  async () => {
    await withServer({ options: { metrics } }, async ({ server }) => {
      let widgets = 41;
      let storeDown = false;
      server.metrics.registry.register({
        name: "chat_example_widgets",
        help: "Widgets a subsystem holds.",
        type: "gauge",
        read: () => widgets,
      });
      server.metrics.readiness.add(() => storeDown ? "store unavailable" : null);
      widgets++;
      assert.equal(await scrape(server, "chat_example_widgets"), 42);
      storeDown = true;
      await pollUntil(
        async () => (await httpGet(`${base(server)}/readyz`)).status === 503,
        2000,
        "/readyz to say 503",
      );
    });
  },
);

Deno.test("chat_history_messages is the history's size after its writes", opts, async () => {
  await withServer({ options: { metrics } }, async ({ server, login }) => {
    assert.equal(await scrape(server, "chat_history_messages"), 0);
    const alice = await login("alice");
    const bob = await login("bob");
    for (let i = 1; i <= 5; i++) await alice.say(`message ${i}`);
    await alice.say("/me waves");
    await alice.say("/msg bob private lines are never kept");
    await bob.waitForMessage("alice", "message 5");
    await bob.waitForNotice("* alice waves");
    await bob.waitForFrame((f) => f.message.includes("private lines are never kept"));
    await server.store.flush();
    assert.equal(await scrape(server, "chat_history_messages"), 6);
  });
});

Deno.test("a --metrics address in use stops the start with one clear error", opts, async () => {
  const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const options = testServerOptions({
      metrics: { hostname: "127.0.0.1", port: holder.addr.port },
    });
    await assert.rejects(
      startServer(options, { console: new CapturedConsole() }),
      (error: unknown) =>
        error instanceof ListenError &&
        error.message ===
          `cannot listen on 127.0.0.1:${holder.addr.port} (--metrics): address already in use`,
    );
  } finally {
    holder.close();
  }
});
