/**
 * Turns a runtime failure into the one line `chat` prints before exiting 1.
 * @module
 */

/** Where the failing command was pointed, so a bare OS error can name the address. */
export interface FailureTarget {
  /** What the command was doing with the address. */
  action: "listen" | "connect";
  host: string;
  port: number;
}

/** JavaScript's own error types: seeing one means a bug, so the line says so. */
const INTERNAL_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError];

/**
 * A one-line, human-readable reason for a failure: users get "cannot listen on 0.0.0.0:5000:
 * address already in use", never a stack trace.
 */
export function describeFailure(error: unknown, target?: FailureTarget): string {
  if (!(error instanceof Error)) return firstLine(String(error));
  const reason = firstLine(error.message) || error.name;
  if (target?.action === "listen" && error instanceof Deno.errors.AddrInUse) {
    return `cannot listen on ${address(target)}: address already in use`;
  }
  if (target?.action === "listen" && error instanceof Deno.errors.AddrNotAvailable) {
    return `cannot listen on ${address(target)}: address not available`;
  }
  if (target?.action === "connect" && error instanceof Deno.errors.ConnectionRefused) {
    return `cannot connect to ${address(target)}: connection refused`;
  }
  if (INTERNAL_ERRORS.some((type) => error.constructor === type)) {
    return `internal error: ${error.name}: ${reason}`;
  }
  return reason;
}

function address(target: FailureTarget): string {
  return target.host.includes(":")
    ? `[${target.host}]:${target.port}`
    : `${target.host}:${target.port}`;
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0].trim();
}
