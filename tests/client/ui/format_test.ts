import assert from "node:assert/strict";
import { nameColor, styles } from "../../../client/ui/colors.ts";
import {
  type ChatLine,
  formatDay,
  formatLine,
  formatTime,
  layoutLine,
} from "../../../client/ui/format.ts";
import { wrapLine } from "../../../client/ui/wrap.ts";
import { echoOf } from "../../../client/interactive.ts";

const plain = styles(false);
const color = styles(true);
const time = new Date(2026, 0, 2, 9, 5, 7); // local time 09:05:07

Deno.test("format: time is local HH:MM:SS", () => {
  assert.equal(formatTime(time), "09:05:07");
  assert.equal(formatTime(new Date(2026, 0, 2, 23, 59, 59)), "23:59:59");
});

Deno.test("format: a chat line shows time, <name> and text", () => {
  assert.equal(
    formatLine({ kind: "chat", time, from: "bob", text: "hello" }, plain),
    "09:05:07 <bob> hello",
  );
});

Deno.test("format: with colors the name has its own color and the time is dimmed", () => {
  const line = formatLine({ kind: "chat", time, from: "bob", text: "hello" }, color);
  assert.equal(line, `\x1b[2m09:05:07\x1b[0m \x1b[${nameColor("bob")}m<bob>\x1b[0m hello`);
});

Deno.test("format: notices are marked with -- and dimmed", () => {
  const notice = { kind: "notice", time, text: "alice joined" } as const;
  assert.equal(formatLine(notice, plain), "09:05:07 -- alice joined");
  assert.equal(formatLine(notice, color), "\x1b[2m09:05:07\x1b[0m \x1b[2m-- alice joined\x1b[0m");
});

Deno.test("format: private messages stand out, errors are marked", () => {
  const privateNotice = { kind: "notice", time, text: "[private] bob: psst" } as const;
  assert.equal(formatLine(privateNotice, plain), "09:05:07 ** [private] bob: psst");
  assert.ok(formatLine(privateNotice, color).includes(color.private("** [private] bob: psst")));
  const error = { kind: "notice", time, text: "error: unknown command /x" } as const;
  assert.equal(formatLine(error, plain), "09:05:07 !! error: unknown command /x");
});

Deno.test("format: your own lines are shown as typed and marked as yours", () => {
  assert.equal(
    formatLine({ kind: "own", time, from: "alice", text: "/msg bob hi" }, plain),
    "09:05:07 » <alice> /msg bob hi",
  );
  const own = formatLine({ kind: "own", time, from: "alice", text: "hi" }, color);
  assert.ok(own.includes("\x1b[1m"));
  assert.ok(own.endsWith(" hi"));
});

Deno.test("format: client info lines are marked, errors too", () => {
  assert.equal(
    formatLine({ kind: "info", time, text: "connecting" }, plain),
    "09:05:07 -- connecting",
  );
  assert.equal(
    formatLine({ kind: "info", time, text: "lost", error: true }, plain),
    "09:05:07 !! lost",
  );
});

Deno.test("format: names and text from the network are sanitized", () => {
  const line = formatLine(
    { kind: "chat", time, from: "ev\x1b[2Jil", text: "a\x1b]0;title\x07b\nfake line\x1b[1A" },
    plain,
  );
  assert.equal(line, "09:05:07 <evil> ab↵fake line");
  const notice = formatLine({ kind: "notice", time, text: "\x1bcreset\r" }, plain);
  assert.equal(notice, "09:05:07 -- reset↵");
});

Deno.test("format: actions, history, commands, private messages you sent, day separators", () => {
  assert.equal(
    formatLine({ kind: "action", time, from: "bob", text: "waves" }, plain),
    "09:05:07 * bob waves",
  );
  const said = new Date(2026, 11, 3, 12, 3, 11);
  const history: ChatLine = {
    kind: "history",
    time: said,
    from: "bob",
    text: "old news",
    action: false,
  };
  assert.equal(formatLine(history, plain), "12:03:11 <bob> old news");
  assert.equal(
    formatLine({ ...history, action: true, text: "waved" }, plain),
    "12:03:11 * bob waved",
  );
  const dimmed = formatLine(history, color);
  assert.ok(dimmed.includes(color.dim("old news")), "history is dimmed");
  assert.equal(formatLine({ kind: "command", time, text: "/users" }, plain), "09:05:07 » /users");
  assert.equal(
    formatLine({ kind: "private-out", time, to: "bob", text: "psst" }, plain),
    "09:05:07 -> bob: psst",
  );
  assert.ok(
    formatLine({ kind: "private-out", time, to: "bob", text: "x" }, color).includes(
      color.private("x"),
    ),
  );
  assert.equal(formatLine({ kind: "day", time: said }, plain), "-- Thursday 3 December 2026 --");
  assert.equal(formatDay(new Date(2027, 0, 1)), "Friday 1 January 2027");
  const mention = formatLine(
    { kind: "chat", time, from: "bob", text: "alice?", mention: true },
    color,
  );
  assert.ok(mention.endsWith(color.mention("alice?")));
});

Deno.test("echo: what you send is shown as what it is", () => {
  assert.deepEqual(echoOf("hi", "alice", time), { kind: "own", time, from: "alice", text: "hi" });
  assert.deepEqual(echoOf("//etc", "alice", time), {
    kind: "own",
    time,
    from: "alice",
    text: "/etc",
  });
  assert.deepEqual(echoOf("/msg bob psst now", "alice", time), {
    kind: "private-out",
    time,
    to: "bob",
    text: "psst now",
  });
  assert.deepEqual(echoOf("/users", "alice", time), { kind: "command", time, text: "/users" });
  assert.equal(echoOf("/me waves", "alice", time), undefined);
});

Deno.test("wrap: at spaces, continuation rows under the text, colors carried", () => {
  const line = layoutLine(
    { kind: "chat", time, from: "bob", text: "the quick brown fox jumps over the lazy dog" },
    plain,
  );
  assert.equal(line.indent, 15);
  assert.deepEqual(wrapLine(line.text, 30, line.indent), [
    "09:05:07 <bob> the quick brown",
    "               fox jumps over",
    "               the lazy dog",
  ]);
  // A word longer than a row is cut where the row ends.
  assert.deepEqual(wrapLine("ab " + "x".repeat(12), 8, 3), ["ab", "   xxxxx", "   xxxxx", "   xx"]);
  // A colored text that wraps keeps its color on the next row.
  const notice = layoutLine({ kind: "notice", time, text: "a long notice that wraps" }, color);
  const rows = wrapLine(notice.text, 24, notice.indent);
  assert.equal(rows.length, 3);
  assert.ok(rows[1].startsWith(" ".repeat(12) + "\x1b[2m"), JSON.stringify(rows[1]));
  assert.deepEqual(wrapLine("short", 80, 9), ["short"]);
});
