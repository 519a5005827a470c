/**
 * What the page makes of frames (history, actions, private, errors), mentions, the online
 * count, name colors, input history and the reconnect backoff: the page's logic without a
 * browser.
 */

import assert from "node:assert/strict";
import { retryDelay } from "../../web/backoff.ts";
import { InputHistory } from "../../web/input_history.ts";
import { lineOf, mentions, onlineChange } from "../../web/lines.ts";
import { NAME_COLORS, nameColor } from "../../web/name_color.ts";

const now = new Date("2026-12-03T13:00:00Z");
const notice = (message: string) => ({ username: "", message });

Deno.test("frames become chat, action, history, private, error and notice lines", () => {
  assert.deepEqual(lineOf({ username: "bob", message: "hi" }, now, "me"), {
    kind: "chat",
    time: now,
    from: "bob",
    text: "hi",
    history: false,
    own: false,
  });
  const stamp = "2026-12-03T12:03:11.250Z";
  assert.deepEqual(lineOf(notice(`[history ${stamp}] <alice> old <b>text</b>`), now, "me"), {
    kind: "chat",
    time: new Date(stamp),
    from: "alice",
    text: "old <b>text</b>",
    history: true,
    own: false,
  });
  assert.deepEqual(lineOf(notice(`[history ${stamp}] * Me waves`), now, "me"), {
    kind: "action",
    time: new Date(stamp),
    from: "Me",
    text: "waves",
    history: true,
    own: true,
  });
  assert.deepEqual(lineOf(notice("* alice waves back"), now, "me"), {
    kind: "action",
    time: now,
    from: "alice",
    text: "waves back",
    history: false,
    own: false,
  });
  for (const text of ["History: 2 messages since 2026-12-03T12:00:00.000Z", "End of history"]) {
    assert.deepEqual(lineOf(notice(text), now, "me"), {
      kind: "notice",
      time: now,
      text,
      history: true,
    });
  }
  assert.deepEqual(lineOf(notice("[private] bob: psst"), now, "me"), {
    kind: "private",
    time: now,
    from: "bob",
    text: "psst",
  });
  assert.equal(lineOf(notice("error: unknown command /x"), now, "me").kind, "error");
  assert.equal(lineOf(notice("bob joined"), now, "me").kind, "notice");
});

Deno.test("a mention is the name as a whole word, in any case", () => {
  const cases: [string, boolean][] = [
    ["hello alice", true],
    ["@Alice: look", true],
    ["ALICE!", true],
    ["malice aforethought", false],
    ["alice_b is here", false],
    ["nothing here", false],
  ];
  for (const [text, expected] of cases) assert.equal(mentions(text, "alice"), expected, text);
  assert.equal(mentions("anything", ""), false);
});

Deno.test("the online count follows welcomes, lists, joins and leaves", () => {
  const cases: [string, ReturnType<typeof onlineChange>][] = [
    ["Welcome, alice! Online (3): alice, bob, carol", { set: 3 }],
    ["Online (12): a, b", { set: 12 }],
    ["bob joined", { add: 1 }],
    ["bob and carol joined", { add: 2 }],
    ["a, b, c and d joined", { add: 4 }],
    ["a, b, c and 47 others joined", { add: 50 }],
    ["bob left (quit)", { add: -1 }],
    ["bob left (kicked by alice: spam (again))", { add: -1 }],
    ["bob and carol left (closed)", { add: -2 }],
    ["a, b, c and d left", { add: -4 }],
    ["a, b, c and 47 others left (closed)", { add: -50 }],
    ["bob: set by alice 5m ago, spam, 1h 55m left", null],
    ["error: you are muted (12m left)", null],
    ["server shutting down", null],
  ];
  for (const [text, expected] of cases) assert.deepEqual(onlineChange(text), expected, text);
});

Deno.test("a name's color is stable, case-insensitive and within the palette", () => {
  assert.equal(nameColor("Alice"), nameColor("alice"));
  const slots = new Set(["alice", "bob", "carol", "dave", "erin", "frank"].map(nameColor));
  for (const slot of slots) assert.ok(slot >= 0 && slot < NAME_COLORS);
  assert.ok(slots.size > 2, "names spread over the palette");
});

Deno.test("input history: up and down through sent lines, keeping the draft", () => {
  const history = new InputHistory();
  history.add("one");
  history.add("two");
  assert.equal(history.up("draft"), "two");
  assert.equal(history.up("two"), "one");
  assert.equal(history.up("one"), "one");
  assert.equal(history.down("one"), "two");
  assert.equal(history.down("two"), "draft");
  assert.equal(history.down("draft"), "draft");
});

Deno.test("reconnect waits double from 1 s up to 30 s, with jitter below", () => {
  assert.equal(retryDelay(0, () => 1), 1000);
  assert.equal(retryDelay(1, () => 1), 2000);
  assert.equal(retryDelay(20, () => 1), 30_000);
  assert.equal(retryDelay(0, () => 0), 750);
});
