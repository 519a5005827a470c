/**
 * The values moderation parses and prints: addresses and CIDR ranges (IPv4, IPv6, mapped),
 * durations and the time left, ban targets, and the moderation records that arrive from outside.
 */

import assert from "node:assert/strict";
import {
  AddressError,
  isLoopback,
  parseRange,
  rangeContains,
  rangesOverlap,
} from "../../server/moderation/address.ts";
import {
  decodeModerationChange,
  ModerationRecordError,
} from "../../server/moderation/change_codec.ts";
import { DurationError, formatTimeLeft, parseDuration } from "../../server/moderation/duration.ts";
import { BanTargetError, parseBanTarget } from "../../server/moderation/targets.ts";

Deno.test("address ranges: canonical form and membership, IPv4 and IPv6", () => {
  const cases: [string, string, string[], string[]][] = [
    ["1.2.3.4", "1.2.3.4/32", ["1.2.3.4", "::ffff:1.2.3.4"], ["1.2.3.5"]],
    ["10.1.2.3/8", "10.0.0.0/8", ["10.0.0.1", "10.255.255.255"], ["11.0.0.1", "::1"]],
    ["192.168.4.0/22", "192.168.4.0/22", ["192.168.7.255"], ["192.168.8.0", "192.168.3.255"]],
    ["0.0.0.0/0", "0.0.0.0/0", ["8.8.8.8"], ["::1"]],
    ["::1", "0:0:0:0:0:0:0:1/128", ["::1", "0:0:0:0:0:0:0:1", "[::1]"], ["::2", "127.0.0.1"]],
    ["2001:DB8::/32", "2001:db8:0:0:0:0:0:0/32", ["2001:db8:ffff::1"], ["2001:db9::1"]],
    ["fe80::1:2/120", "fe80:0:0:0:0:0:1:0/120", ["fe80::1:ff"], ["fe80::2:0"]],
    ["::ffff:10.0.0.0/104", "10.0.0.0/8", ["10.9.9.9", "::ffff:10.9.9.9"], ["11.0.0.0"]],
  ];
  for (const [text, canonical, inside, outside] of cases) {
    const range = parseRange(text);
    assert.equal(range.canonical, canonical, text);
    for (const ip of inside) assert.ok(rangeContains(range, ip), `${ip} in ${text}`);
    for (const ip of outside) assert.ok(!rangeContains(range, ip), `${ip} not in ${text}`);
  }
});

Deno.test("address ranges: what does not parse is an error, never a wider ban", () => {
  for (
    const bad of [
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "1.2.3.4/33",
      "1.2.3.4/",
      "1.2.3.4/-1",
      "1.2.3.4/a",
      "::1/129",
      "1::2::3",
      "12345::",
      "1:2:3:4:5:6:7:8:9",
      "g::1",
      "/8",
      "",
    ]
  ) {
    assert.throws(() => parseRange(bad), AddressError, bad);
  }
  assert.ok(isLoopback("127.0.0.1") && isLoopback("127.9.9.9") && isLoopback("::1"));
  assert.ok(isLoopback("::ffff:127.0.0.1"));
  assert.ok(!isLoopback("10.0.0.1") && !isLoopback("::2"));
  assert.ok(rangesOverlap(parseRange("127.0.0.0/8"), parseRange("0.0.0.0/0")));
  assert.ok(rangesOverlap(parseRange("127.0.0.0/8"), parseRange("127.0.0.5")));
  assert.ok(!rangesOverlap(parseRange("127.0.0.0/8"), parseRange("10.0.0.0/8")));
});

Deno.test("durations: 90s, 30m, 2h, 7d; anything else is an error", () => {
  const good: [string, number][] = [
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["2h", 7_200_000],
    ["7d", 604_800_000],
  ];
  for (const [text, ms] of good) assert.equal(parseDuration(text), ms, text);
  for (const bad of ["", "5", "0m", "5x", "2 h", "-1h", "1.5h", "h", "2H", "99999d", "1h30m"]) {
    assert.throws(() => parseDuration(bad), DurationError, bad);
  }
});

Deno.test("time left: rounded down to its two largest units", () => {
  const cases: [number, string][] = [
    [7_200_000 - 1, "1h 59m"],
    [7_200_000, "2h"],
    [12 * 60_000 + 30_000, "12m"],
    [45_000, "45s"],
    [0, "0s"],
    [-5, "0s"],
    [7 * 86_400_000 - 1, "6d 23h"],
    [86_400_000, "1d"],
  ];
  for (const [ms, text] of cases) assert.equal(formatTimeLeft(ms), text, String(ms));
});

Deno.test("ban targets: a name by its key, an address by its range", () => {
  assert.deepEqual(parseBanTarget("Bob"), { kind: "name", key: "name:bob", name: "Bob" });
  const range = parseBanTarget("10.0.0.7/8");
  assert.equal(range.key, "net:10.0.0.0/8");
  assert.equal(parseBanTarget("1.2.3.4").key, "net:1.2.3.4/32");
  for (const bad of ["10.0.0.300", "1.2.3.4/40", "::g", "/alice"]) {
    assert.throws(() => parseBanTarget(bad), BanTargetError, bad);
  }
});

Deno.test("moderation changes from outside are checked field by field", () => {
  const ban = {
    key: "name:bob",
    target: "bob",
    setBy: "alice",
    reason: "",
    setAt: 1,
    until: null,
  };
  assert.deepEqual(decodeModerationChange({ op: "ban", ban }), { op: "ban", ban });
  const kick = { op: "kick", key: "b", by: "a", reason: "r", byConsole: false };
  assert.deepEqual(decodeModerationChange(kick), kick);
  assert.deepEqual(decodeModerationChange({ op: "notice", text: "hi" }), {
    op: "notice",
    text: "hi",
  });
  for (
    const bad of [
      null,
      [],
      { op: "nuke" },
      { op: "ban", ban: { ...ban, setAt: "1" } },
      { op: "ban", ban: { ...ban, until: 1.5 } },
      { op: "mute", mute: { key: "b" } },
      { op: "topic", topic: { text: 1, setBy: "a", setAt: 1 } },
      { op: "unban" },
      { op: "kick", key: "b", by: "a", reason: "r" },
    ]
  ) {
    assert.throws(() => decodeModerationChange(bad), ModerationRecordError, JSON.stringify(bad));
  }
});
