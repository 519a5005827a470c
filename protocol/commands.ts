/**
 * Chat commands: messages that begin with `/`. Parsing lives in the protocol so the client's
 * help and the server's behaviour come from one list.
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
  /** The command word, with its slash. */
  name: string;
  /** How to call it. */
  usage: string;
  /** What it does, in one line. */
  summary: string;
}

/**
 * The commands every server understands.
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
  { name: "/quit", usage: "/quit", summary: "leave the chat" },
];

/**
 * What a chat message asks the server to do.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ParsedMessage, parseMessage } from "./mod.ts";
 * function describe(parsed: ParsedMessage): string {
 *   switch (parsed.kind) {
 *     case "chat":
 *       return `say ${parsed.text}`;
 *     case "msg":
 *       return `whisper ${parsed.text} to ${parsed.target}`;
 *     case "usage":
 *       return `usage: ${parsed.command.usage}`;
 *     case "unknown":
 *       return `no such command: ${parsed.command}`;
 *     default:
 *       return parsed.kind;
 *   }
 * }
 * assert.equal(describe(parseMessage("/msg bo hi")), "whisper hi to bo");
 * ```
 */
export type ParsedMessage =
  | { kind: "chat"; text: string }
  | { kind: "keepalive" }
  | { kind: "users" }
  | { kind: "msg"; target: string; text: string }
  | { kind: "quit" }
  | { kind: "usage"; command: CommandInfo }
  | { kind: "unknown"; command: string };

/**
 * Classifies one message: plain chat, `//` escape (chat with one slash removed), a command, or
 * a malformed command (`usage`). An empty message is a keepalive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMessage } from "./mod.ts";
 * assert.deepEqual(parseMessage("hello"), { kind: "chat", text: "hello" });
 * assert.deepEqual(parseMessage("//shrug"), { kind: "chat", text: "/shrug" });
 * assert.deepEqual(parseMessage("/msg bo hi there"), {
 *   kind: "msg",
 *   target: "bo",
 *   text: "hi there",
 * });
 * assert.equal(parseMessage("/msg bo").kind, "usage"); // no text to send
 * assert.deepEqual(parseMessage("/nope"), { kind: "unknown", command: "/nope" });
 * assert.deepEqual(parseMessage(""), { kind: "keepalive" });
 * ```
 */
export function parseMessage(message: string): ParsedMessage {
  if (message.length === 0) return { kind: "keepalive" };
  if (!message.startsWith("/")) return { kind: "chat", text: message };
  if (message.startsWith("//")) return { kind: "chat", text: message.slice(1) };
  const match = /^(\S*)\s*([\s\S]*)$/.exec(message);
  const word = match?.[1] ?? message;
  const rest = match?.[2] ?? "";
  switch (word.toLowerCase()) {
    case "/users":
      return { kind: "users" };
    case "/quit":
      return { kind: "quit" };
    case "/msg": {
      const args = /^(\S+)\s([\s\S]*\S[\s\S]*)$/.exec(rest);
      if (args === null) return { kind: "usage", command: SERVER_COMMANDS[1] };
      return { kind: "msg", target: args[1], text: args[2] };
    }
    default:
      return { kind: "unknown", command: word };
  }
}

/**
 * One line naming every server command, for help and unknown-command notices.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commandList } from "./mod.ts";
 * const text = `unknown command /nope; commands: ${commandList()}`;
 * // "unknown command /nope; commands: /users, /msg NAME TEXT, /quit"
 * assert.match(text, /commands: .*\/msg NAME TEXT/);
 * ```
 */
export function commandList(): string {
  return SERVER_COMMANDS.map((c) => c.usage).join(", ");
}
