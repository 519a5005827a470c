/**
 * What `/help` shows in the interactive client: the client's own commands and the editing keys.
 * The server's commands come from the server itself (the client sends `/help` on), so the list
 * is what this user may use right now, operator commands included once opered.
 * @module
 */

/** A command the interactive client handles itself, without asking the server. */
export interface ClientCommand {
  name: string;
  summary: string;
}

/** Commands handled by the client; everything else starting with `/` goes to the server. */
export const CLIENT_COMMANDS: readonly ClientCommand[] = [
  { name: "/help", summary: "show this help and ask the server for its commands" },
  { name: "/clear", summary: "clear the screen" },
  { name: "/quit", summary: "leave the chat (also Ctrl-C or Ctrl-D on an empty line)" },
];

/** The client command a typed line asks for, if any (the command word is case-insensitive). */
export function clientCommand(line: string): "help" | "clear" | "quit" | undefined {
  const word = /^\/\S*/.exec(line)?.[0].toLowerCase();
  if (word === "/help") return "help";
  if (word === "/clear") return "clear";
  if (word === "/quit") return "quit";
  return undefined;
}

const KEYS: readonly string[] = [
  "Left/Right, Ctrl-B/Ctrl-F: move; Ctrl-Left/Right, Alt-B/Alt-F: move by word",
  "Home/End, Ctrl-A/Ctrl-E: start/end of line",
  "Backspace/Delete: delete a character; Ctrl-W: delete the word before the cursor",
  "Ctrl-U: delete to the start of the line; Ctrl-K: delete to the end",
  "Up/Down, Ctrl-P/Ctrl-N: history of sent lines; Enter: send",
  "Ctrl-C: clear the line (quit on an empty line); Ctrl-D: delete forward (quit on an empty line)",
  "Ctrl-L: clear the screen",
];

/** The lines `/help` prints locally, one per line (the server's answer follows them). */
export function helpLines(): string[] {
  const width = Math.max(...CLIENT_COMMANDS.map((c) => c.name.length), "//text".length);
  const row = (left: string, right: string) => `  ${left.padEnd(width)}  ${right}`;
  return [
    "Client commands:",
    ...CLIENT_COMMANDS.map((c) => row(c.name, c.summary)),
    row("//text", "send text that starts with a slash"),
    "Keys:",
    ...KEYS.map((k) => `  ${k}`),
  ];
}
