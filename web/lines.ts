/**
 * What the page makes of each frame: a chat line, an action, a history line with its own time,
 * a notice, an error. Pure, so it is tested without a browser.
 * @module
 */

import { type Frame, HISTORY_END_NOTICE, parseHistoryLine } from "../protocol/mod.ts";

/** One line of the message list. */
export type Line =
  | { kind: "chat"; time: Date; from: string; text: string; history: boolean; own: boolean }
  | { kind: "action"; time: Date; from: string; text: string; history: boolean; own: boolean }
  | { kind: "private"; time: Date; from: string; text: string }
  | { kind: "notice"; time: Date; text: string; history: boolean }
  | { kind: "error"; time: Date; text: string };

const ACTION = /^\* (\S+) (.*)$/s;
const PRIVATE = /^\[private\] (\S+): (.*)$/s;

/** The line a received frame shows as; `me` is this user's name (for its own actions). */
export function lineOf(frame: Frame, now: Date, me: string): Line {
  if (frame.username !== "") {
    return {
      kind: "chat",
      time: now,
      from: frame.username,
      text: frame.message,
      history: false,
      own: false,
    };
  }
  const text = frame.message;
  const history = parseHistoryLine(text);
  if (history !== null) {
    return {
      kind: history.action ? "action" : "chat",
      time: new Date(history.time),
      from: history.from,
      text: history.text,
      history: true,
      own: sameName(history.from, me),
    };
  }
  // The notices around a replay or a /history answer: dimmed with it.
  if (text.startsWith("History: ") || text === HISTORY_END_NOTICE) {
    return { kind: "notice", time: now, text, history: true };
  }
  const action = ACTION.exec(text);
  if (action !== null) {
    return {
      kind: "action",
      time: now,
      from: action[1],
      text: action[2],
      history: false,
      own: sameName(action[1], me),
    };
  }
  const whisper = PRIVATE.exec(text);
  if (whisper !== null) return { kind: "private", time: now, from: whisper[1], text: whisper[2] };
  if (text.startsWith("error: ")) return { kind: "error", time: now, text };
  return { kind: "notice", time: now, text, history: false };
}

/** Names compare as the server compares them: NFC, lower case. */
export function sameName(a: string, b: string): boolean {
  return a.normalize("NFC").toLowerCase() === b.normalize("NFC").toLowerCase();
}

/**
 * True when `text` names `me` as a whole word, whatever the case (`@alice`, `alice:` count;
 * `malice` does not).
 */
export function mentions(text: string, me: string): boolean {
  if (me === "") return false;
  const name = me.normalize("NFC").toLowerCase();
  const haystack = text.normalize("NFC").toLowerCase();
  let at = haystack.indexOf(name);
  while (at !== -1) {
    const before = haystack.slice(0, at);
    const after = haystack.slice(at + name.length);
    if (!/[\p{L}\p{N}_]$/u.test(before) && !/^[\p{L}\p{N}_]/u.test(after)) return true;
    at = haystack.indexOf(name, at + 1);
  }
  return false;
}

/**
 * How a notice changes the number of people online, as far as its text tells: the welcome and
 * `/users` give the number, joins and leaves (one or several at once) move it. Notices are for people, so this is a
 * best guess that the next `Online (N)` corrects.
 */
export function onlineChange(text: string): { set: number } | { add: number } | null {
  const online = /(?:^|! )Online \((\d+)\)/.exec(text);
  if (online !== null) return { set: Number(online[1]) };
  const joined = JOINED.exec(text);
  if (joined !== null) return { add: namedCount(joined[1]) };
  const left = LEFT.exec(text);
  if (left !== null) return { add: -namedCount(left[1]) };
  return null;
}

// `alice joined`, `alice and bob joined`, `a, b, c and 47 others joined`; leaves alike, with a
// reason in parentheses when one is given (a gathered leave may have none).
const JOINED = /^(\S+(?:, \S+)*(?: and (?:\d+ others|\S+))?) joined$/;
const LEFT = /^(\S+(?:, \S+)*(?: and (?:\d+ others|\S+))?) left(?: \(.*\))?$/s;

/** How many people `alice`, `alice and bob` or `a, b, c and 47 others` names or counts. */
function namedCount(phrase: string): number {
  const listed = phrase.split(", ").length;
  const others = / and (\d+) others$/.exec(phrase);
  if (others !== null) return listed + Number(others[1]);
  return phrase.includes(" and ") ? listed + 1 : listed;
}
