/**
 * `--metrics` on a cluster instance: `/readyz` says 503 while Redis is unreachable and 200 once
 * the link is back, `chat_cluster_instances` counts the live instances and
 * `chat_redis_reconnects_total` the link's returns.
 */

import assert from "node:assert/strict";
import type { ClusterServer } from "../../../server/bus/cluster_server.ts";
import { withCluster } from "../../helpers/cluster.ts";
import { skipWhen } from "../../helpers/platform.ts";
import { httpGet, pollUntil, sampleValue } from "../../helpers/prometheus.ts";
import { redisUnavailableReason, withRedis } from "../../helpers/redis.ts";

const opts = {
  sanitizeOps: true,
  sanitizeResources: true,
  ignore: skipWhen("the cluster metrics test", await redisUnavailableReason()),
};

function base(server: ClusterServer): string {
  assert.ok(server.metricsAddr !== null);
  return `http://127.0.0.1:${server.metricsAddr.port}`;
}

async function scrape(server: ClusterServer, series: string): Promise<number | undefined> {
  return sampleValue((await httpGet(`${base(server)}/metrics`)).body, series);
}

Deno.test("a cluster instance is not ready while Redis is unreachable", opts, async () => {
  await withRedis(async (redis) => {
    const settings = {
      instances: [{ id: "m0" }, { id: "m1" }],
      options: { metrics: { hostname: "127.0.0.1", port: 0 } },
    };
    await withCluster(redis, settings, async ({ servers }) => {
      const [first] = servers;
      assert.equal((await httpGet(`${base(first)}/readyz`)).status, 200);
      await pollUntil(
        async () => (await scrape(first, "chat_cluster_instances")) === 2,
        5000,
        "the first instance to see both",
      );
      const reconnectsBefore = await scrape(first, "chat_redis_reconnects_total") ?? 0;

      await redis.stop();
      await pollUntil(
        async () => (await httpGet(`${base(first)}/readyz`)).status === 503,
        10_000,
        "/readyz to say 503 with Redis gone",
      );
      const down = await httpGet(`${base(first)}/readyz`);
      assert.equal(down.body, "not ready: cluster link to Redis down\n");
      assert.equal((await httpGet(`${base(first)}/healthz`)).status, 200, "still alive");

      await redis.restart();
      await pollUntil(
        async () => (await httpGet(`${base(first)}/readyz`)).status === 200,
        10_000,
        "/readyz to say 200 with Redis back",
      );
      assert.ok((await scrape(first, "chat_redis_reconnects_total") ?? 0) > reconnectsBefore);
    });
  });
});
