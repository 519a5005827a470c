import assert from "node:assert/strict";
import {
  fnv1a32,
  NAME_PALETTE,
  nameColor,
  shouldUseColor,
  styles,
} from "../../../client/ui/colors.ts";

Deno.test("colors: auto colors a terminal when NO_COLOR is not set", () => {
  assert.equal(shouldUseColor({ mode: "auto", noColor: undefined, isTerminal: true }), true);
});

Deno.test("colors: auto is off when stdout is not a terminal", () => {
  assert.equal(shouldUseColor({ mode: "auto", noColor: undefined, isTerminal: false }), false);
});

Deno.test("colors: auto is off when NO_COLOR is set to anything non-empty", () => {
  assert.equal(shouldUseColor({ mode: "auto", noColor: "1", isTerminal: true }), false);
  assert.equal(shouldUseColor({ mode: "auto", noColor: "0", isTerminal: true }), false);
  // An empty NO_COLOR does not count (no-color.org).
  assert.equal(shouldUseColor({ mode: "auto", noColor: "", isTerminal: true }), true);
});

Deno.test("colors: --no-color (never) turns them off, --color always forces them", () => {
  assert.equal(shouldUseColor({ mode: "never", noColor: undefined, isTerminal: true }), false);
  assert.equal(shouldUseColor({ mode: "always", noColor: "1", isTerminal: false }), true);
});

Deno.test("colors: FNV-1a matches its reference values", () => {
  const enc = new TextEncoder();
  assert.equal(fnv1a32(enc.encode("")), 0x811c9dc5);
  assert.equal(fnv1a32(enc.encode("a")), 0xe40c292c);
  assert.equal(fnv1a32(enc.encode("foobar")), 0xbf9cf968);
});

Deno.test("colors: a name always gets the same palette color, whatever its case", () => {
  assert.ok(NAME_PALETTE.includes(nameColor("alice")));
  assert.equal(nameColor("alice"), nameColor("alice"));
  assert.equal(nameColor("Alice"), nameColor("alice"));
  assert.equal(nameColor("Jos\u00e9"), nameColor("Jose\u0301")); // NFC
  // Fixed across sessions and machines: the value is pinned.
  const enc = new TextEncoder();
  assert.equal(nameColor("bob"), NAME_PALETTE[fnv1a32(enc.encode("bob")) % NAME_PALETTE.length]);
});

Deno.test("colors: names spread over the palette", () => {
  const used = new Set<number>();
  for (let i = 0; i < 200; i++) used.add(nameColor(`user${i}`));
  assert.equal(used.size, NAME_PALETTE.length);
});

Deno.test("colors: styles add SGR codes when enabled and nothing when disabled", () => {
  const on = styles(true);
  const off = styles(false);
  assert.equal(off.name("bob", "<bob>"), "<bob>");
  assert.equal(
    off.dim("x") + off.bold("y") + off.private("z") + off.mention("m") + off.error("e"),
    "xyzme",
  );
  const nameStyles = NAME_PALETTE.map((code) => `\x1b[${code}m`);
  for (const styled of [on.private("p"), on.mention("m")]) {
    assert.ok(!nameStyles.some((s) => styled.startsWith(s)), styled);
    assert.match(styled, new RegExp("^\x1b\\[1;\\d+;4\\dm"), "a background color");
  }
  assert.notEqual(on.private("x"), on.mention("x"));
  assert.equal(on.name("bob", "<bob>"), `\x1b[${nameColor("bob")}m<bob>\x1b[0m`);
  assert.equal(on.dim("x"), "\x1b[2mx\x1b[0m");
  assert.equal(on.bold("x"), "\x1b[1mx\x1b[0m");
});
