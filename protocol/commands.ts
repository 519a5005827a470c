/**
 * Chat commands: messages that begin with `/`. Parsing lives in the protocol so the client's
 * help and the server's behaviour come from one list.
 * @module
 */

/** A server command, as described to users by `/help` and the unknown-command notice. */
export interface CommandInfo {
  /** The command word, with its slash. */
  name: string;
  /** How to call it. */
  usage: string;
  /** What it does, in one line. */
  summary: string;
}

/** The commands every server understands. */
export const SERVER_COMMANDS: readonly CommandInfo[] = [
  { name: "/users", usage: "/users", summary: "list who is online" },
  { name: "/msg", usage: "/msg NAME TEXT", summary: "send TEXT to NAME only" },
  { name: "/quit", usage: "/quit", summary: "leave the chat" },
];

/** What a chat message asks the server to do. */
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

/** One line naming every server command, for help and unknown-command notices. */
export function commandList(): string {
  return SERVER_COMMANDS.map((c) => c.usage).join(", ");
}
