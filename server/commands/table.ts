/**
 * The command table: every command the server understands is one entry (its name, who may use
 * it, how many arguments it needs, its usage and summary, and its handler), and every message
 * that starts with `/` is checked against the table in one place. Unknown commands, missing
 * arguments and missing rights get their error notice from here; adding a command is adding an
 * entry.
 * @module
 */

import { type CommandInfo, commandList, commandWords } from "../../protocol/mod.ts";
import { errorNotice } from "../notices.ts";

/** Who may use a command: everyone, operators (and the console), or the server console only. */
export type CommandAccess = "anyone" | "operator" | "console";

/** Whoever typed a command: a logged-in user, or the server console. */
export interface CommandUser {
  /** The name shown to others (the console's is `server`). */
  readonly name: string;
  /** True for an operator (the console is one too). */
  readonly isOperator: boolean;
  /** True for the server console. */
  readonly isConsole: boolean;
  /** Answers the user alone (a notice for a user, a line for the console). */
  reply(text: string): void;
}

/** One call of a command, as its handler sees it. */
export interface CommandCall<U extends CommandUser> {
  /** Who typed it. */
  readonly user: U;
  /** The arguments split on whitespace (at least the command's `minArgs` of them). */
  readonly args: readonly string[];
  /** Everything after the command word and its whitespace, as typed. */
  readonly rest: string;
  /** The table it came through (`/help` lists what the user may use). */
  readonly table: CommandTable<U>;
}

/** One entry of the table. */
export interface Command<U extends CommandUser> extends CommandInfo {
  /** Who may use it. */
  readonly access: CommandAccess;
  /** Fewest arguments it needs; fewer get the usage notice. */
  readonly minArgs: number;
  /** Not counted by flood control (leaving must always work). */
  readonly floodFree?: boolean;
  /** Says something to others (`/me`, `/msg`): refused while the sender is muted. */
  readonly speaks?: boolean;
  /**
   * Does it. A handler may still answer with its usage (`usageNotice`) when its arguments do not
   * parse. A promise is for answers that wait for the store; a failure is the caller's to log.
   */
  run(call: CommandCall<U>): void | Promise<void>;
}

/** Whether `user` may use a command of this access. */
export function mayUse(access: CommandAccess, user: CommandUser): boolean {
  switch (access) {
    case "anyone":
      return true;
    case "operator":
      return user.isOperator || user.isConsole;
    case "console":
      return user.isConsole;
  }
}

/** A known command called the wrong way. */
export function usageNotice(command: CommandInfo): string {
  return errorNotice(`usage: ${command.usage}`);
}

/** A command word the server does not know, with the commands the user may use. */
export function unknownCommandNotice(word: string, available: readonly CommandInfo[]): string {
  return errorNotice(`unknown command ${word}; commands: ${commandList(available)}`);
}

/** A command the user has no right to. */
export function noRightsNotice(command: CommandInfo, access: CommandAccess): string {
  const who = access === "console" ? "the server console" : "operators";
  return errorNotice(`${command.name} is for ${who} only`);
}

/** The `/help` answer: a heading, then one line per command the user may use. */
export function helpLines(available: readonly CommandInfo[]): string[] {
  const width = Math.max(...available.map((c) => c.usage.length));
  return [
    "Commands you may use:",
    ...available.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
  ];
}

/** The commands, by name, checked in one place. */
export class CommandTable<U extends CommandUser> {
  readonly #commands: readonly Command<U>[];
  readonly #byName = new Map<string, Command<U>>();

  constructor(commands: readonly Command<U>[]) {
    this.#commands = commands;
    for (const command of commands) {
      if (this.#byName.has(command.name)) throw new Error(`command ${command.name} twice`);
      this.#byName.set(command.name, command);
    }
  }

  /** The entry for a lower-case command word, if any. */
  find(name: string): Command<U> | undefined {
    return this.#byName.get(name);
  }

  /** The commands `user` may use, in table order. */
  available(user: CommandUser): Command<U>[] {
    return this.#commands.filter((command) => mayUse(command.access, user));
  }

  /**
   * Runs one command line for `user` (`word` as typed, `rest` after it): unknown words, missing
   * rights and too few arguments are answered here with their error notice. Returns the
   * handler's promise, if it has one.
   */
  run(user: U, word: string, rest: string): void | Promise<void> {
    const command = this.#byName.get(word.toLowerCase());
    if (command === undefined) {
      user.reply(unknownCommandNotice(word, this.available(user)));
      return;
    }
    if (!mayUse(command.access, user)) {
      user.reply(noRightsNotice(command, command.access));
      return;
    }
    const args = commandWords(rest);
    if (args.length < command.minArgs) {
      user.reply(usageNotice(command));
      return;
    }
    return command.run({ user, args, rest, table: this });
  }
}
