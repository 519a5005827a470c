import assert from "node:assert/strict";
import { sessionEventLine } from "../../../client/ui/session_lines.ts";
import { InvalidUtf8Error } from "../../../protocol/mod.ts";

const now = new Date(2026, 0, 1, 12, 0, 0);
const at = new Date(2026, 0, 1, 11, 0, 0);

Deno.test("session lines: chat frames and notices keep their receive time", () => {
  assert.deepEqual(
    sessionEventLine({
      type: "frame",
      kind: "chat",
      frame: { username: "bob", message: "hi" },
      receivedAt: at,
    }, now),
    { kind: "chat", time: at, from: "bob", text: "hi" },
  );
  assert.deepEqual(
    sessionEventLine({
      type: "frame",
      kind: "notice",
      frame: { username: "", message: "bob joined" },
      receivedAt: at,
    }, now),
    { kind: "notice", time: at, text: "bob joined" },
  );
});

Deno.test("session lines: connection changes are told in one line each", () => {
  const online = sessionEventLine(
    { type: "online", name: "al", welcome: "Welcome, al!", reconnected: true },
    now,
  );
  assert.deepEqual(online, { kind: "info", time: now, text: "reconnected as al" });
  assert.equal(
    sessionEventLine({ type: "online", name: "al", welcome: "W", reconnected: false }, now),
    undefined,
  );
  const offline = sessionEventLine({
    type: "offline",
    reason: { kind: "lost", message: "reset", loggedIn: true },
  }, now);
  assert.equal(offline?.kind === "info" && offline.error, true);
  assert.match(offline?.kind === "info" ? offline.text : "", /reconnecting$/);
  const retrying = sessionEventLine({ type: "retrying", attempt: 2, delayMs: 1500 }, now);
  assert.equal(retrying?.kind === "info" ? retrying.text : "", "reconnecting in 1.5 s (attempt 2)");
  const dropped = sessionEventLine({ type: "dropped", text: "old", limit: 3 }, now);
  assert.match(dropped?.kind === "info" ? dropped.text : "", /dropped "old"/);
  assert.equal(
    sessionEventLine({ type: "ended", end: { kind: "quit", unsent: 0 } }, now),
    undefined,
  );
});

Deno.test("session lines: a frame that could not be decoded is reported, not shown", () => {
  const line = sessionEventLine({
    type: "bad-frame",
    error: new InvalidUtf8Error("message"),
    receivedAt: at,
  }, now);
  assert.equal(line?.kind, "info");
});
