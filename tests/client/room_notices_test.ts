import assert from "node:assert/strict";
import { mentions, parseRoomNotice } from "../../client/room_notices.ts";
import { ringsBell, sessionEventLine } from "../../client/ui/session_lines.ts";
import type { SessionEvent } from "../../client/session.ts";

const AT = "2026-12-03T12:03:11.250Z";

Deno.test("history lines and actions are parsed in their exact forms", () => {
  assert.deepEqual(parseRoomNotice(`[history ${AT}] <alice> hello there`), {
    kind: "history",
    time: new Date(AT),
    from: "alice",
    text: "hello there",
    action: false,
  });
  assert.deepEqual(parseRoomNotice(`[history ${AT}] * alice waves`), {
    kind: "history",
    time: new Date(AT),
    from: "alice",
    text: "waves",
    action: true,
  });
  assert.deepEqual(parseRoomNotice(`[history ${AT}] <bob> `), {
    kind: "history",
    time: new Date(AT),
    from: "bob",
    text: "",
    action: false,
  });
  assert.deepEqual(parseRoomNotice("* alice waves at bob"), {
    kind: "action",
    from: "alice",
    text: "waves at bob",
  });
  for (
    const other of [
      "History: 2 messages since " + AT,
      "End of history",
      "alice joined",
      "[history yesterday] <alice> x",
      "[history 2026-13-45T99:99:99Z] <alice> x",
      "** nope",
      "*alice",
    ]
  ) {
    assert.equal(parseRoomNotice(other), undefined, other);
  }
});

Deno.test("a mention is the name as a whole word, without regard to case", () => {
  for (const yes of ["alice", "Alice, look", "hey @ALICE!", "(alice)", "ask alice."]) {
    assert.ok(mentions(yes, "alice"), yes);
  }
  for (const no of ["malice", "alice2", "alice_b", "al ice", ""]) {
    assert.ok(!mentions(no, "alice"), no);
  }
  assert.ok(mentions("ping Zoë", "zoë"));
  assert.ok(!mentions("anything", ""));
});

const frame = (username: string, message: string): SessionEvent => ({
  type: "frame",
  kind: username === "" ? "notice" : "chat",
  frame: { username, message },
  receivedAt: new Date(AT),
});

Deno.test("session lines: mentions marked for others' lines only; the bell follows --bell", () => {
  const now = new Date();
  const fromBob = sessionEventLine(frame("bob", "alice: look"), now, "alice");
  assert.equal(fromBob?.kind === "chat" && fromBob.mention, true);
  const own = sessionEventLine(frame("", "* Alice waves at alice"), now, "alice");
  assert.deepEqual(own, {
    kind: "action",
    time: new Date(AT),
    from: "Alice",
    text: "waves at alice",
  });
  const history = sessionEventLine(frame("", `[history ${AT}] <bob> hi alice`), now, "alice");
  assert.equal(history?.kind === "history" && history.mention, true);
  const plain = sessionEventLine(frame("bob", "hello"), now, "alice");
  assert.ok(plain !== undefined && history !== undefined && fromBob !== undefined && own);
  const privateNote = sessionEventLine(frame("", "[private] bob: psst"), now, "alice");
  assert.ok(privateNote);
  assert.equal(ringsBell(fromBob, "mention", "alice"), true);
  assert.equal(ringsBell(fromBob, "never", "alice"), false);
  assert.equal(ringsBell(plain, "mention", "alice"), false);
  assert.equal(ringsBell(plain, "always", "alice"), true);
  assert.equal(ringsBell(history, "always", "alice"), false, "history never rings");
  assert.equal(ringsBell(own, "always", "alice"), false, "nor your own lines");
  assert.equal(ringsBell(privateNote, "mention", "alice"), true);
});
