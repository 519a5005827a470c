/**
 * Settings the client cannot run with, found only once it looks at its terminal (a name missing
 * where none can be asked for, `--json` where there is nothing to script). They are the command
 * line's fault, so `main.ts` reports them like the parser's errors (exit 2); the client itself
 * knows nothing of usage texts.
 * @module
 */

/** The client's settings cannot work as given here; the message says what to change. */
export class ClientUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClientUsageError";
  }
}

/** No name was given and none can be asked for (stdin is not a terminal, or it ended). */
export class MissingNameError extends ClientUsageError {
  constructor(why = "give it as the third argument or with --name when stdin is not a terminal") {
    super(`missing NAME: ${why}`);
    this.name = "MissingNameError";
  }
}

/** `--json` where the interactive terminal client would run: there is nothing to script. */
export class JsonOnTerminalError extends ClientUsageError {
  constructor() {
    super(
      "--json is for scripting mode, but stdin and stdout are a terminal; " +
        "pipe the input or the output (e.g. '| cat'), or leave --json out",
    );
    this.name = "JsonOnTerminalError";
  }
}
