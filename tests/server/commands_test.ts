/**
 * Commands: how a message splits into chat or a command (protocol/commands.ts), and the command
 * table that checks every command in one place (server/commands/): unknown words, missing
 * arguments and missing rights answered from the table, /help listing what the user may use.
 */

import assert from "node:assert/strict";
import { commandList, commandWords, SERVER_COMMANDS, splitMessage } from "../../protocol/mod.ts";
import {
  type Command,
  type CommandAccess,
  CommandTable,
  type CommandUser,
  helpLines,
} from "../../server/commands/table.ts";
import { roomCommands } from "../../server/commands/room_commands.ts";
import { Room } from "../../server/room.ts";
import { historyOff } from "../helpers/history.ts";
import { ManualClock } from "../helpers/clock.ts";

Deno.test("commands: an empty message is a keepalive", () => {
  assert.deepEqual(splitMessage(""), { kind: "keepalive" });
});

Deno.test("commands: text without a leading slash is chat, unchanged", () => {
  for (const text of ["hello", " /users", "a/b", " ", "\n", "héllo 👋", "users/"]) {
    assert.deepEqual(splitMessage(text), { kind: "chat", text }, JSON.stringify(text));
  }
});

Deno.test("commands: a double slash sends the text with one slash removed", () => {
  assert.deepEqual(splitMessage("//users"), { kind: "chat", text: "/users" });
  assert.deepEqual(splitMessage("//"), { kind: "chat", text: "/" });
  assert.deepEqual(splitMessage("///x"), { kind: "chat", text: "//x" });
  assert.deepEqual(splitMessage("// spaced"), { kind: "chat", text: "/ spaced" });
});

Deno.test("commands: a command word is looked up in lower case, the rest kept as typed", () => {
  assert.deepEqual(splitMessage("/MSG bob  two spaces "), {
    kind: "command",
    word: "/MSG",
    name: "/msg",
    rest: "bob  two spaces ",
  });
  assert.deepEqual(splitMessage("/msg   bob\thi"), {
    kind: "command",
    word: "/msg",
    name: "/msg",
    rest: "bob\thi",
  });
  assert.deepEqual(splitMessage("/"), { kind: "command", word: "/", name: "/", rest: "" });
  assert.deepEqual(splitMessage("/ users"), {
    kind: "command",
    word: "/",
    name: "/",
    rest: "users",
  });
  assert.deepEqual(commandWords(" a\t b\nc "), ["a", "b", "c"]);
  assert.deepEqual(commandWords("   "), []);
});

Deno.test("commands: the protocol lists every command everyone may use, with its usage", () => {
  assert.deepEqual(SERVER_COMMANDS.map((c) => c.name), [
    "/users",
    "/msg",
    "/me",
    "/history",
    "/search",
    "/help",
    "/quit",
  ]);
  assert.equal(
    commandList(),
    "/users, /msg NAME TEXT, /me TEXT, /history [N], /search WORDS, /help, /quit",
  );
  for (const command of SERVER_COMMANDS) {
    assert.ok(command.usage.startsWith(command.name), command.usage);
    assert.ok(command.summary.length > 0);
  }
});

/** A user that keeps its answers. */
class User implements CommandUser {
  readonly replies: string[] = [];
  constructor(
    readonly name: string,
    readonly isOperator = false,
    readonly isConsole = false,
  ) {}
  reply(text: string): void {
    this.replies.push(text);
  }
}

function entry(
  name: string,
  access: CommandAccess,
  minArgs: number,
  calls: string[][],
): Command<User> {
  return {
    name,
    usage: minArgs > 0 ? `${name} NAME` : name,
    summary: `does ${name}`,
    access,
    minArgs,
    run: ({ args }) => {
      calls.push([name, ...args]);
    },
  };
}

Deno.test("command table: rights, arguments and unknown words are checked in one place", () => {
  const calls: string[][] = [];
  const table = new CommandTable<User>([
    entry("/look", "anyone", 0, calls),
    entry("/kick", "operator", 1, calls),
    entry("/say", "console", 1, calls),
  ]);
  const user = new User("alice");
  const oper = new User("olga", true);
  const console = new User("server", true, true);

  table.run(user, "/LOOK", "around");
  table.run(user, "/kick", "bob");
  table.run(user, "/say", "hi");
  table.run(user, "/nope", "");
  assert.deepEqual(calls, [["/look", "around"]]);
  assert.deepEqual(user.replies, [
    "error: /kick is for operators only",
    "error: /say is for the server console only",
    "error: unknown command /nope; commands: /look",
  ]);

  table.run(oper, "/kick", "   ");
  table.run(oper, "/kick", "bob");
  table.run(oper, "/say", "hi");
  assert.deepEqual(oper.replies, [
    "error: usage: /kick NAME",
    "error: /say is for the server console only",
  ]);
  table.run(console, "/say", "hi there");
  assert.deepEqual(calls.slice(1), [["/kick", "bob"], ["/say", "hi", "there"]]);
  assert.deepEqual(console.replies, []);
  assert.deepEqual(table.available(user).map((c) => c.name), ["/look"]);
  assert.deepEqual(table.available(oper).map((c) => c.name), ["/look", "/kick"]);
  assert.deepEqual(table.available(console).map((c) => c.name), ["/look", "/kick", "/say"]);
  assert.throws(() =>
    new CommandTable([entry("/a", "anyone", 0, []), entry("/a", "anyone", 0, [])])
  );
});

Deno.test("command table: /help lists what the user may use, aligned", () => {
  assert.deepEqual(helpLines(SERVER_COMMANDS.slice(0, 2)), [
    "Commands you may use:",
    "  /users          list who is online",
    "  /msg NAME TEXT  send TEXT to NAME only",
  ]);
});

Deno.test("command table: the room's entries are the protocol's commands, in its order", () => {
  const clock = new ManualClock();
  const entries = roomCommands({ room: new Room(), history: historyOff(clock), problem: () => {} });
  assert.deepEqual(entries.map((c) => c.usage), SERVER_COMMANDS.map((c) => c.usage));
  assert.deepEqual(entries.filter((c) => c.floodFree).map((c) => c.name), ["/quit"]);
  assert.ok(entries.every((c) => c.access === "anyone"));
});
