/**
 * The metrics registry: the Prometheus text it writes (HELP, TYPE, labels, escaping), the rules
 * it enforces on names, and the seam a subsystem registers through. promtool checks the text.
 */

import assert from "node:assert/strict";
import { MetricNameError, MetricsRegistry } from "../../../server/metrics/registry.ts";
import { LEAVE_LABELS, leaveLabel } from "../../../server/metrics/room_counters.ts";
import { LeaveReason } from "../../../server/notices.ts";
import { commandUnavailable, skipWhen } from "../../helpers/platform.ts";
import { promtoolCheck } from "../../helpers/prometheus.ts";

const promtoolMissing = await commandUnavailable("promtool", ["--version"]);

Deno.test("a registered source is rendered with HELP, TYPE and escaped labels", () => {
  const registry = new MetricsRegistry();
  let size = 3;
  registry.register({
    name: "chat_history_messages",
    help: "Messages kept in the history store.",
    type: "gauge",
    read: () => size,
  });
  registry.register({
    name: "chat_things_total",
    help: "Things,\nwith a backslash \\ in the help.",
    type: "counter",
    read: () => [{ labels: { kind: 'say "hi"\\' }, value: 7 }],
  });
  size = 5;
  const text = registry.render();
  assert.ok(text.includes(
    "# HELP chat_history_messages Messages kept in the history store.\n" +
      "# TYPE chat_history_messages gauge\nchat_history_messages 5\n",
  ));
  assert.ok(text.includes("# HELP chat_things_total Things,\\nwith a backslash \\\\ in the help."));
  assert.ok(text.includes('chat_things_total{kind="say \\"hi\\"\\\\"} 7\n'));
  assert.ok(text.endsWith("\n"));
});

Deno.test("unregistering removes a metric; a failing read leaves it out and is counted", () => {
  const registry = new MetricsRegistry();
  const remove = registry.register({
    name: "chat_store_write_errors_total",
    help: "Store writes that failed.",
    type: "counter",
    read: () => 1,
  });
  registry.register({
    name: "chat_broken",
    help: "Throws.",
    type: "gauge",
    read: () => {
      throw new Error("boom");
    },
  });
  assert.deepEqual(registry.names(), ["chat_broken", "chat_store_write_errors_total"]);
  remove();
  const text = registry.render();
  assert.ok(!text.includes("chat_store_write_errors_total"));
  assert.ok(!text.includes("chat_broken "));
  assert.ok(text.includes("chat_metric_read_errors_total 1\n"));
});

Deno.test("bad names, counters without _total and duplicates are refused", () => {
  const registry = new MetricsRegistry();
  const gauge = { help: "h", type: "gauge" as const, read: () => 0 };
  assert.throws(() => registry.register({ ...gauge, name: "chat-bad" }), MetricNameError);
  assert.throws(
    () => registry.register({ ...gauge, name: "chat_logins", type: "counter" }),
    /must end in _total/,
  );
  registry.register({ ...gauge, name: "chat_x" });
  assert.throws(() => registry.register({ ...gauge, name: "chat_x" }), /registered already/);
});

Deno.test("leave reasons map to a fixed label set", () => {
  assert.equal(leaveLabel(LeaveReason.quit), "quit");
  assert.equal(leaveLabel(LeaveReason.tooSlow), "too_slow");
  assert.equal(leaveLabel(LeaveReason.shutdown), "shutdown");
  assert.equal(leaveLabel("protocol error: message too long"), "protocol_error");
  assert.equal(leaveLabel("connection error: something odd"), "other");
  assert.equal(leaveLabel("name lost to another server"), "name_lost");
  for (const label of LEAVE_LABELS) assert.match(label, /^[a-z_]+$/);
});

Deno.test(
  "promtool check metrics accepts the registry's text",
  { ignore: skipWhen("promtool check", promtoolMissing) },
  async () => {
    const registry = new MetricsRegistry();
    registry.register({
      name: "chat_clients",
      help: "Clients.",
      type: "gauge",
      read: () => [{ labels: { transport: "tcp" }, value: 2 }],
    });
    registry.register({
      name: "chat_logins_total",
      help: "Logins.",
      type: "counter",
      read: () => 4,
    });
    const result = await promtoolCheck(registry.render());
    assert.ok(result.ok, result.output);
    assert.equal(result.output.trim(), "");
  },
);
