/**
 * The top-level usage text of `chat`.
 * @module
 */

/** What `chat --help` prints and what follows a top-level usage error. */
export const MAIN_USAGE = `Usage: chat <command> [options]

A terminal chat: one server holds a room, clients connect to it over TCP.

Commands:
  server [options]              run a chat server (see: chat server --help)
  client [HOST] [PORT] [NAME]   connect to a server and chat (see: chat client --help)
  cert [HOST...]                make a self-signed TLS certificate (see: chat cert --help)
  hash-password                 hash an operator password for chat server --oper NAME:HASH
  help [COMMAND]                show this text, or a command's usage

Options:
  -h, --help                    show this text
  -V, --version                 show the version of chat and of Deno

Exit codes: 0 success, 1 runtime failure, 2 usage error.`;
