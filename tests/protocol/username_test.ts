/**
 * Username rules and the uniqueness key: every problem, NFC, case-insensitivity, the 32-byte
 * edge measured after normalization, and the bidi characters the implementation also refuses.
 */

import assert from "node:assert/strict";
import {
  checkUsername,
  InvalidUsernameError,
  ProtocolError,
  usernameKey,
  type UsernameProblem,
} from "../../protocol/mod.ts";

function problemOf(raw: string): UsernameProblem | "ok" {
  const result = checkUsername(raw);
  return result.ok ? "ok" : result.error.problem;
}

Deno.test("username: ordinary names pass, normalized, with their key", () => {
  assert.deepEqual(checkUsername("alice"), { ok: true, name: "alice", key: "alice" });
  assert.deepEqual(checkUsername("Bob_42"), { ok: true, name: "Bob_42", key: "bob_42" });
  for (const name of ["a", "名前", "Ωμέγα", "👋", "a/b", "o'neil", "x-y.z", "🇫🇷", "👩‍👩‍👧"]) {
    assert.equal(problemOf(name), "ok", name);
  }
});

Deno.test("username: composed and decomposed forms are the same name and key", () => {
  const composed = "Jos\u00e9";
  const decomposed = "Jose\u0301";
  assert.notEqual(composed, decomposed);
  const a = checkUsername(composed);
  const b = checkUsername(decomposed);
  assert.ok(a.ok && b.ok);
  assert.equal(b.name, composed, "the decomposed name is stored in NFC");
  assert.equal(a.key, b.key);
  assert.equal(usernameKey(composed), usernameKey(decomposed));
  assert.equal(usernameKey("JOSE\u0301"), usernameKey("jos\u00e9"));
});

Deno.test("username: the key is case-insensitive", () => {
  assert.equal(usernameKey("Alice"), usernameKey("alice"));
  assert.equal(usernameKey("ALICE"), "alice");
  assert.equal(usernameKey("ÉLODIE"), usernameKey("élodie"));
  assert.equal(usernameKey("ΣΊΣΥΦΟΣ"), usernameKey("Σίσυφος"));
  // Full case folding, not just lower case: final sigma is sigma, "ß" is "ss".
  assert.equal(usernameKey("ΣΊΣΥΦΟΣ"), usernameKey("σίσυφοσ"));
  assert.equal(usernameKey("STRASSE"), usernameKey("straße"));
  assert.notEqual(usernameKey("alice"), usernameKey("alicia"));
});

Deno.test("username: empty is refused", () => {
  assert.equal(problemOf(""), "empty");
});

Deno.test("username: at most 32 bytes of UTF-8, counted after NFC", () => {
  assert.equal(problemOf("a".repeat(32)), "ok");
  assert.equal(problemOf("a".repeat(33)), "too-long");
  assert.equal(problemOf("é".repeat(16)), "ok", "16 two-byte characters = 32 bytes");
  assert.equal(problemOf("é".repeat(16) + "a"), "too-long");
  assert.equal(problemOf("👋".repeat(8)), "ok", "8 four-byte characters = 32 bytes");
  assert.equal(problemOf("世".repeat(11)), "too-long", "33 bytes in 11 characters");
  // 16 decomposed é are 48 bytes as sent but 32 after NFC: the rule measures the NFC form.
  assert.equal(problemOf("e\u0301".repeat(16)), "ok");
});

Deno.test("username: control characters are refused", () => {
  for (const c of ["\0", "\x01", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\x9f"]) {
    assert.equal(problemOf(`a${c}b`), "control-character", JSON.stringify(c));
  }
  assert.equal(problemOf("\x1b[31mred"), "control-character", "terminal escapes");
  assert.equal(problemOf("a\ud800"), "control-character", "a lone surrogate");
});

/** Each character, put inside an otherwise valid name, makes it refused as a control character. */
function assertRefusedInside(characters: readonly string[]): void {
  for (const c of characters) {
    const code = c.codePointAt(0)?.toString(16);
    assert.equal(problemOf(`ali${c}ce`), "control-character", `U+${code}`);
  }
}

Deno.test("username: bidi marks, embeddings, overrides and isolates are refused", () => {
  const bidi = [
    "\u061c",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
  ];
  assertRefusedInside(bidi);
});

Deno.test("username: characters that draw nothing are refused, joiners for emoji are not", () => {
  const invisible = [
    "\u00ad",
    "\u034f",
    "\u115f",
    "\u1160",
    "\u17b4",
    "\u180e",
    "\u200b",
    "\u2060",
    "\u2064",
    "\u206f",
    "\u3164",
    "\ufeff",
    "\uffa0",
    "\ufffb",
  ];
  assertRefusedInside(invisible);
  const family = "\u{1f468}\u200d\u{1f469}\u200d\u{1f467}";
  assert.equal(checkUsername(`fam${family}`).ok, true, "ZWJ emoji sequence");
  assert.equal(checkUsername("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645").ok, true, "ZWNJ");
  assert.equal(checkUsername("heart\u2764\ufe0f").ok, true, "variation selector");
});

Deno.test("username: whitespace of any kind is refused", () => {
  for (const c of [" ", "\u00a0", "\u1680", "\u2003", "\u2028", "\u2029", "\u202f", "\u3000"]) {
    assert.equal(problemOf(`a${c}b`), "whitespace", JSON.stringify(c));
  }
  assert.equal(problemOf(" alice"), "whitespace");
  assert.equal(problemOf("alice "), "whitespace");
});

Deno.test("username: a leading slash is refused, a slash elsewhere is fine", () => {
  assert.equal(problemOf("/alice"), "leading-slash");
  assert.equal(problemOf("/"), "leading-slash");
  assert.equal(problemOf("//"), "leading-slash");
  assert.equal(problemOf("al/ice"), "ok");
  assert.equal(problemOf("alice/"), "ok");
});

Deno.test("username: the error is a typed ProtocolError naming the rule", () => {
  const result = checkUsername("/x");
  assert.ok(!result.ok);
  const error = result.error;
  assert.ok(error instanceof InvalidUsernameError);
  assert.ok(error instanceof ProtocolError);
  assert.equal(error.problem, "leading-slash");
  assert.equal(error.code, "invalid-username-leading-slash");
  assert.equal(error.name, "InvalidUsernameError");
  assert.equal(error.message, "invalid name: a name must not begin with '/'");
  const problems: UsernameProblem[] = [
    "empty",
    "too-long",
    "control-character",
    "whitespace",
    "leading-slash",
  ];
  for (const problem of problems) {
    assert.match(new InvalidUsernameError(problem).message, /^invalid name: a name must /);
  }
});
