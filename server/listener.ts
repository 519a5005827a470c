/**
 * Binding and accepting: the accept loop that never dies while the server runs.
 * @module
 */

/** Binding failed: port in use, permission denied, no such address. */
export class ListenError extends Error {
  /** The address that could not be bound, `host:port`. */
  readonly address: string;
  /** What went wrong, in lower case, without the OS error number. */
  readonly reason: string;
  constructor(address: string, reason: string, options?: ErrorOptions) {
    super(`cannot listen on ${address}: ${reason}`, options);
    this.name = "ListenError";
    this.address = address;
    this.reason = reason;
  }
}

/** `host:port` for messages, with brackets around an IPv6 host. */
export function listenAddress(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/** Binds a TCP listener, turning the runtime's errors into one clear ListenError. */
export function listenTcp(hostname: string, port: number): Deno.TcpListener {
  const address = listenAddress(hostname, port);
  try {
    return Deno.listen({ hostname, port, transport: "tcp" });
  } catch (error) {
    throw new ListenError(address, describeListenFailure(error), { cause: error });
  }
}

/** A short, lower-case description of why binding failed. */
export function describeListenFailure(error: unknown): string {
  if (error instanceof Deno.errors.AddrInUse) return "address already in use";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.AddrNotAvailable) return "address not available";
  if (error instanceof Deno.errors.NotCapable) return "network access not granted (--allow-net)";
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\(os error \d+\)$/, "").replace(/^./, (c) => c.toLowerCase());
}

/** What the accept loop does with each connection and each failure. */
export interface AcceptHandlers<C extends { close(): void } = Deno.TcpConn> {
  /** A new connection; must not throw and must not block the loop. */
  onConnection(conn: C): void;
  /** accept() failed but the listener is still open: logged, and the loop goes on. */
  onAcceptError(error: unknown): void;
  /** Waits before accepting again after an error (so a persistent failure cannot spin). */
  pause(ms: number): Promise<void>;
}

/** Pause after an accept() failure that is not a peer's reset (e.g. out of file handles). */
export const ACCEPT_ERROR_PAUSE_MS = 50;
/** The pause doubles while accept() keeps failing (EMFILE lasts), up to this. */
export const ACCEPT_ERROR_MAX_PAUSE_MS = 1000;

/**
 * Accepts until the listener is closed. accept() can throw for one bad connection (a peer that
 * reset before it was accepted gives NotConnected or ConnectionReset): those are reported and
 * the loop goes on; only a closed listener ends it.
 */
export async function acceptLoop<C extends { close(): void }>(
  listener: { accept(): Promise<C> },
  isClosing: () => boolean,
  handlers: AcceptHandlers<C>,
): Promise<void> {
  let pauseMs = ACCEPT_ERROR_PAUSE_MS;
  while (!isClosing()) {
    let conn: C;
    try {
      conn = await listener.accept();
    } catch (error) {
      if (isClosing() || error instanceof Deno.errors.BadResource) return;
      handlers.onAcceptError(error);
      if (!isPeerFault(error)) {
        await handlers.pause(pauseMs);
        pauseMs = Math.min(pauseMs * 2, ACCEPT_ERROR_MAX_PAUSE_MS);
      }
      continue;
    }
    pauseMs = ACCEPT_ERROR_PAUSE_MS;
    if (isClosing()) {
      try {
        conn.close();
      } catch {
        // The peer is gone already.
      }
      return;
    }
    try {
      handlers.onConnection(conn);
    } catch (error) {
      // A bug in serving one connection must not stop the server from accepting the next.
      handlers.onAcceptError(error);
      try {
        conn.close();
      } catch {
        // Already closed by the handler.
      }
    }
  }
}

function isPeerFault(error: unknown): boolean {
  return error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted;
}
