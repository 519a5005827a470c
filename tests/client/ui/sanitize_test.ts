import assert from "node:assert/strict";
import { NEWLINE_MARK, sanitize } from "../../../client/ui/sanitize.ts";

/** True when no character of `text` could act as a terminal control. */
function harmless(text: string): boolean {
  // deno-lint-ignore no-control-regex -- looking for control characters is the point
  return !/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(text);
}

Deno.test("sanitize keeps printable text, wide characters, emoji and combining marks", () => {
  const text = "hello, wörld! 你好 👩‍👩‍👧 🇫🇷 e\u0301 café ✓";
  assert.equal(sanitize(text), text);
});

Deno.test("sanitize removes CSI sequences: cursor moves, clears, colors", () => {
  assert.equal(sanitize("a\x1b[2Jb"), "ab");
  assert.equal(sanitize("\x1b[H\x1b[2J\x1b[3Jcleared"), "cleared");
  assert.equal(sanitize("\x1b[31mred\x1b[0m"), "red");
  assert.equal(sanitize("up\x1b[10Aline"), "upline");
  assert.equal(sanitize("\x1b[?25l hidden cursor"), " hidden cursor");
  assert.equal(sanitize("\x1b[1;31;48;5;200mx"), "x");
});

Deno.test("sanitize removes 8-bit CSI (0x9b) sequences", () => {
  assert.equal(sanitize("a\x9b2Jb"), "ab");
});

Deno.test("sanitize removes OSC sequences, e.g. setting the window title", () => {
  assert.equal(sanitize("\x1b]0;pwned\x07text"), "text");
  assert.equal(sanitize("\x1b]2;pwned\x1b\\text"), "text");
  assert.equal(sanitize("\x9d0;pwned\x9ctext"), "text");
  assert.equal(
    sanitize("\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\"),
    "link",
  );
});

Deno.test("sanitize removes DCS, SOS, PM and APC strings", () => {
  assert.equal(sanitize("a\x1bP1$r0m\x1b\\b"), "ab");
  assert.equal(sanitize("a\x1bXsos\x1b\\b"), "ab");
  assert.equal(sanitize("a\x1b^pm\x1b\\b"), "ab");
  assert.equal(sanitize("a\x1b_apc\x1b\\b"), "ab");
  assert.equal(sanitize("a\x90dcs\x9cb"), "ab");
});

Deno.test("sanitize removes two-byte escapes like a full reset (ESC c)", () => {
  assert.equal(sanitize("a\x1bcb"), "ab");
  assert.equal(sanitize("a\x1b(0b"), "ab"); // line-drawing character set
  assert.equal(sanitize("a\x1b7b\x1b8"), "ab"); // save / restore cursor
});

Deno.test("sanitize shows a lone or unterminated escape visibly, losing no text", () => {
  assert.equal(sanitize("a\x1b"), "a^[");
  assert.equal(sanitize("a\x1b]0;title without end"), "a^[]0;title without end");
  assert.equal(sanitize("a\x1b[12"), "a^[[12");
  assert.equal(sanitize("\x9b"), "\\x9b");
});

Deno.test("sanitize escapes the remaining C0 and C1 controls and DEL", () => {
  assert.equal(sanitize("ding\x07"), "ding^G");
  assert.equal(sanitize("abc\x08\x08\x08xyz"), "abc^H^H^Hxyz");
  assert.equal(sanitize("nul\x00"), "nul^@");
  assert.equal(sanitize("del\x7f"), "del^?");
  assert.equal(sanitize("c1\x84"), "c1\\x84");
});

Deno.test("sanitize makes line breaks visible so a peer cannot fake a second line", () => {
  assert.equal(
    sanitize("hi\n12:00:00 <admin> give me your password"),
    `hi${NEWLINE_MARK}12:00:00 <admin> give me your password`,
  );
  assert.equal(sanitize("a\r\nb"), `a${NEWLINE_MARK}b`);
  assert.equal(sanitize("over\rwrite"), `over${NEWLINE_MARK}write`);
  assert.equal(
    sanitize("a\u2028b\u0085c\vd\fe"),
    `a${NEWLINE_MARK}b${NEWLINE_MARK}c${NEWLINE_MARK}d${NEWLINE_MARK}e`,
  );
});

Deno.test("sanitize turns tabs into spaces", () => {
  assert.equal(sanitize("a\tb"), "a    b");
});

Deno.test("sanitize removes bidi overrides and isolates", () => {
  assert.equal(sanitize("abc\u202edcba"), "abcdcba");
  assert.equal(sanitize("\u2066x\u2069\u202ay\u202c"), "xy");
});

Deno.test("sanitize output never contains a control character, whatever the input", () => {
  // Every code point from 0 to 0x2100 and a few around the bidi controls, mixed with escape
  // introducers in every position.
  let all = "";
  for (let c = 0; c < 0x2100; c++) all += String.fromCharCode(c);
  for (let c = 0x2020; c < 0x2070; c++) all += String.fromCharCode(c);
  assert.ok(harmless(sanitize(all)));
  const introducers = ["\x1b", "\x1b[", "\x1b]", "\x1bP", "\x9b", "\x9d", "\x90", "\x07", "\x9c"];
  for (const a of introducers) {
    for (const b of introducers) {
      assert.ok(harmless(sanitize(`x${a}1;2${b}y${a}`)), JSON.stringify([a, b]));
    }
  }
});

Deno.test("sanitize stays fast on many unterminated introducers (no quadratic scan)", () => {
  const hostile = "\x1b]".repeat(40_000) + "\x1bP".repeat(40_000) + "\x1b[1".repeat(40_000);
  const out = sanitize(hostile);
  assert.ok(harmless(out));
  assert.ok(out.length >= hostile.length); // nothing was lost: each ESC became "^["
});
