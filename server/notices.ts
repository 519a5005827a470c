/**
 * Every line the server says to users, in one place, so the texts other code and tests wait for
 * cannot drift apart.
 * @module
 */

import { type CommandInfo, commandList } from "../protocol/mod.ts";

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

/** Told to everyone else when someone logs in. */
export function joinNotice(name: string): string {
  return `${name} joined`;
}

/** Told to everyone who remains when someone leaves. */
export function leaveNotice(name: string, reason: string): string {
  return `${name} left (${reason})`;
}

/** A private message, delivered as a notice so it cannot be mistaken for room chat. */
export function privateNotice(from: string, text: string): string {
  return `[private] ${from}: ${text}`;
}

/** Every error notice starts with `error: `, so clients can style and tests can match it. */
export function errorNotice(text: string): string {
  return `error: ${text}`;
}

/** Login refused: someone with the same name (case-insensitively) is online. */
export function nameTakenNotice(name: string): string {
  return errorNotice(`name '${name}' is already taken`);
}

/** A command word the server does not know, with the list of those it does. */
export function unknownCommandNotice(command: string): string {
  return errorNotice(`unknown command ${command}; commands: ${commandList()}`);
}

/** A known command called the wrong way. */
export function usageNotice(command: CommandInfo): string {
  return errorNotice(`usage: ${command.usage}`);
}

/** /msg to someone who is not online. */
export function notOnlineNotice(name: string): string {
  return errorNotice(`${name} is not online`);
}

/** How many messages flood control dropped since the last such notice. */
export function floodNotice(dropped: number): string {
  return errorNotice(`flood limit: ${dropped} ${dropped === 1 ? "message" : "messages"} dropped`);
}

/** Sent to a connection refused because the server holds its maximum of clients. */
export const SERVER_FULL_NOTICE = errorNotice("server full");

/** Sent to everyone before the server closes the connections. */
export const SHUTDOWN_NOTICE = "server shutting down";
