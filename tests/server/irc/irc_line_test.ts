/** IRC lines: parsing client lines, cutting the byte stream, and building server lines. */

import assert from "node:assert/strict";
import { IrcLineDecoder } from "../../../server/irc/irc_decoder.ts";
import { ircLine, parseIrcLine, splitUtf8, textLines } from "../../../server/irc/irc_line.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("parseIrcLine: command, middle params and the trailing one; tags and prefix skipped", () => {
  const cases: [string, { command: string; params: string[] } | null][] = [
    ["privmsg #chat :hello there", { command: "PRIVMSG", params: ["#chat", "hello there"] }],
    ["@time=x;a=b :me!u@h NICK  bob", { command: "NICK", params: ["bob"] }],
    ["USER u 0 * :Real Name", { command: "USER", params: ["u", "0", "*", "Real Name"] }],
    ["PRIVMSG #chat ::-)", { command: "PRIVMSG", params: ["#chat", ":-)"] }],
    ["PRIVMSG #chat :", { command: "PRIVMSG", params: ["#chat", ""] }],
    ["QUIT", { command: "QUIT", params: [] }],
    ["   ", null],
    [":prefix.only", null],
  ];
  for (const [line, expected] of cases) {
    const parsed = parseIrcLine(line);
    assert.deepEqual(parsed === null ? null : { ...parsed, params: [...parsed.params] }, expected);
  }
});

Deno.test("splitUtf8 cuts at character boundaries, never inside a surrogate pair", () => {
  const text = "a\u00e9\u{1f600}b".repeat(5);
  for (const max of [4, 5, 7, 10]) {
    const pieces = splitUtf8(text, max);
    assert.equal(pieces.join(""), text);
    for (const piece of pieces) {
      assert.ok(bytes(piece).length <= max, `${piece} fits ${max}`);
      assert.ok(!/[\ud800-\udbff]$/.test(piece), "no lone high surrogate at a cut");
    }
  }
  assert.deepEqual(splitUtf8("", 10), [""]);
});

Deno.test("textLines: line breaks split, NUL replaced, every line within 512 bytes", () => {
  assert.equal(
    textLines("bob!bob@chat", "PRIVMSG", "#chat", "a\r\nb\rc\n\nd\0e"),
    ":bob!bob@chat PRIVMSG #chat :a\r\n:bob!bob@chat PRIVMSG #chat :b\r\n" +
      ":bob!bob@chat PRIVMSG #chat :c\r\n:bob!bob@chat PRIVMSG #chat :d\ufffde\r\n",
  );
  assert.equal(textLines("s", "NOTICE", "x", "\n\r\n"), ":s NOTICE x : \r\n");
  const tagged = textLines(
    "s",
    "PRIVMSG",
    "#c",
    "y".repeat(1000),
    "@time=2026-01-01T00:00:00.000Z",
  );
  for (const line of tagged.split("\r\n").filter((l) => l !== "")) {
    const withoutTags = line.slice(line.indexOf(" ") + 1);
    assert.ok(bytes(withoutTags).length + 2 <= 512);
    assert.ok(line.startsWith("@time="));
  }
  assert.equal(ircLine("s", "PONG", "s", "a\r\nb"), ":s PONG s :a  b\r\n");
});

Deno.test("IrcLineDecoder: lines across reads, CR optional, over-long and non-UTF-8 reported", () => {
  const decoder = new IrcLineDecoder();
  assert.deepEqual(decoder.push(bytes("NICK a\r\nUSER")), [{ ok: true, line: "NICK a" }]);
  assert.deepEqual(decoder.push(bytes(" u 0 * :r\nPING x\r\n\r\n")), [
    { ok: true, line: "USER u 0 * :r" },
    { ok: true, line: "PING x" },
  ]);
  assert.deepEqual(decoder.push(bytes(`${"x".repeat(511)}\r\n`)), [
    { ok: false, problem: "too-long" },
  ]);
  assert.deepEqual(decoder.push(bytes(`${"x".repeat(510)}\r\n`)), [
    { ok: true, line: "x".repeat(510) },
  ]);
  assert.deepEqual(decoder.push(bytes(`@a=${"t".repeat(8000)} PING x\r\n`)).map((r) => r.ok), [
    true,
  ]);
  assert.deepEqual(decoder.push(new Uint8Array([0x41, 0xff, 0x0a])), [
    { ok: false, problem: "invalid-utf8" },
  ]);
  // An endless line is reported once and skipped up to its end, without being kept.
  assert.deepEqual(decoder.push(bytes("y".repeat(600))), [{ ok: false, problem: "too-long" }]);
  assert.deepEqual(decoder.push(bytes("y".repeat(60000))), []);
  assert.deepEqual(decoder.push(bytes("yy\nPING z\n")), [{ ok: true, line: "PING z" }]);
});
