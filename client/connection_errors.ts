/**
 * Why a client connection could not be made (typed errors thrown by `ChatConnection.connect` and
 * `send`) or how it ended (the {@link CloseReason} of its last event), and the one-line
 * descriptions the terminal and scripting modes print for them.
 * @module
 */

/** Why a connection ended. */
export type CloseReason =
  /** The server closed before accepting the login; `message` is its error notice. */
  | { kind: "refused"; message: string }
  /** The server closed the connection (after the login, or before it without saying why);
   * `lastNotice` is the last error or shutdown notice it sent, the likely why. */
  | { kind: "server-closed"; lastNotice: string | undefined; loggedIn: boolean }
  /** The connection failed: reset, broken pipe, or another socket error. */
  | { kind: "lost"; message: string; loggedIn: boolean }
  /** The server sent something the client cannot decode (a frame over the size limit). */
  | { kind: "protocol-error"; message: string; loggedIn: boolean }
  /** The server accepted the connection but answered the login neither with a welcome nor
   * with a refusal before the connect timeout (never after a login). */
  | { kind: "timeout"; host: string; port: number; timeoutMs: number }
  /** We closed it: `quit()` or `close()`. */
  | { kind: "quit" };

/** The server could not be reached (refused, unknown host, unreachable, no answer in time). */
export class ConnectError extends Error {
  /** The host that was being connected to. */
  readonly host: string;
  /** The port that was being connected to. */
  readonly port: number;
  /** `why` replaces the description derived from `cause` (used by the timeout). */
  constructor(host: string, port: number, cause: unknown, why?: string) {
    super(`cannot connect to ${host}:${port}: ${why ?? describeConnectFailure(cause)}`, {
      cause,
    });
    this.name = "ConnectError";
    this.host = host;
    this.port = port;
  }
}

/** Which step of `ChatConnection.connect` ran out of time: the TCP connect or the TLS handshake.
 * (The wait for the login's answer comes after `connect` returned: the close reason `timeout`.) */
export type ConnectStage = "connect" | "tls";

/**
 * The connect timeout passed: the TCP connect (a host that drops SYNs) or the TLS handshake did
 * not finish in time. A ConnectError, so callers that handle a refused connection handle it too.
 */
export class ConnectTimeoutError extends ConnectError {
  /** The timeout that passed, in milliseconds. */
  readonly timeoutMs: number;
  /** The step that was still running. */
  readonly stage: ConnectStage;
  constructor(host: string, port: number, stage: ConnectStage, timeoutMs: number, cause?: unknown) {
    super(host, port, cause, describeTimeout(stage, timeoutMs));
    this.name = "ConnectTimeoutError";
    this.timeoutMs = timeoutMs;
    this.stage = stage;
  }
}

function describeConnectFailure(cause: unknown): string {
  if (cause instanceof Deno.errors.ConnectionRefused) return "connection refused";
  return cause instanceof Error ? cause.message : String(cause);
}

/** What ran out of time, e.g. "no answer within 10 s". */
function describeTimeout(stage: ConnectStage | "login", timeoutMs: number): string {
  const within = `within ${formatSeconds(timeoutMs)} s`;
  switch (stage) {
    case "connect":
      return `no answer ${within}`;
    case "tls":
      return `no TLS handshake ${within} (is the server using TLS?)`;
    case "login":
      return `no answer to the login ${within} (is it a chat server?)`;
  }
}

/** Milliseconds as seconds for a message: 10000 is "10", 500 is "0.5", 1234.5 is "1.235". */
function formatSeconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(3)));
}

/** A message too long for the server: sending it would get the connection closed. */
export class MessageTooLongError extends Error {
  /** Its size in UTF-8 bytes. */
  readonly bytes: number;
  /** The limit it broke. */
  readonly limit: number;
  constructor(bytes: number, limit: number) {
    super(`message of ${bytes} bytes is over the limit of ${limit} bytes, not sent`);
    this.name = "MessageTooLongError";
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** One line saying why a connection ended, for stderr or the screen. */
export function describeCloseReason(reason: CloseReason): string {
  switch (reason.kind) {
    case "refused":
      return `login refused: ${withoutErrorPrefix(reason.message)}`;
    case "server-closed":
      return reason.lastNotice === undefined
        ? "the server closed the connection"
        : `the server closed the connection (last notice: ${reason.lastNotice})`;
    case "lost":
      return `connection lost: ${reason.message}`;
    case "protocol-error":
      return reason.message;
    case "timeout":
      return `cannot connect to ${reason.host}:${reason.port}: ${
        describeTimeout("login", reason.timeoutMs)
      }`;
    case "quit":
      return "disconnected";
  }
}

/** A server's error notice without its `error: ` marker, for a line that says what failed. */
export function withoutErrorPrefix(notice: string): string {
  return notice.startsWith("error: ") ? notice.slice("error: ".length) : notice;
}
