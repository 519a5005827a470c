/**
 * `chat hash-password`: reads an operator password (without echo on a terminal, the first line
 * of stdin otherwise) and prints its scrypt hash for `chat server --oper NAME:HASH` or an
 * `--opers` file.
 * @module
 */

import { hashPassword } from "../server/moderation/password_hash.ts";
import { UsageError } from "./usage.ts";

/** `chat hash-password --help`. */
export const HASH_PASSWORD_USAGE = `Usage: chat hash-password

Reads a password and prints its hash, scrypt$N$r$p$SALT$HASH (base64, a random salt each
time), for chat server --oper NAME:HASH or a line NAME:HASH of an --opers file.

On a terminal the password is asked twice and never echoed; otherwise the first line of
stdin is the password (echo "$PASSWORD" | chat hash-password).

Options:
  -h, --help   show this help`;

/** Where the command talks: the hash on `out`, prompts and errors on `err`. */
export interface HashPasswordIo {
  out(text: string): void;
  err(text: string): void;
}

/** The password could not be read (empty, the two entries differ, input ended, Ctrl-C). */
export class PasswordInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PasswordInputError";
  }
}

/** Runs `chat hash-password ARGS`; returns the exit code (PasswordInputError is thrown). */
export async function runHashPassword(args: string[], io: HashPasswordIo): Promise<number> {
  if (args.length === 1 && (args[0] === "-h" || args[0] === "--help")) {
    io.out(HASH_PASSWORD_USAGE);
    return 0;
  }
  if (args.length > 0) {
    throw new UsageError(`unexpected argument '${args[0]}'`, HASH_PASSWORD_USAGE);
  }
  const password = Deno.stdin.isTerminal() ? await askTwice() : await firstLine();
  if (password === "") throw new PasswordInputError("the password is empty");
  io.out(await hashPassword(password));
  return 0;
}

/** The first line of stdin, without its line end. */
async function firstLine(): Promise<string> {
  const chunks: Uint8Array[] = [];
  const reader = Deno.stdin.readable.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
      if (value.includes(10)) break;
    }
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  const text = new TextDecoder().decode(concat(chunks));
  return text.split("\n")[0].replace(/\r$/, "");
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

async function askTwice(): Promise<string> {
  const first = await readHidden("Password: ");
  const second = await readHidden("Password again: ");
  if (first !== second) throw new PasswordInputError("the two passwords differ");
  return first;
}

/** Reads one line from the terminal in raw mode, echoing nothing. */
async function readHidden(prompt: string): Promise<string> {
  const encoder = new TextEncoder();
  // Echo goes off before the prompt shows, so nothing typed at once is echoed.
  Deno.stdin.setRaw(true);
  await Deno.stderr.write(encoder.encode(prompt));
  const bytes: number[] = [];
  const buffer = new Uint8Array(64);
  try {
    for (;;) {
      const count = await Deno.stdin.read(buffer);
      if (count === null) throw new PasswordInputError("input ended before the password");
      for (const byte of buffer.subarray(0, count)) {
        if (byte === 13 || byte === 10) return new TextDecoder().decode(new Uint8Array(bytes));
        if (byte === 3) throw new PasswordInputError("interrupted");
        if (byte === 4 && bytes.length === 0) {
          throw new PasswordInputError("input ended before the password");
        }
        if (byte === 127 || byte === 8) {
          // Backspace removes one character (its UTF-8 continuation bytes with it).
          while (bytes.length > 0 && ((bytes.pop() ?? 0) & 0xc0) === 0x80) { /* continue */ }
          continue;
        }
        if (byte >= 32 || byte >= 0x80) bytes.push(byte);
      }
    }
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(encoder.encode("\n"));
  }
}
