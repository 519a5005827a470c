import assert from "node:assert/strict";
import { type Key, KeyParser } from "../../../client/ui/keys.ts";

const encoder = new TextEncoder();

function parse(...chunks: (string | Uint8Array)[]): Key[] {
  const parser = new KeyParser();
  const keys: Key[] = [];
  for (const chunk of chunks) {
    keys.push(...parser.push(typeof chunk === "string" ? encoder.encode(chunk) : chunk));
  }
  return keys;
}

const key = (name: string): Key => ({ kind: "key", name } as Key);
const text = (t: string): Key => ({ kind: "text", text: t });

Deno.test("keys: typed text is one text event per read", () => {
  assert.deepEqual(parse("hello"), [text("hello")]);
  assert.deepEqual(parse("你好😀"), [text("你好😀")]);
});

Deno.test("keys: control characters map to editing keys", () => {
  const cases: [string, string][] = [
    ["\r", "enter"],
    ["\n", "enter"],
    ["\x7f", "backspace"],
    ["\x08", "backspace"],
    ["\x01", "home"],
    ["\x05", "end"],
    ["\x02", "left"],
    ["\x06", "right"],
    ["\x10", "up"],
    ["\x0e", "down"],
    ["\x17", "delete-word-back"],
    ["\x15", "delete-to-start"],
    ["\x0b", "delete-to-end"],
    ["\x03", "interrupt"],
    ["\x04", "eof"],
    ["\x0c", "clear-screen"],
    ["\t", "tab"],
  ];
  for (const [input, name] of cases) assert.deepEqual(parse(input), [key(name)], name);
});

Deno.test("keys: escape sequences for arrows, Home, End, Delete in all common forms", () => {
  const cases: [string, string][] = [
    ["\x1b[A", "up"],
    ["\x1b[B", "down"],
    ["\x1b[C", "right"],
    ["\x1b[D", "left"],
    ["\x1bOA", "up"],
    ["\x1bOD", "left"],
    ["\x1b[H", "home"],
    ["\x1b[F", "end"],
    ["\x1bOH", "home"],
    ["\x1bOF", "end"],
    ["\x1b[1~", "home"],
    ["\x1b[7~", "home"],
    ["\x1b[4~", "end"],
    ["\x1b[8~", "end"],
    ["\x1b[3~", "delete"],
    ["\x1b[1;5D", "word-left"],
    ["\x1b[1;5C", "word-right"],
    ["\x1b[1;3D", "word-left"],
    ["\x1bb", "word-left"],
    ["\x1bf", "word-right"],
    ["\x1b\x7f", "delete-word-back"],
  ];
  for (const [input, name] of cases) {
    assert.deepEqual(parse(input), [key(name)], JSON.stringify(input));
  }
});

Deno.test("keys: unknown sequences are dropped whole, never typed", () => {
  assert.deepEqual(parse("a\x1b[15~b"), [text("a"), text("b")]); // F5
  assert.deepEqual(parse("\x1b[2~"), []); // Insert
  assert.deepEqual(parse("\x1b[?1;2c"), []); // a device attributes reply
});

Deno.test("keys: an escape sequence split across reads is completed", () => {
  assert.deepEqual(parse("ab\x1b", "[", "D"), [text("ab"), key("left")]);
  assert.deepEqual(parse("\x1b[1;", "5C"), [key("word-right")]);
  assert.deepEqual(parse("\x1b[3", "~x"), [key("delete"), text("x")]);
});

Deno.test("keys: a UTF-8 character split across reads is completed", () => {
  const bytes = encoder.encode("é你😀");
  const chunks = [...bytes].map((b) => new Uint8Array([b]));
  const keys = parse(...chunks);
  assert.equal(keys.map((k) => (k.kind === "text" ? k.text : "?")).join(""), "é你😀");
});

Deno.test("keys: a lone ESC waits, then becomes Escape on flush", () => {
  const parser = new KeyParser();
  assert.deepEqual(parser.push(encoder.encode("\x1b")), []);
  assert.equal(parser.pending, true);
  assert.deepEqual(parser.flush(), [key("escape")]);
  assert.equal(parser.pending, false);
});

Deno.test("keys: pasted text in one read: lines and Enters in order", () => {
  assert.deepEqual(parse("one\rtwo\r\nthree"), [
    text("one"),
    key("enter"),
    text("two"),
    key("enter"),
    text("three"),
  ]);
});

Deno.test("keys: bracketed paste becomes one paste event, even split across reads", () => {
  assert.deepEqual(parse("\x1b[200~line 1\nline 2\x1b[201~x"), [
    { kind: "paste", text: "line 1\nline 2" },
    text("x"),
  ]);
  assert.deepEqual(parse("\x1b[20", "0~ab", "c\x1b[2", "01~"), [{ kind: "paste", text: "abc" }]);
});

Deno.test("keys: C1 controls and invalid UTF-8 never become control output", () => {
  const keys = parse(new Uint8Array([0x61, 0xc2, 0x9b, 0xff, 0x62]));
  assert.deepEqual(keys, [text("a\ufffdb")]);
});
