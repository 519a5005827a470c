import assert from "node:assert/strict";
import { parseServerArgs } from "../../cli/server_args.ts";
import { UsageError } from "../../cli/usage.ts";
import { addressKey, IpLimiter, tooManyFromAddressNotice } from "../../server/ip_limits.ts";
import { DEFAULT_SERVER_OPTIONS } from "../../server/options.ts";
import { withServer } from "../helpers/server.ts";
import { waitUntil } from "../helpers/timeout.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

Deno.test("IpLimiter counts per address, releases, and 0 means no limit", () => {
  const limiter = new IpLimiter(2);
  assert.ok(limiter.tryAcquire("10.0.0.1"));
  assert.ok(limiter.tryAcquire("::ffff:10.0.0.1"));
  assert.equal(limiter.tryAcquire("10.0.0.1"), false);
  assert.ok(limiter.tryAcquire("10.0.0.2"));
  assert.equal(limiter.count("10.0.0.1"), 2);
  limiter.release("10.0.0.1");
  assert.ok(limiter.tryAcquire("10.0.0.1"));
  limiter.release("10.0.0.1");
  limiter.release("10.0.0.1");
  limiter.release("10.0.0.2");
  assert.equal(limiter.addresses, 0, "no address is remembered once its connections are gone");
  const unlimited = new IpLimiter(0);
  for (let i = 0; i < 1000; i++) assert.ok(unlimited.tryAcquire("10.0.0.1"));
  assert.equal(addressKey("::FFFF:192.0.2.1"), "192.0.2.1");
  assert.equal(addressKey("2001:DB8::1"), "2001:db8::1");
});

Deno.test("--max-clients-per-ip: default 20, 0 allowed, garbage refused", () => {
  assert.equal(DEFAULT_SERVER_OPTIONS.maxClientsPerIp, 20);
  const parsed = parseServerArgs([]);
  assert.equal(parsed.kind === "run" && parsed.options.maxClientsPerIp, 20);
  const zero = parseServerArgs(["--max-clients-per-ip", "0"]);
  assert.equal(zero.kind === "run" && zero.options.maxClientsPerIp, 0);
  assert.throws(() => parseServerArgs(["--max-clients-per-ip", "-1"]), UsageError);
  assert.throws(() => parseServerArgs(["--max-clients-per-ip", "lots"]), UsageError);
});

Deno.test(
  "the connection over the per-IP limit gets an error notice and is closed",
  opts,
  async () => {
    await withServer({ options: { maxClientsPerIp: 3 } }, async ({ server, login, connect }) => {
      const alice = await login("alice");
      await login("bob");
      await alice.waitForNotice("bob joined");
      const idle = await connect(); // counted before it logs in
      await waitUntil(() => server.connectionCount() === 3, 5000, "three connections");
      const excess = await connect();
      const frames = await excess.expectClosed();
      assert.deepEqual(frames.map((f) => [f.username, f.message]), [[
        "",
        tooManyFromAddressNotice(3),
      ]]);
      assert.equal(
        tooManyFromAddressNotice(3),
        "error: too many connections from your address (limit 3)",
      );
      assert.deepEqual(server.onlineNames(), ["alice", "bob"]);
      // The room noticed nothing: no join, no leave.
      assert.deepEqual(await alice.sync(), []);
      // A slot freed is a slot available again.
      await idle.close();
      await waitUntil(() => server.connectionCount() === 2, 5000, "the idle connection to end");
      const carol = await login("carol");
      await alice.waitForNotice("carol joined");
      assert.deepEqual(server.onlineNames(), ["alice", "bob", "carol"]);
      void carol;
    });
  },
);

Deno.test("--max-clients-per-ip 0: no per-address limit", opts, async () => {
  await withServer({ options: { maxClientsPerIp: 0 } }, async ({ server, connect, login }) => {
    const many = await Promise.all(Array.from({ length: 30 }, () => connect()));
    await waitUntil(() => server.connectionCount() === 30, 5000, "thirty connections");
    await login("last");
    assert.equal(server.connectionCount(), 31);
    assert.equal(many.some((c) => c.ended), false);
  });
});
