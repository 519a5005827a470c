/**
 * Nicks: an IRC nick is a username of the room, so it follows the room's rules (the same
 * normalization, key and uniqueness), and IRC's own on top: no character that the protocol
 * gives a meaning (`!`, `@`, `,`, `*`, `?`) and no first character of a channel or a prefix.
 * @module
 */

import { checkUsername } from "../../protocol/mod.ts";

/** A nick checked: the room's name and key, or why IRC or the room refuses it. */
export type NickCheck =
  | { readonly ok: true; readonly name: string; readonly key: string }
  | { readonly ok: false; readonly reason: string };

const IRC_SPECIAL = /[!@,*?]/;
const BAD_FIRST = /^[#&$:+~%]/;

/** Checks a nick a client asked for (the 432 reply carries the reason). */
export function checkNick(nick: string): NickCheck {
  const check = checkUsername(nick);
  if (!check.ok) return { ok: false, reason: check.error.message };
  if (IRC_SPECIAL.test(check.name)) {
    return { ok: false, reason: "invalid name: a nick must not contain ! @ , * or ?" };
  }
  if (BAD_FIRST.test(check.name)) {
    return { ok: false, reason: "invalid name: a nick must not begin with # & $ : + ~ or %" };
  }
  return { ok: true, name: check.name, key: check.key };
}

/** A channel name `--irc-channel` accepts: `#` and 1 to 49 printable non-space characters. */
export function isIrcChannelName(name: string): boolean {
  return /^#[^\s,:\p{Cc}]{1,49}$/u.test(name);
}
