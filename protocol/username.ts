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

// Control characters (Cc), unpaired surrogates (Cs), the bidirectional marks, embeddings,
// overrides and isolates, and the characters that draw nothing (zero width space, word joiner,
// soft hyphen, Hangul fillers, BOM, ...): all let a name display as another name. The zero width
// joiner and non-joiner and the variation selectors stay allowed: emoji and several scripts need
// them.
const FORBIDDEN =
  /[\p{Cc}\p{Cs}\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]/u;
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
 * Normalizes a name to NFC and checks it against the rules: 1 to 32 bytes of UTF-8, no control
 * characters (nor bidi marks, overrides or isolates), no whitespace, no leading `/`. Returns the
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
 * The key under which a name is unique: NFC, then lower case, so `Alice` and `alice` (and the
 * composed and decomposed forms of `José`) cannot both be online.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { usernameKey } from "./mod.ts";
 * assert.equal(usernameKey("Alice"), usernameKey("alice"));
 * assert.equal(usernameKey("Jose\u0301"), usernameKey("jos\u00e9"));
 * ```
 */
export function usernameKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}
