/**
 * Every line the server says to users, in one place, so the texts other code and tests wait for
 * cannot drift apart.
 * @module
 */

/** How many names the welcome notice lists before pointing at /users. */
export const WELCOME_NAME_LIMIT = 100;

/** Why a member left, as shown in leave notices and on the console. */
export const LeaveReason = {
  quit: "quit",
  closed: "closed",
  reset: "connection reset",
  timedOut: "timed out",
  tooSlow: "too slow to read",
  shutdown: "server shutting down",
} as const;

/** The leave reason for a member kicked for breaking the protocol. */
export function protocolErrorReason(detail: string): string {
  return `protocol error: ${detail}`;
}

/** `Online (N): a, b, c`: the /users reply and the console's periodic line. */
export function onlineList(total: number, names: readonly string[]): string {
  return names.length === 0 ? `Online (${total}):` : `Online (${total}): ${names.join(", ")}`;
}

/**
 * The newcomer's welcome. `firstNames` are the first names in display order; when the room
 * holds more, the rest are counted instead of listed.
 */
export function welcomeNotice(name: string, total: number, firstNames: readonly string[]): string {
  const more = total - firstNames.length;
  const tail = more > 0 ? ` and ${more} more (type /users)` : "";
  return `Welcome, ${name}! ${onlineList(total, firstNames)}${tail}`;
}

/** How many names a join or leave notice for several users lists before it counts the rest. */
export const JOIN_NAME_LIMIT = 3;

/**
 * `alice`, `alice and bob`, `alice, bob, carol and dave`, and past four names
 * `alice, bob, carol and 47 others` (so "others" is always plural). `total` is how many there
 * are when `names` holds only the first of them (at least five, or all).
 */
function namesPhrase(names: readonly string[], total: number): string {
  if (total > JOIN_NAME_LIMIT + 1) {
    return `${names.slice(0, JOIN_NAME_LIMIT).join(", ")} and ${total - JOIN_NAME_LIMIT} others`;
  }
  const last = total - 1;
  if (last <= 0) return names[0] ?? "";
  return `${names.slice(0, last).join(", ")} and ${names[last]}`;
}

/** How many users a {@link namesPhrase} names or counts. */
function namedCount(phrase: string): number {
  const listed = phrase.split(", ").length;
  const others = / and (\d+) others$/.exec(phrase);
  if (others !== null) return listed + Number(others[1]);
  return / and \S+$/.test(phrase) ? listed + 1 : listed;
}

/**
 * Told to everyone else when someone logs in: `alice joined`. Joins of a busy moment are told
 * together: `alice and bob joined`, `alice, bob, carol and dave joined`, and past four names
 * `alice, bob, carol and 47 others joined`. `total` is how many joined when `names` holds only
 * the first of them (at least five, or all).
 */
export function joinNotice(names: string | readonly string[], total?: number): string {
  const first = typeof names === "string" ? [names] : names;
  return `${namesPhrase(first, total ?? first.length)} joined`;
}

/**
 * How many users a join notice names or counts: the inverse of {@link joinNotice}, for the
 * benchmark and tests that check every join was announced (clients should not parse notices).
 * Zero for any other text.
 */
export function joinedCount(text: string): number {
  return text.endsWith(" joined") ? namedCount(text.slice(0, -" joined".length)) : 0;
}

/**
 * Told to everyone who remains when someone leaves: `alice left (quit)`. Leaves of a busy
 * moment are told together, worded as gathered joins are: `alice and bob left (closed)`,
 * `alice, bob, carol and 47 others left`. A gathered notice keeps the reason when every leave
 * in it had the same one and drops it otherwise (`reason` null).
 */
export function leaveNotice(names: string | readonly string[], reason: string | null): string {
  const first = typeof names === "string" ? [names] : names;
  const phrase = namesPhrase(first, first.length);
  return reason === null ? `${phrase} left` : `${phrase} left (${reason})`;
}

const LEFT = /^(\S+(?:, \S+)*(?: and (?:\d+ others|\S+))?) left(?: \(.*\))?$/s;

/**
 * How many users a leave notice names or counts: the inverse of {@link leaveNotice}, for tests
 * that check every leave was announced. Zero for any other text.
 */
export function leftCount(text: string): number {
  const match = LEFT.exec(text);
  return match === null ? 0 : namedCount(match[1]);
}

/** The start of the leave reason of a member kicked by an operator. */
export const KICKED_BY = "kicked by ";
/** The start of the leave reason of a member disconnected by a ban. */
export const BANNED_BY = "banned by ";

/**
 * True for a leave everyone must see on its own (a kick or a ban): such leaves are never
 * gathered into a notice for several users, where their reason could be dropped.
 */
export function isModerationLeave(reason: string): boolean {
  return reason.startsWith(KICKED_BY) || reason.startsWith(BANNED_BY);
}

/** A private message, delivered as a notice so it cannot be mistaken for room chat. */
export function privateNotice(from: string, text: string): string {
  return `[private] ${from}: ${text}`;
}

/** An action (`/me waves`), told to everyone: `* alice waves`. */
export function actionNotice(from: string, text: string): string {
  return `* ${from} ${text}`;
}

/** Every error notice starts with `error: `, so clients can style and tests can match it. */
export function errorNotice(text: string): string {
  return `error: ${text}`;
}

/** Login refused: someone with the same name (case-insensitively) is online. */
export function nameTakenNotice(name: string): string {
  return errorNotice(`name '${name}' is already taken`);
}

/** Login refused: the name looks like one online under another key (same skeleton). */
export function lookalikeTakenNotice(name: string, holder: string): string {
  return errorNotice(`name '${name}' is already taken: it looks like '${holder}'`);
}

/** /msg to someone who is not online. */
export function notOnlineNotice(name: string): string {
  return errorNotice(`${name} is not online`);
}

/** /msg to someone already receiving private messages as fast as anyone may. */
export function privateBusyNotice(name: string): string {
  return errorNotice(`${name} is receiving too many private messages; yours was not delivered`);
}

/** How many messages flood control dropped since the last such notice. */
export function floodNotice(dropped: number): string {
  return errorNotice(`flood limit: ${dropped} ${dropped === 1 ? "message" : "messages"} dropped`);
}

/**
 * Sent to a logged-in client before it is closed for `--idle-timeout`: says what happened and
 * what a client must do to stay (a keepalive at least every half of the timeout).
 */
export function idleTimeoutNotice(seconds: number): string {
  return errorNotice(
    `no data for ${seconds} s; closing (clients send a keepalive at least every ${seconds / 2} s)`,
  );
}

/** Sent to a connection refused because the server holds its maximum of clients. */
export const SERVER_FULL_NOTICE = errorNotice("server full");

/** Sent to everyone before the server closes the connections. */
export const SHUTDOWN_NOTICE = "server shutting down";
