/**
 * Username rules, shared by client and server so that both judge a name the same way.
 * @module
 */

import { MAX_USERNAME_BYTES, ProtocolError } from "./frame.ts";
import { utf8ByteLength } from "./utf8.ts";

/**
 * Why a name was refused.
 *
 * @example
 * ```ts
 * import type { UsernameProblem } from "./mod.ts";
 * // A client may word the refusal its own way.
 * function hint(problem: UsernameProblem): string {
 *   return problem === "too-long" ? "pick a shorter name" : "pick another name";
 * }
 * ```
 */
export type UsernameProblem =
  | "empty"
  | "too-long"
  | "control-character"
  | "whitespace"
  | "leading-slash";

const PROBLEM_TEXT: Record<UsernameProblem, string> = {
  "empty": "a name must not be empty",
  "too-long": `a name must be at most ${MAX_USERNAME_BYTES} bytes of UTF-8`,
  "control-character": "a name must not contain control or invisible formatting characters",
  "whitespace": "a name must not contain whitespace",
  "leading-slash": "a name must not begin with '/'",
};

/**
 * A name broke the username rules.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkUsername, InvalidUsernameError } from "./mod.ts";
 * const check = checkUsername("/root");
 * assert.ok(!check.ok && check.error instanceof InvalidUsernameError);
 * assert.equal(check.error.problem, "leading-slash");
 * assert.equal(check.error.message, "invalid name: a name must not begin with '/'");
 * ```
 */
export class InvalidUsernameError extends ProtocolError {
  /** Which rule it broke. */
  readonly problem: UsernameProblem;
  /**
   * Made by {@link checkUsername}; code `invalid-username-<problem>`, message for people.
   *
   * @param problem Which rule the name broke.
   */
  constructor(problem: UsernameProblem) {
    super(`invalid-username-${problem}`, `invalid name: ${PROBLEM_TEXT[problem]}`);
    this.problem = problem;
  }
}

// Control characters (Cc), unpaired surrogates (Cs), every format character (Cf: bidi marks,
// overrides and isolates, tags, the invisible operators and format controls of several scripts)
// and every default-ignorable code point (zero width space, Hangul fillers, soft hyphen, ...), and
// the few visible-nothing characters outside those classes (blank braille pattern, the object
// replacement character, the Khitan filler): all let a name display as another name. The zero
// width joiner and non-joiner and the variation selectors stay allowed: emoji and several scripts
// need them (and a name that differs from another only by them has the same skeleton, which the
// server refuses as taken).
const FORBIDDEN =
  /[[\p{Cc}\p{Cs}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800\ufffc\u{16fe4}]--[\u200c\u200d\p{Variation_Selector}]]/v;
const WHITESPACE = /[\s\p{Z}]/u;

/**
 * The result of checking a name: the normalized name, or why it is refused.
 *
 * @example
 * ```ts
 * import { checkUsername, type UsernameCheck } from "./mod.ts";
 * const check: UsernameCheck = checkUsername("al");
 * if (check.ok) console.log(`welcome, ${check.name}`);
 * else console.error(check.error.message);
 * ```
 */
export type UsernameCheck =
  | { ok: true; name: string; key: string }
  | { ok: false; error: InvalidUsernameError };

/**
 * Normalizes a name to NFC and checks it against the rules: 1 to 32 bytes of UTF-8, no control,
 * format (Cf) or default-ignorable characters (the zero width joiner and non-joiner and the
 * variation selectors excepted) nor blank ones, no whitespace, no leading `/`. Returns the
 * normalized name and its uniqueness key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkUsername } from "./mod.ts";
 * // "Jose" + U+0301 (combining acute accent) is normalized to "José" with U+00E9.
 * const check = checkUsername("Jose\u0301");
 * assert.ok(check.ok);
 * assert.equal(check.name, "Jos\u00e9");
 * assert.equal(check.key, "jos\u00e9");
 * const refused = checkUsername("al ice");
 * assert.ok(!refused.ok);
 * assert.equal(refused.error.problem, "whitespace");
 * ```
 */
export function checkUsername(raw: string): UsernameCheck {
  const name = raw.normalize("NFC");
  const fail = (problem: UsernameProblem): UsernameCheck => ({
    ok: false,
    error: new InvalidUsernameError(problem),
  });
  if (name.length === 0) return fail("empty");
  if (utf8ByteLength(name) > MAX_USERNAME_BYTES) return fail("too-long");
  if (FORBIDDEN.test(name)) return fail("control-character");
  if (WHITESPACE.test(name)) return fail("whitespace");
  if (name.startsWith("/")) return fail("leading-slash");
  return { ok: true, name, key: usernameKey(name) };
}

/**
 * The key under which a name is unique: NFKC (so `ｏｂｓ０`, `𝐨𝐛𝐬𝟎` and `obs0`, or `ﬁle` and `file`,
 * are one name), then full case folding, computed as upper case then lower case (`Straße` and
 * `STRASSE`, `ς` and `σ`), then NFKC again, and a combining dot above dropped after a letter that
 * already has a dot (`İstanbul`, which lower-cases to `i̇stanbul`, and `istanbul`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { usernameKey } from "./mod.ts";
 * assert.equal(usernameKey("Alice"), usernameKey("alice"));
 * assert.equal(usernameKey("Jose\u0301"), usernameKey("jos\u00e9"));
 * assert.equal(usernameKey("\ufb01le"), "file");
 * assert.equal(usernameKey("\u0130stanbul"), "istanbul");
 * ```
 */
export function usernameKey(name: string): string {
  return name.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC").replace(
    REDUNDANT_DOT,
    "$1",
  );
}

/** A combining dot above (U+0307) right after a soft-dotted letter such as i or j. */
const REDUNDANT_DOT = /(\p{Soft_Dotted})\u0307/gu;
