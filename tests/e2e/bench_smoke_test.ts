/**
 * A few-second smoke run of the benchmark against our own server and, when it is installed (CI
 * installs it), ngIRCd, so `deno task bench` and its IRC client cannot rot; plus the pieces whose arithmetic the table
 * depends on (payload stamps, the delivery ledger, medians) and the command line's errors.
 */

import assert from "node:assert/strict";
import { parseBenchArgs } from "../../bench/args.ts";
import { makeTargets, notApplicableReason, runBench } from "../../bench/bench.ts";
import { addressFor, onWeb } from "../../bench/crowd.ts";
import { nextLineFeed } from "../../bench/irc_client.ts";
import { DeliveryLedger } from "../../bench/ledger.ts";
import { renderReport } from "../../bench/main.ts";
import {
  type PayloadFields,
  payloadTemplate,
  readPayload,
  stampPayload,
} from "../../bench/payload.ts";
import type { IdleResult, TrafficResult } from "../../bench/results.ts";
import { median } from "../../bench/table.ts";
import { UsageError } from "../../cli/usage.ts";
import { commandUnavailable, firstReason, notLinux, skipWhen } from "../helpers/platform.ts";
import { redisUnavailableReason } from "../helpers/redis.ts";

/** The runs measure the server through /proc; the cluster runs need redis-server too. */
const noProc = notLinux("/proc (the bench reads the server's CPU and memory there)");
const skipRuns = { ignore: skipWhen("bench smoke runs", noProc) };
const skipClusterRuns = {
  ignore: skipWhen("bench cluster runs", firstReason(noProc, await redisUnavailableReason())),
};

function options(args: string[], targets = "chat") {
  const parsed = parseBenchArgs(["--targets", targets, "--runs", "1", "--no-install", ...args]);
  if (parsed.kind !== "run") throw new Error("expected run options");
  return parsed.options;
}

Deno.test(
  "bench: a tiny fan-out run against our server delivers everything, in order",
  skipRuns,
  async () => {
    const opts = options([
      "--profile",
      "fanout-small",
      "-N",
      "5",
      "-S",
      "2",
      "-R",
      "50",
      "-B",
      "64",
      "-D",
      "1",
      "--warmup",
      "0.3",
    ]);
    const report = await runBench(opts, () => {}, "smoke");
    assert.equal(report.rows.length, 1);
    const [run] = report.rows[0].runs;
    assert.ok(run.kind === "traffic", `run failed: ${JSON.stringify(run)}`);
    const result = run as TrafficResult;
    assert.ok(result.windowDeliveries > 0, "no deliveries in the window");
    assert.ok(result.sent > 0);
    // 2 senders to 4 others each: every message sent reached every other client exactly once.
    assert.equal(result.expected, result.sent * 4);
    assert.equal(result.lost, 0);
    assert.equal(result.duplicated, 0);
    assert.equal(result.outOfOrder, 0);
    assert.equal(result.corrupt, 0);
    assert.ok(result.p50Micros > 0 && result.p50Micros <= result.p99Micros);
    assert.ok(result.p99Micros <= result.maxMicros);
    assert.ok(result.serverPeakRssBytes > 0, "server memory was not read from /proc");
    assert.ok(result.serverCpuSeconds >= 0);
    const text = renderReport(report, opts.profiles);
    assert.match(text, /\| fanout-small \| chat \| 1 \| [\d,]+ \|/);
    // The workload is not the issue's, so no goal is judged on it.
    assert.match(text, /not measured: fanout-small: p50 latency at most 2 ms/);
  },
);

const skipIrcRuns = {
  ignore: skipWhen(
    "bench IRC runs",
    firstReason(noProc, await commandUnavailable("ngircd", ["--version"])),
  ),
};

Deno.test(
  "bench: a tiny fan-out run against our IRC door (chat-irc) delivers everything, in order",
  skipRuns,
  async () => {
    const opts = options(
      ["--profile", "fanout-small", "-N", "4", "-S", "2", "-R", "20", "-D", "1", "--warmup", "0.3"],
      "chat-irc",
    );
    const report = await runBench(opts, () => {}, "smoke");
    const [run] = report.rows[0].runs;
    assert.ok(run.kind === "traffic", `run failed: ${JSON.stringify(run)}`);
    const result = run as TrafficResult;
    assert.ok(result.windowDeliveries > 0, "no deliveries in the window");
    assert.equal(result.expected, result.sent * 3);
    assert.equal(result.lost, 0);
    assert.equal(result.duplicated, 0);
    assert.equal(result.outOfOrder, 0);
    assert.equal(result.corrupt, 0);
    const text = renderReport(report, opts.profiles);
    assert.match(text, /\| fanout-small \| chat-irc \| 1 \| [\d,]+ \|/);
    assert.match(text, /not measured: chat-irc saturate/);
  },
);

Deno.test(
  "bench: a tiny fan-out run against ngIRCd speaks IRC and delivers everything, in order",
  skipIrcRuns,
  async () => {
    const opts = options(
      ["--profile", "fanout-small", "-N", "4", "-S", "2", "-R", "20", "-D", "1", "--warmup", "0.3"],
      "ngircd",
    );
    const report = await runBench(opts, () => {}, "smoke");
    const [run] = report.rows[0].runs;
    assert.ok(run.kind === "traffic", `run failed: ${JSON.stringify(run)}`);
    const result = run as TrafficResult;
    assert.ok(result.windowDeliveries > 0, "no deliveries in the window");
    assert.equal(result.expected, result.sent * 3);
    assert.equal(result.lost, 0);
    assert.equal(result.duplicated, 0);
    assert.equal(result.outOfOrder, 0);
    assert.equal(result.corrupt, 0);
    assert.ok(result.serverPeakRssBytes > 0, "ngIRCd's memory was not read from /proc");
    assert.match(
      renderReport(report, opts.profiles),
      /\| fanout-small \| ngircd \| 1 \| [\d,]+ \|/,
    );
  },
);

Deno.test(
  "bench: a tiny idle run logs everyone in and counts every join notice",
  skipRuns,
  async () => {
    const report = await runBench(
      options(["--profile", "idle-10k", "-N", "12", "-D", "0.1"]),
      () => {},
      "smoke",
    );
    const [run] = report.rows[0].runs;
    assert.ok(run.kind === "idle", `run failed: ${JSON.stringify(run)}`);
    const result = run as IdleResult;
    assert.equal(result.loggedIn, 12);
    assert.equal(result.expectedJoinNotices, (12 * 11) / 2);
    assert.equal(result.joinNotices, result.expectedJoinNotices);
    assert.ok(result.idleRssBytes > 0 && result.baselineRssBytes > 0);
  },
);

Deno.test(
  "bench: a tiny stalled-bodies run stalls two waves of clients and reads the memory after each",
  skipRuns,
  async () => {
    const opts = options(["--profile", "stalled-bodies", "-N", "6", "-D", "0.1"]);
    const report = await runBench(opts, () => {}, "smoke");
    const [run] = report.rows[0].runs;
    assert.ok(run.kind === "idle", `run failed: ${JSON.stringify(run)}`);
    const result = run as IdleResult;
    assert.equal(result.loggedIn, 6);
    assert.equal(result.drops, 0, "a stalled body is not a reason to drop anyone");
    assert.ok(result.afterCloseRssBytes !== undefined && result.afterCloseRssBytes > 0);
    assert.ok(result.secondWave !== undefined && result.secondWave.afterCloseRssBytes > 0);
    assert.match(
      renderReport(report, opts.profiles),
      /stalled bodies, [\d.]+ MiB after they closed \(idle [\d.]+ s after the close\); a second wave: [\d.]+ MiB with, [\d.]+ MiB after/,
    );
  },
);

Deno.test(
  "bench: a tiny fan-out run against a two-instance cluster delivers everything",
  skipClusterRuns,
  async () => {
    const opts = options(
      ["--profile", "fanout-small", "-N", "6", "-S", "2", "-R", "50", "-D", "1", "--warmup", "0.3"],
      "chat-cluster2",
    );
    const report = await runBench(opts, () => {}, "smoke");
    const [run] = report.rows[0].runs;
    assert.ok(run.kind === "traffic", `run failed: ${JSON.stringify(run)}`);
    const result = run as TrafficResult;
    // Clients 0, 2, 4 are on one instance and 1, 3, 5 on the other: every message crossed Redis
    // to reach half of its receivers, and each arrived exactly once, in order.
    assert.ok(result.sent > 0 && result.windowDeliveries > 0);
    assert.equal(result.expected, result.sent * 5);
    assert.equal(result.lost, 0);
    assert.equal(result.duplicated, 0);
    assert.equal(result.outOfOrder, 0);
    assert.equal(result.serverProcesses, 2, "CPU and memory not summed over both instances");
    assert.ok(result.redisCpuSeconds !== undefined && result.redisCpuSeconds >= 0);
    assert.ok(result.notes.some((n) => n.startsWith("Redis (not in server CPU): ")));
    assert.match(
      renderReport(report, opts.profiles),
      /\| fanout-small \| chat-cluster2 \| 1 \| [\d,]+ \|/,
    );
  },
);

Deno.test(
  "bench: a tiny idle run against a cluster sums memory and counts no join as missing",
  skipClusterRuns,
  async () => {
    const opts = options(["--profile", "idle-10k", "-N", "8", "-D", "0.1"], "chat-cluster2");
    const report = await runBench(opts, () => {}, "smoke");
    const [run] = report.rows[0].runs;
    assert.ok(run.kind === "idle", `run failed: ${JSON.stringify(run)}`);
    const result = run as IdleResult;
    assert.equal(result.loggedIn, 8);
    assert.equal(result.serverProcesses, 2);
    // Logins racing on two instances are announced both ways: at least L(L-1)/2, never fewer.
    assert.ok(result.joinNotices >= result.expectedJoinNotices, JSON.stringify(result));
    assert.ok(result.idleRssBytes > 0 && result.baselineRssBytes > 0);
    const text = renderReport(report, opts.profiles);
    assert.match(text, /\| idle-10k \| chat-cluster2 \| 1 \| – \| – \| – \| – \| 0 \|/);
    assert.doesNotMatch(text, /join notices received/);
  },
);

Deno.test(
  "bench: the history target (a --db file, replay 50) gives every login its replay and loses nothing",
  skipRuns,
  async () => {
    const idle = await runBench(
      options(["--profile", "idle-10k", "-N", "12", "-D", "0.1"], "chat-history"),
      () => {},
      "smoke",
    );
    const [idleRun] = idle.rows[0].runs;
    assert.ok(idleRun.kind === "idle", `run failed: ${JSON.stringify(idleRun)}`);
    const result = idleRun as IdleResult;
    assert.equal(result.loggedIn, 12);
    assert.equal(result.replays, 12, "each newcomer received its replay");
    assert.equal(result.joinNotices, result.expectedJoinNotices);
    const traffic = await runBench(
      options(
        [
          "--profile",
          "fanout-small",
          "-N",
          "5",
          "-S",
          "2",
          "-R",
          "50",
          "-D",
          "1",
          "--warmup",
          "0.3",
        ],
        "chat-history",
      ),
      () => {},
      "smoke",
    );
    const [run] = traffic.rows[0].runs;
    assert.ok(run.kind === "traffic", `run failed: ${JSON.stringify(run)}`);
    const delivered = run as TrafficResult;
    assert.ok(delivered.sent > 0);
    assert.equal(delivered.lost, 0);
    assert.equal(delivered.outOfOrder, 0);
  },
);

Deno.test("bench: cluster clients are spread over the instances round-robin", () => {
  const addresses = [1, 2, 3].map((port) => ({ host: "127.0.0.1", port }));
  const ports = [0, 1, 2, 3, 4, 5, 6].map((i) => addressFor(addresses, i).port);
  assert.deepEqual(ports, [1, 2, 3, 1, 2, 3, 1]);
});

Deno.test("bench: the cluster and history targets are known but not run by default", () => {
  const parsed = parseBenchArgs([]);
  assert.ok(parsed.kind === "run");
  assert.deepEqual(parsed.options.targets, ["chat", "chat-irc", "ngircd", "inspircd"]);
  const cluster = parseBenchArgs(["--targets", "chat,chat-cluster2,chat-cluster3"]);
  assert.ok(cluster.kind === "run");
  assert.deepEqual(cluster.options.targets, ["chat", "chat-cluster2", "chat-cluster3"]);
  const history = parseBenchArgs(["--targets", "chat,chat-history"]);
  assert.ok(history.kind === "run");
  assert.deepEqual(history.options.targets, ["chat", "chat-history"]);
});

Deno.test("bench: payload fields survive a stamp and a read", () => {
  const payload = payloadTemplate(42, 64);
  stampPayload(payload, 0, 123_456, 987_654_321);
  const fields: PayloadFields = { sender: 0, seq: 0, sentMicros: 0 };
  assert.ok(readPayload(payload, 0, fields));
  assert.deepEqual(fields, { sender: 42, seq: 123_456, sentMicros: 987_654_321 });
  payload[10] = 0x41; // a letter inside the sequence digits
  assert.equal(readPayload(payload, 0, fields), false);
  // The widest values, and any byte just outside '0'..'9' in any digit, in either half of the
  // 12-digit time.
  const wide = payloadTemplate(99_999, 64);
  stampPayload(wide, 0, 999_999_999, 999_999_999_999);
  assert.ok(readPayload(wide, 0, fields));
  assert.deepEqual(fields, { sender: 99_999, seq: 999_999_999, sentMicros: 999_999_999_999 });
  const digits = [...Array(5).keys()].map((i) => 2 + i)
    .concat([...Array(9).keys()].map((i) => 8 + i), [...Array(12).keys()].map((i) => 18 + i));
  for (const at of digits) {
    for (const bad of [0x2f, 0x3a, 0x20, 0x00, 0xff]) {
      const damaged = wide.slice();
      damaged[at] = bad;
      assert.equal(readPayload(damaged, 0, fields), false, `byte ${bad} at ${at}`);
    }
  }
});

Deno.test("bench: the IRC client's word-wise line search finds what indexOf finds", () => {
  const buf = new Uint8Array(64);
  const words = new Int32Array(buf.buffer, 0, buf.length / 4);
  // Bytes near LF (0x09, 0x0b, 0x8a), high bytes and zeros around LFs at every alignment.
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const noise = [0, 0x09, 0x0b, 0x8a, 0xff, 0x0d, 0x78];
  for (let trial = 0; trial < 20_000; trial++) {
    for (let i = 0; i < buf.length; i++) buf[i] = noise[Math.floor(random() * noise.length)];
    const lineFeeds = Math.floor(random() * 4);
    for (let j = 0; j < lineFeeds; j++) buf[Math.floor(random() * buf.length)] = 0x0a;
    const from = Math.floor(random() * (buf.length + 1));
    const end = from + Math.floor(random() * (buf.length + 1 - from));
    const expected = buf.subarray(0, end).indexOf(0x0a, from);
    assert.equal(nextLineFeed(buf, words, from, end), expected, `from ${from} to ${end}`);
  }
});

Deno.test("bench: the ledger tells lost, duplicated and out-of-order deliveries apart", () => {
  const ledger = new DeliveryLedger(3, 1); // clients 0..2, client 0 sends
  ledger.sentBy[0] = 4; // seq 0..3, each due at clients 1 and 2
  ledger.openWindow();
  for (const seq of [0, 1, 2, 3]) ledger.recordDelivery(1, 0, seq, 100);
  ledger.recordDelivery(2, 0, 0, 100);
  ledger.recordDelivery(2, 0, 2, 100); // 1 skipped ...
  ledger.recordDelivery(2, 0, 1, 100); // ... arrives late: out of order
  ledger.recordDelivery(2, 0, 1, 100); // again: duplicate
  ledger.recordDelivery(0, 0, 1, 100); // to its own sender: never expected
  const totals = ledger.totals();
  assert.equal(totals.expected, 8);
  assert.equal(totals.unique, 7);
  assert.equal(totals.lost, 1); // seq 3 never reached client 2
  assert.equal(totals.outOfOrder, 1);
  assert.equal(totals.duplicated, 1);
  assert.equal(totals.corrupt, 1);
  assert.equal(ledger.windowDeliveries, 7);
  assert.equal(ledger.latency.percentile(0.5), 100);
});

Deno.test("bench: medians of odd and even run counts", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

Deno.test("bench: bad command lines are usage errors that name the problem", () => {
  const bad: [string[], RegExp][] = [
    [["--targets", "ircd"], /unknown targets 'ircd'/],
    [["--profile", "huge"], /unknown profile 'huge'/],
    [["--runs", "0"], /--runs must be between 1/],
    [["-B", "8"], /--bytes must be between/],
    [["-D", "abc"], /--duration must be a number of seconds/],
    [["--profile", "saturate", "-N", "10", "-S", "11"], /senders must be between 1 and/],
    [["--bogus"], /bogus/],
    [["extra"], /unexpected argument 'extra'/],
  ];
  for (const [args, message] of bad) {
    assert.throws(() => parseBenchArgs(args), (e: unknown) => {
      assert.ok(e instanceof UsageError, `${args.join(" ")}: not a UsageError`);
      assert.match(e.message, message);
      return true;
    });
  }
  assert.equal(parseBenchArgs(["--help"]).kind, "help");
});

Deno.test(
  "bench: fanout-web puts every other client on /ws and still delivers everything, in order",
  skipRuns,
  async () => {
    const opts = options([
      "--profile",
      "fanout-web",
      "-N",
      "6",
      "-S",
      "2",
      "-R",
      "50",
      "-B",
      "64",
      "-D",
      "1",
      "--warmup",
      "0.3",
    ]);
    const report = await runBench(opts, () => {}, "smoke");
    const [run] = report.rows[0].runs;
    assert.ok(run.kind === "traffic", `run failed: ${JSON.stringify(run)}`);
    const result = run as TrafficResult;
    assert.ok(result.sent > 0);
    // Sender 0 is on TCP, sender 1 on /ws: each message reached the 5 others exactly once.
    assert.equal(result.expected, result.sent * 5);
    assert.equal(result.lost, 0);
    assert.equal(result.duplicated, 0);
    assert.equal(result.outOfOrder, 0);
    assert.equal(result.corrupt, 0);
    assert.match(
      renderReport(report, opts.profiles),
      /not measured: fanout-web: 0 lost or reordered/,
    );
  },
);

Deno.test(
  "bench: fanout-web runs against chat-history; an IRC target is not applicable, not failed",
  skipRuns,
  async () => {
    const opts = options([
      "--profile",
      "fanout-web",
      "-N",
      "4",
      "-S",
      "2",
      "-R",
      "50",
      "-B",
      "64",
      "-D",
      "1",
      "--warmup",
      "0.3",
      "--runs",
      "2",
    ], "chat-history,chat-irc");
    const log: string[] = [];
    const report = await runBench(opts, (line) => log.push(line), "smoke");
    const history = report.rows.find((r) => r.target === "chat-history");
    assert.ok(history !== undefined);
    assert.equal(history.runs.length, 2);
    for (const run of history.runs) {
      assert.ok(run.kind === "traffic", `run failed: ${JSON.stringify(run)}`);
      assert.equal(run.lost, 0);
      assert.equal(run.outOfOrder, 0);
      assert.ok(run.sent > 0);
    }
    const irc = report.rows.find((r) => r.target === "chat-irc");
    // Said once, however many runs were asked for, and never started.
    assert.deepEqual(irc?.runs.map((r) => r.kind), ["not applicable"]);
    assert.equal(log.filter((l) => l.includes("against chat-irc")).length, 1);
    const text = renderReport(report, opts.profiles);
    assert.match(text, /\| fanout-web \| chat-irc \| 1 \| n\/a \|/);
    assert.match(text, /fanout-web \/ chat-irc: not applicable: its clients speak IRC/);
    assert.doesNotMatch(text, /FAILED|failed/);
  },
);

Deno.test("bench: only our single server takes WebSocket clients; the others say why not", () => {
  const web = { webShare: 0.5 };
  assert.equal(notApplicableReason({ protocol: "chat", speaksWeb: true }, web), null);
  assert.match(notApplicableReason({ protocol: "irc" }, web) ?? "", /speak IRC/);
  assert.match(notApplicableReason({ protocol: "chat" }, web) ?? "", /cluster/);
  assert.equal(notApplicableReason({ protocol: "irc" }, {}), null);
  const targets = makeTargets(
    ["chat", "chat-history", "chat-irc", "ngircd", "inspircd", "chat-cluster2"],
    options(["--profile", "fanout-web"]),
  );
  assert.deepEqual(
    targets.filter((t) => notApplicableReason(t, web) === null).map((t) => t.name),
    ["chat", "chat-history"],
  );
});

Deno.test("bench: a WebSocket share is spread evenly over the clients", () => {
  const half = Array.from({ length: 6 }, (_, i) => onWeb(i, 0.5));
  assert.deepEqual(half, [false, true, false, true, false, true]);
  assert.equal(Array.from({ length: 100 }, (_, i) => onWeb(i, 0.25)).filter(Boolean).length, 25);
  assert.equal([0, 1, 2].some((i) => onWeb(i, 0)), false);
});
