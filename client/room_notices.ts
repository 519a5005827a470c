/**
 * The notices the client reads for meaning rather than only showing them: history lines (the one
 * notice form the protocol lets clients parse), `/me` actions, and the mention of one's own name.
 * Everything else a server says stays an opaque notice.
 *
 * - history: `[history 2026-12-03T12:03:11.250Z] <alice> text` (a message) or
 *   `[history 2026-12-03T12:03:11.250Z] * alice waves` (an action), the time in UTC;
 * - action: `* alice waves`, sent live to everyone, the sender included.
 * @module
 */

import { usernameKey } from "../protocol/mod.ts";

/** What a notice means to the client, when it is one of the parsed forms. */
export type RoomNotice =
  /** A line from the room's history, with the time the server received it. */
  | { kind: "history"; time: Date; from: string; text: string; action: boolean }
  /** A live `/me` action. */
  | { kind: "action"; from: string; text: string };

const HISTORY =
  /^\[history (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z)\] (?:<([^\s<>]+)> |\* (\S+)(?: |$))/;
const ACTION = /^\* (\S+)(?: (.*))?$/s;

/** Reads a notice's text; undefined for every notice that is not a history line or an action. */
export function parseRoomNotice(text: string): RoomNotice | undefined {
  const history = HISTORY.exec(text);
  if (history !== null) {
    const time = new Date(history[1]);
    if (Number.isNaN(time.getTime())) return undefined;
    const rest = text.slice(history[0].length);
    if (history[2] !== undefined) {
      return { kind: "history", time, from: history[2], text: rest, action: false };
    }
    return { kind: "history", time, from: history[3], text: rest, action: true };
  }
  const action = ACTION.exec(text);
  if (action !== null) return { kind: "action", from: action[1], text: action[2] ?? "" };
  return undefined;
}

/** Letters, digits, marks and `_`: what may not touch a name for it to be a whole word. */
const WORD_CHAR = /[\p{L}\p{N}\p{M}_]/u;

/**
 * True when `text` names `name` as a whole word, without regard to case (as the server compares
 * names): `Alice, look` and `@alice!` mention alice; `malice` and `alice2` do not.
 */
export function mentions(text: string, name: string): boolean {
  if (name.length === 0) return false;
  const haystack = usernameKey(text);
  const needle = usernameKey(name);
  let from = 0;
  while (true) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return false;
    const before = haystack.slice(0, at).match(/.$/su)?.[0];
    const after = haystack.slice(at + needle.length).match(/^./su)?.[0];
    const isWord = (char: string | undefined) => char !== undefined && WORD_CHAR.test(char);
    if (!isWord(before) && !isWord(after)) return true;
    from = at + 1;
  }
}
