import assert from "node:assert/strict";
import { clusterWidth, graphemes, isWide, stringWidth } from "../../../client/ui/width.ts";

Deno.test("width: ASCII is one column a character", () => {
  assert.equal(stringWidth(""), 0);
  assert.equal(stringWidth("hello, world"), 12);
});

Deno.test("width: Latin, Greek, Cyrillic letters are one column", () => {
  assert.equal(stringWidth("héllo"), 5);
  assert.equal(stringWidth("αβγ"), 3);
  assert.equal(stringWidth("привет"), 6);
});

Deno.test("width: combining marks add no width and stay in their cluster", () => {
  const decomposed = "e\u0301"; // e + combining acute
  assert.equal(stringWidth(decomposed), 1);
  assert.deepEqual(graphemes(`a${decomposed}b`), ["a", decomposed, "b"]);
  assert.equal(stringWidth("Z\u0351\u036b\u0343\u036a\u0302"), 1); // stacked marks
  assert.equal(clusterWidth("\u0301"), 0); // a lone combining mark
  assert.equal(clusterWidth("\u20dd"), 0); // a lone enclosing mark (Me)
});

Deno.test("width: zero-width characters and variation selectors are zero columns", () => {
  assert.equal(stringWidth("\u200b"), 0); // zero-width space
  assert.equal(stringWidth("\u200d"), 0); // zero-width joiner
  assert.equal(stringWidth("\u2060"), 0); // word joiner
  assert.equal(stringWidth("\ufeff"), 0); // BOM / zero-width no-break space
  assert.equal(stringWidth("\ufe0e"), 0); // VS15 alone
  assert.equal(stringWidth("a\u200bb"), 2);
});

Deno.test("width: CJK, kana, Hangul and fullwidth forms are two columns", () => {
  assert.equal(stringWidth("你好"), 4);
  assert.equal(stringWidth("こんにちは"), 10);
  assert.equal(stringWidth("カタカナ"), 8);
  assert.equal(stringWidth("한국어"), 6);
  assert.equal(stringWidth("ＡＢＣ"), 6); // fullwidth Latin
  assert.equal(stringWidth("\u3000"), 2); // ideographic space
  assert.equal(stringWidth("𠀋"), 2); // CJK extension B (astral)
  assert.equal(stringWidth("ｱ"), 1); // halfwidth katakana stays narrow
});

Deno.test("width: decomposed Hangul jamo form one wide cluster", () => {
  const jamo = "\u1112\u1161\u11ab"; // ᄒ + ᅡ + ᆫ = 한
  assert.equal(graphemes(jamo).length, 1);
  assert.equal(stringWidth(jamo), 2);
});

Deno.test("width: emoji are two columns, ZWJ sequences and flags count as one cluster", () => {
  assert.equal(stringWidth("😀"), 2);
  assert.equal(stringWidth("👍🏽"), 2); // skin tone modifier
  const family = "👩\u200d👩\u200d👧\u200d👦";
  assert.equal(graphemes(family).length, 1);
  assert.equal(stringWidth(family), 2);
  assert.equal(stringWidth("🏳️‍🌈"), 2); // rainbow flag: VS16 + ZWJ
  assert.equal(stringWidth("🇫🇷"), 2); // regional indicator pair
  assert.equal(graphemes("🇫🇷🇩🇪").length, 2);
  assert.equal(stringWidth("🇫🇷🇩🇪"), 4);
  assert.equal(stringWidth("1\ufe0f\u20e3"), 2); // keycap
  assert.equal(stringWidth("a😀b"), 4);
});

Deno.test("width: text-style symbols are one column unless VS16 asks for the emoji", () => {
  assert.equal(stringWidth("\u263a"), 1); // ☺ text presentation by default
  assert.equal(stringWidth("\u263a\ufe0f"), 2); // ☺️ emoji presentation
  assert.equal(stringWidth("\u2764\ufe0f"), 2); // ❤️
  assert.equal(stringWidth("©"), 1);
  assert.equal(stringWidth("✓"), 1);
});

Deno.test("width: the range table answers at its edges", () => {
  assert.equal(isWide(0x10ff), false);
  assert.equal(isWide(0x1100), true);
  assert.equal(isWide(0x115f), true);
  assert.equal(isWide(0x1160), false);
  assert.equal(isWide(0x4e00), true);
  assert.equal(isWide(0x3fffd), true);
  assert.equal(isWide(0x40000), false);
  assert.equal(isWide(0x41), false);
});

Deno.test("width: graphemes splits mixed text for cursor movement", () => {
  assert.deepEqual(graphemes("a你😀e\u0301🇫🇷"), ["a", "你", "😀", "e\u0301", "🇫🇷"]);
  assert.deepEqual(graphemes(""), []);
});
