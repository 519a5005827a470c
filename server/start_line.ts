/**
 * The server's start line, `chat server listening on 0.0.0.0:5000 (tcp), 0.0.0.0:8080 (web)`:
 * written once every listener is bound, and read by the programs that start a server and need
 * its ports (scripts, the benchmark, tests). `ServerConsole.started` writes it.
 * @module
 */

/** The words before the listeners. */
export const START_LINE_PREFIX = "chat server listening on ";

/** One listener as the start line names it. */
export interface ListenerAddress {
  /** What it speaks: `tcp`, `tls`, `web`, ... */
  readonly kind: string;
  /** The host as printed (an IPv6 host without its brackets). */
  readonly hostname: string;
  /** The bound port. */
  readonly port: number;
}

const LISTENER = /^\[?([^\]\s]*?)\]?:(\d+) \(([a-z0-9-]+)\)$/;

/**
 * The listeners named by a start line, the main one first; null when `line` is not a start
 * line.
 */
export function parseStartLine(line: string): ListenerAddress[] | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith(START_LINE_PREFIX)) return null;
  const listeners: ListenerAddress[] = [];
  for (const part of trimmed.slice(START_LINE_PREFIX.length).split(", ")) {
    const match = LISTENER.exec(part);
    if (match === null) return null;
    listeners.push({ hostname: match[1], port: Number(match[2]), kind: match[3] });
  }
  return listeners;
}
