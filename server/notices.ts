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

/** How many names a join notice for several users lists before it counts the rest. */
export const JOIN_NAME_LIMIT = 3;

/**
 * Told to everyone else when someone logs in: `alice joined`. Joins of a busy moment are told
 * together: `alice and bob joined`, `alice, bob, carol and dave joined`, and past four names
 * `alice, bob, carol and 47 others joined` (so "others" is always plural). `total` is how many
 * joined when `names` holds only the first of them (at least five, or all).
 */
export function joinNotice(names: string | readonly string[], total?: number): string {
  const first = typeof names === "string" ? [names] : names;
  const count = total ?? first.length;
  if (count > JOIN_NAME_LIMIT + 1) {
    const listed = first.slice(0, JOIN_NAME_LIMIT).join(", ");
    return `${listed} and ${count - JOIN_NAME_LIMIT} others joined`;
  }
  const last = count - 1;
  if (last <= 0) return `${first[0] ?? ""} joined`;
  return `${first.slice(0, last).join(", ")} and ${first[last]} joined`;
}

/**
 * How many users a join notice names or counts: the inverse of {@link joinNotice}, for the
 * benchmark and tests that check every join was announced (clients should not parse notices).
 * Zero for any other text.
 */
export function joinedCount(text: string): number {
  if (!text.endsWith(" joined")) return 0;
  const listed = text.split(", ").length;
  const others = / and (\d+) others joined$/.exec(text);
  if (others !== null) return listed + Number(others[1]);
  return / and \S+ joined$/.test(text) ? listed + 1 : listed;
}

/** Told to everyone who remains when someone leaves. */
export function leaveNotice(name: string, reason: string): string {
  return `${name} left (${reason})`;
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
