/**
 * Opening the socket for a client connection, TCP or TLS, within a deadline: a host that drops
 * SYNs or a port that never completes a TLS handshake costs the timeout, not the OS's two
 * minutes of SYN retries.
 * @module
 */

import { ConnectError, ConnectTimeoutError } from "./connection_errors.ts";
import { type ClientTls, connectTls, TlsHandshakeError } from "./tls.ts";

/** The default bound on connecting and logging in, in milliseconds. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** The longest timeout the runtime's timers can wait (2^31 - 1 ms). */
export const MAX_CONNECT_TIMEOUT_MS = 2_147_483_647;

/**
 * Connects to `host:port` (with TLS when `tls` is given) within `timeoutMs`. Throws
 * ConnectTimeoutError when the time runs out (naming the step: TCP connect or TLS handshake),
 * ConnectError for any other failure, and RangeError for a timeout out of range.
 */
export async function dial(
  host: string,
  port: number,
  tls: ClientTls | undefined,
  timeoutMs: number,
): Promise<Deno.TcpConn | Deno.TlsConn> {
  if (!(timeoutMs > 0 && timeoutMs <= MAX_CONNECT_TIMEOUT_MS)) {
    throw new RangeError(
      `connectTimeoutMs must be above 0 and at most ${MAX_CONNECT_TIMEOUT_MS}, got ${timeoutMs}`,
    );
  }
  // Deno.connect gives up on a pending connect when its signal aborts (checked on Linux with
  // a listener whose accept queue is full); connectTls passes the signal on the same way.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    return tls === undefined
      ? await Deno.connect({ hostname: host, port, signal: abort.signal })
      : await connectTls(host, port, tls, abort.signal);
  } catch (error) {
    if (!abort.signal.aborted) throw new ConnectError(host, port, error);
    const stage = error instanceof TlsHandshakeError ? "tls" : "connect";
    throw new ConnectTimeoutError(host, port, stage, timeoutMs, error);
  } finally {
    clearTimeout(timer);
  }
}
