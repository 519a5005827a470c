/**
 * Chat commands: messages that begin with `/`. The protocol holds what any client needs to know
 * (the command words, how to call them, what they do, and how a message splits into a command
 * word and its arguments); what a command does is the server's own business.
 * @module
 */

/**
 * A server command, as described to users by `/help` and the unknown-command notice.
 *
 * @example
 * ```ts
 * import type { CommandInfo } from "./mod.ts";
 * function helpLine(command: CommandInfo): string {
 *   return `${command.usage.padEnd(16)}${command.summary}`;
 * }
 * ```
 */
export interface CommandInfo {
  /** The command word, with its slash, in lower case. */
  name: string;
  /** How to call it. */
  usage: string;
  /** What it does, in one line. */
  summary: string;
}

/**
 * The commands every server understands, for everyone (a server may offer more to operators;
 * its `/help` lists what the asking user may use).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SERVER_COMMANDS } from "./mod.ts";
 * const help = SERVER_COMMANDS.map((c) => `${c.usage.padEnd(16)}${c.summary}`).join("\n");
 * assert.match(help, /^\/msg NAME TEXT {2}send TEXT to NAME only$/m);
 * ```
 */
export const SERVER_COMMANDS: readonly CommandInfo[] = [
  { name: "/users", usage: "/users", summary: "list who is online" },
  { name: "/msg", usage: "/msg NAME TEXT", summary: "send TEXT to NAME only" },
  { name: "/me", usage: "/me TEXT", summary: "tell everyone what you do: * NAME TEXT" },
  { name: "/history", usage: "/history [N]", summary: "show the last N messages (default 50)" },
  {
    name: "/search",
    usage: "/search WORDS",
    summary: "show the 20 latest messages holding all WORDS",
  },
  { name: "/help", usage: "/help", summary: "list the commands you may use" },
  { name: "/quit", usage: "/quit", summary: "leave the chat" },
];

/**
 * The moderation commands: `/topic` and `/oper` for everyone, the rest for operators, `/say`
 * for the server console only. A server's `/help` lists those the asking user may use.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MODERATION_COMMANDS } from "./mod.ts";
 * const kick = MODERATION_COMMANDS.find((c) => c.name === "/kick");
 * assert.equal(kick?.usage, "/kick NAME [REASON]");
 * ```
 */
export const MODERATION_COMMANDS: readonly CommandInfo[] = [
  { name: "/topic", usage: "/topic [TEXT]", summary: "show the topic; operators set it" },
  { name: "/oper", usage: "/oper PASSWORD", summary: "become an operator (TLS or loopback only)" },
  { name: "/kick", usage: "/kick NAME [REASON]", summary: "disconnect NAME" },
  {
    name: "/ban",
    usage: "/ban TARGET [DURATION] [REASON]",
    summary: "ban a name, an IP address or a CIDR range (DURATION like 90s, 30m, 2h, 7d)",
  },
  { name: "/unban", usage: "/unban TARGET", summary: "lift a ban" },
  { name: "/bans", usage: "/bans", summary: "list the bans: who set them, why, time left" },
  { name: "/mute", usage: "/mute NAME [DURATION]", summary: "drop NAME's messages" },
  { name: "/unmute", usage: "/unmute NAME", summary: "let NAME speak again" },
  { name: "/say", usage: "/say TEXT", summary: "a server notice to everyone" },
];

/**
 * What one chat message is: a keepalive (empty), chat, or a command word with the rest of the
 * line.
 */
export type SplitMessage =
  | { kind: "keepalive" }
  | { kind: "chat"; text: string }
  | {
    kind: "command";
    /** The command word as typed, slash included (`/MSG`). */
    word: string;
    /** The command word in lower case, for looking it up (`/msg`). */
    name: string;
    /** Everything after the word and the whitespace that follows it, as typed. */
    rest: string;
  };

/**
 * Splits one message: plain chat, `//` escape (chat with one slash removed), or a command word
 * and the rest of the line. An empty message is a keepalive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitMessage } from "./mod.ts";
 * assert.deepEqual(splitMessage("hello"), { kind: "chat", text: "hello" });
 * assert.deepEqual(splitMessage("//shrug"), { kind: "chat", text: "/shrug" });
 * assert.deepEqual(splitMessage("/MSG bo hi there"), {
 *   kind: "command",
 *   word: "/MSG",
 *   name: "/msg",
 *   rest: "bo hi there",
 * });
 * assert.deepEqual(splitMessage(""), { kind: "keepalive" });
 * ```
 */
export function splitMessage(message: string): SplitMessage {
  if (message.length === 0) return { kind: "keepalive" };
  if (!message.startsWith("/")) return { kind: "chat", text: message };
  if (message.startsWith("//")) return { kind: "chat", text: message.slice(1) };
  const match = /^(\S*)\s*([\s\S]*)$/.exec(message);
  const word = match?.[1] ?? message;
  return { kind: "command", word, name: word.toLowerCase(), rest: match?.[2] ?? "" };
}

/**
 * The words of a command's arguments (split on whitespace, none empty).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commandWords } from "./mod.ts";
 * assert.deepEqual(commandWords("  bob \t hi  "), ["bob", "hi"]);
 * ```
 */
export function commandWords(rest: string): string[] {
  return rest.split(/\s+/).filter((word) => word.length > 0);
}

/**
 * One line naming commands with their usage, for help and unknown-command notices.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commandList, SERVER_COMMANDS } from "./mod.ts";
 * const text = `unknown command /nope; commands: ${commandList(SERVER_COMMANDS.slice(0, 2))}`;
 * assert.equal(text, "unknown command /nope; commands: /users, /msg NAME TEXT");
 * ```
 */
export function commandList(commands: readonly CommandInfo[] = SERVER_COMMANDS): string {
  return commands.map((c) => c.usage).join(", ");
}
