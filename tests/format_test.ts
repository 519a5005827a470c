import assert from "node:assert/strict";
import { nameColor, styles } from "../client/ui/colors.ts";
import { formatLine, formatTime } from "../client/ui/format.ts";

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
  assert.ok(formatLine(privateNotice, color).includes("\x1b[1;95m** [private] bob: psst"));
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
