/**
 * Display width of text in a terminal, in columns. The line editor needs it to keep the cursor
 * where the user sees it: a CJK character or an emoji takes two columns, a combining accent
 * none. Text is split into grapheme clusters (what a user sees as one character) with
 * `Intl.Segmenter`; each cluster is 0, 1 or 2 columns wide.
 * @module
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Splits text into grapheme clusters: the units the cursor moves over and deletes. */
export function graphemes(text: string): string[] {
  const out: string[] = [];
  for (const { segment } of segmenter.segment(text)) out.push(segment);
  return out;
}

/** Columns taken by `text` on a terminal: the sum of its clusters' widths. */
export function stringWidth(text: string): number {
  // Fast path: printable ASCII is one column a character.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let width = 0;
  for (const { segment } of segmenter.segment(text)) width += clusterWidth(segment);
  return width;
}

// Zero columns: combining marks, enclosing marks, format characters (ZWJ, ZWNJ, zero-width
// space, word joiner, BOM, soft hyphen is Cf too), variation selectors, Hangul medial/final
// jamo, and controls (which the sanitizer has already made visible).
const ZERO_WIDTH =
  /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}\u200b\ufe00-\ufe0f\u{e0100}-\u{e01ef}\u1160-\u11ff\ud7b0-\ud7ff]$/u;

// Emoji shown as pictures take two columns: characters that are pictures by default, and
// text-default pictographs followed by VS16 (U+FE0F) or joined with ZWJ; flags (a pair of
// regional indicators) and keycaps (digit, VS16, U+20E3) too.
const EMOJI_PRESENTATION = /\p{Emoji_Presentation}/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
const REGIONAL_INDICATOR = /\p{Regional_Indicator}/u;

/**
 * Columns taken by one grapheme cluster: 2 for an emoji shown as a picture (incl. ZWJ
 * sequences, flags, keycaps, skin tones) and for East Asian Wide and Fullwidth characters (CJK,
 * Hangul, kana, fullwidth forms); 0 for a cluster made only of zero-width characters (a lone
 * combining mark, ZWJ, zero-width space, a variation selector); 1 otherwise. The width of a
 * cluster is that of its first visible code point: marks that follow it add nothing.
 */
export function clusterWidth(cluster: string): number {
  if (cluster.length === 1) {
    const code = cluster.charCodeAt(0);
    if (code >= 0x20 && code < 0x7f) return 1;
  }
  if (isEmojiCluster(cluster)) return 2;
  for (const char of cluster) {
    if (ZERO_WIDTH.test(char)) continue;
    return isWide(char.codePointAt(0) ?? 0) ? 2 : 1;
  }
  return 0;
}

/** Whether a cluster is drawn as an emoji picture, two columns wide. */
function isEmojiCluster(cluster: string): boolean {
  if (EMOJI_PRESENTATION.test(cluster)) return true;
  if (REGIONAL_INDICATOR.test(cluster)) return true;
  if (cluster.includes("\u20e3")) return cluster.includes("\ufe0f"); // keycap: 1️⃣
  if (!PICTOGRAPHIC.test(cluster)) return false;
  return cluster.includes("\ufe0f") || cluster.includes("\u200d");
}

// East Asian Wide (W) and Fullwidth (F) ranges (Unicode 15.1, EastAsianWidth.txt), without the
// emoji that are handled by Emoji_Presentation above. Sorted, inclusive.
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], // Hangul Jamo initial consonants
  [0x231a, 0x231b],
  [0x2329, 0x232a], // angle brackets
  [0x2e80, 0x2e99],
  [0x2e9b, 0x2ef3],
  [0x2f00, 0x2fd5], // CJK radicals, Kangxi radicals
  [0x2ff0, 0x303e], // ideographic description, CJK symbols and punctuation, ideographic space
  [0x3041, 0x3096], // Hiragana
  [0x3099, 0x30ff], // Katakana
  [0x3105, 0x312f], // Bopomofo
  [0x3131, 0x318e], // Hangul compatibility jamo
  [0x3190, 0x31e3],
  [0x31ef, 0x321e],
  [0x3220, 0x3247],
  [0x3250, 0x4dbf], // enclosed CJK, CJK compatibility, CJK extension A
  [0x4e00, 0xa48c], // CJK unified ideographs, Yi
  [0xa490, 0xa4c6],
  [0xa960, 0xa97c], // Hangul Jamo extended A
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe10, 0xfe19], // vertical forms
  [0xfe30, 0xfe52],
  [0xfe54, 0xfe66],
  [0xfe68, 0xfe6b],
  [0xff01, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x16ff0, 0x16ff1],
  [0x17000, 0x187f7], // Tangut
  [0x18800, 0x18cd5],
  [0x18d00, 0x18d08],
  [0x1aff0, 0x1b2fb], // Kana supplement and extensions, Nushu
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f202],
  [0x1f210, 0x1f23b],
  [0x1f240, 0x1f248],
  [0x1f250, 0x1f251],
  [0x1f260, 0x1f265],
  [0x20000, 0x2fffd], // CJK extensions B-F
  [0x30000, 0x3fffd], // CJK extensions G-
];

/** True for East Asian Wide or Fullwidth code points (binary search in the range table). */
export function isWide(code: number): boolean {
  let lo = 0;
  let hi = WIDE_RANGES.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [start, end] = WIDE_RANGES[mid];
    if (code < start) hi = mid - 1;
    else if (code > end) lo = mid + 1;
    else return true;
  }
  return false;
}
