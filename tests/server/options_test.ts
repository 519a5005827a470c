/**
 * server/options.ts: the cluster settings are checked where the server's settings live, and the
 * command line turns a bad one into a usage error without knowing the cluster bus.
 */

import assert from "node:assert/strict";
import { parseServerArgs, SERVER_USAGE } from "../../cli/server_args.ts";
import { UsageError } from "../../cli/usage.ts";
import {
  checkClusterOptions,
  ClusterOptionError,
  DEFAULT_PRESENCE_TIMEOUT_SECONDS,
} from "../../server/options.ts";

Deno.test("checkClusterOptions accepts good settings and names what is wrong in a bad one", () => {
  checkClusterOptions({});
  checkClusterOptions({ redis: "redis://127.0.0.1:6390/2", instanceId: "eu-1", clusterRoom: "a" });
  const cases: [Parameters<typeof checkClusterOptions>[0], RegExp][] = [
    [{ redis: "http://x" }, /invalid Redis address 'http:\/\/x': scheme must be redis:/],
    [{ redis: "redis://h", instanceId: "a b" }, /invalid instance id 'a b'/],
    [{ redis: "redis://h", clusterRoom: "" }, /invalid cluster room ''/],
  ];
  for (const [options, pattern] of cases) {
    assert.throws(() => checkClusterOptions(options), (error: unknown) => {
      assert.ok(error instanceof ClusterOptionError);
      assert.match(error.message, pattern);
      return true;
    });
  }
});

Deno.test("chat server: bad cluster flags are usage errors; the presence default applies", () => {
  for (
    const [args, pattern] of [
      [["--redis", "nope"], /invalid Redis address 'nope'/],
      [["--redis", "redis://h", "--instance-id", "x/y"], /invalid instance id 'x\/y'/],
      [["--redis", "redis://h", "--cluster-room", "é"], /invalid cluster room 'é'/],
    ] as const
  ) {
    assert.throws(
      () => parseServerArgs([...args]),
      (error: unknown) =>
        error instanceof UsageError && pattern.test(error.message) && error.usage === SERVER_USAGE,
    );
  }
  const parsed = parseServerArgs(["--redis", "redis://h", "--instance-id", "a"]);
  assert.ok(parsed.kind === "run");
  assert.equal(parsed.options.instanceId, "a");
  assert.equal(parsed.options.presenceTimeoutSeconds, DEFAULT_PRESENCE_TIMEOUT_SECONDS);
});
