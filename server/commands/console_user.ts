/**
 * The server console as a command user: an operator with no connection whose answers are console
 * lines, and the one command it answers its own way (`/users`, with every connection's address
 * and connect time).
 * @module
 */

import { CONSOLE_NAME } from "../moderation/notices.ts";
import { errorNotice } from "../notices.ts";
import type { ModerationUser } from "./mod_commands.ts";
import type { RoomUser } from "./room_commands.ts";
import type { Command } from "./table.ts";

/**
 * The room's `/users`, which the console answers with every local connection's address and
 * connect time instead.
 */
export function withConsoleUsers<U extends RoomUser>(
  entries: Command<U>[],
  consoleUserList: () => string[],
): Command<U>[] {
  return entries.map((entry) =>
    entry.name !== "/users" ? entry : {
      ...entry,
      run: (call) => {
        if (!call.user.isConsole) return entry.run(call);
        for (const line of consoleUserList()) call.user.reply(line);
      },
    }
  );
}

/** The console as a command user: an operator with no connection, answered on the console. */
export class ConsoleUser implements ModerationUser {
  readonly name = CONSOLE_NAME;
  readonly isOperator = true;
  readonly isConsole = true;
  readonly member = null;
  readonly address = null;
  readonly remote = "console";
  readonly secureChannel = true;
  readonly #print: (line: string) => void;

  constructor(print: (line: string) => void) {
    this.#print = print;
  }

  reply(text: string): void {
    this.#print(text);
  }

  quit(): void {
    this.#print(errorNotice("the console does not quit; stop the server with SIGINT or SIGTERM"));
  }

  grantOperator(): void {}

  operFailed(): number {
    return 0;
  }

  kick(): void {}
}
