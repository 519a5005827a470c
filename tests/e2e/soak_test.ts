import assert from "node:assert/strict";
import { Ledger } from "../../soak/ledger.ts";
import { parseSoakArgs, SoakUsageError } from "../../soak/main.ts";
import { DEFAULT_SOAK_OPTIONS, formatReport, runSoak } from "../../soak/run.ts";
import { notLinux, skipWhen } from "../helpers/platform.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

/** The CI soak: 20 s, and the server's RSS may grow at most this much after the logins. */
const CI_SOAK = {
  clients: 30,
  durationSeconds: 20,
  rate: 2,
  churnIntervalMs: 500,
  maxRssGrowthMiB: 48,
};

Deno.test("the ledger counts losses, duplicates and reordering per sender and receiver", () => {
  const ledger = new Ledger();
  for (let seq = 1; seq <= 5; seq++) ledger.sent("a", seq);
  for (let seq = 1; seq <= 3; seq++) ledger.sent("b", seq);
  for (const seq of [1, 2, 3, 4, 5]) ledger.received("b", "a", seq);
  for (const seq of [1, 3, 3, 2]) ledger.received("a", "b", seq); // 3 twice, then 2 late
  for (const seq of [4, 5]) ledger.received("late", "a", seq); // joined late: not in `stayed`
  let totals = ledger.totals(["a", "b"], ["a", "b"]);
  // 2 came late to a: out of order, not lost.
  assert.deepEqual(totals, { sent: 8, delivered: 11, lost: 0, duplicated: 1, outOfOrder: 1 });
  ledger.sent("b", 4); // b's fourth never reaches a
  totals = ledger.totals(["a", "b"], ["a", "b"]);
  assert.deepEqual(totals, { sent: 9, delivered: 11, lost: 1, duplicated: 1, outOfOrder: 1 });
});

Deno.test("soak flags: defaults finish in about two minutes, hours on request", () => {
  assert.deepEqual(parseSoakArgs([]), DEFAULT_SOAK_OPTIONS);
  assert.ok(DEFAULT_SOAK_OPTIONS.durationSeconds <= 120);
  assert.equal(parseSoakArgs(["--duration", "7200"])?.durationSeconds, 7200);
  assert.equal(parseSoakArgs(["--help"]), undefined);
  assert.throws(() => parseSoakArgs(["--clients", "many"]), SoakUsageError);
  assert.throws(() => parseSoakArgs(["--nope"]), SoakUsageError);
});

Deno.test(
  "soak, CI length (20 s): nothing lost, duplicated or reordered; RSS bounded",
  {
    ...opts,
    // The soak reads the server's resident memory from /proc/PID/status.
    ignore: skipWhen("the soak", notLinux("/proc (the soak reads the server's memory there)")),
  },
  async () => {
    const report = await runSoak(CI_SOAK);
    console.log(formatReport(CI_SOAK, report));
    assert.deepEqual(report.failures, []);
    assert.equal(report.lost, 0);
    assert.equal(report.duplicated, 0);
    assert.equal(report.outOfOrder, 0);
    assert.ok(
      report.sent > CI_SOAK.clients * CI_SOAK.durationSeconds,
      "the clients really chatted",
    );
    assert.ok(report.churned > 10, "clients joined and left throughout");
    assert.ok(report.rssEnd - report.rssWarm <= CI_SOAK.maxRssGrowthMiB * 1024 * 1024);
  },
);
