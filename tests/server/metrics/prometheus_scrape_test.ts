/**
 * The real Prometheus scrapes a running server's `--metrics` endpoint, and `chat_clients` comes
 * back through Prometheus's HTTP API with the number of clients logged in.
 */

import assert from "node:assert/strict";
import { commandUnavailable, skipWhen } from "../../helpers/platform.ts";
import { pollUntil, startPrometheus } from "../../helpers/prometheus.ts";
import { withServer } from "../../helpers/server.ts";

const prometheusMissing = await commandUnavailable("prometheus", ["--version"]);

Deno.test(
  "prometheus scrapes the server and reads chat_clients back",
  {
    sanitizeOps: true,
    sanitizeResources: true,
    ignore: skipWhen("the Prometheus scrape test", prometheusMissing),
  },
  async () => {
    const metrics = { hostname: "127.0.0.1", port: 0 };
    await withServer({ options: { metrics } }, async ({ server, login }) => {
      const addr = server.metricsAddr;
      assert.ok(addr !== null);
      await login("alice");
      await login("bob");
      await login("carol");
      const prometheus = await startPrometheus([`127.0.0.1:${addr.port}`]);
      try {
        let seen: number[] = [];
        await pollUntil(
          async () => {
            seen = await prometheus.query('chat_clients{transport="tcp"}');
            return seen.length > 0;
          },
          20_000,
          "a scrape of chat_clients",
        );
        assert.deepEqual(seen, [3]);
        const up = await prometheus.query('up{job="chat"}');
        assert.deepEqual(up, [1], "the target is up");
      } finally {
        await prometheus.stop();
      }
    });
  },
);
