/**
 * The server's TLS pair: reading the certificate and key files and checking that they can be
 * served, with one clear error for each way that can fail. The handshake itself runs on each
 * accepted connection inside its session (transport/tls_socket.ts), so a client that fails or
 * stalls it costs only its own connection, bounded by the login timeout, never the accept loop.
 * @module
 */

import { describeListenFailure, listenAddress, ListenError } from "./listener.ts";

/** A certificate or key file is missing, unreadable or not usable PEM; the server cannot start. */
export class TlsConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TlsConfigError";
  }
}

/** Which file of the pair a problem is about, in messages. */
type PemRole = "certificate" | "key";

/** Reads a PEM file, or throws a TlsConfigError naming the file and the reason. */
export function readPemFile(path: string, role: PemRole): string {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    throw new TlsConfigError(`cannot read TLS ${role} file '${path}': ${fileFailure(error)}`, {
      cause: error,
    });
  }
  const marker = role === "certificate" ? "-----BEGIN CERTIFICATE-----" : "PRIVATE KEY-----";
  if (!text.includes(marker)) {
    throw new TlsConfigError(`TLS ${role} file '${path}' holds no PEM ${role}`);
  }
  return text;
}

/**
 * Both halves of the TLS pair, or neither: one without the other is a mistake, reported before
 * any file is read.
 */
export function tlsFilesOf(
  options: { tlsCert?: string; tlsKey?: string },
): { certFile: string; keyFile: string } | null {
  const { tlsCert, tlsKey } = options;
  if (tlsCert === undefined && tlsKey === undefined) return null;
  if (tlsCert === undefined) throw new TlsConfigError("a TLS key needs a certificate too");
  if (tlsKey === undefined) throw new TlsConfigError("a TLS certificate needs a key too");
  return { certFile: tlsCert, keyFile: tlsKey };
}

/** A certificate and key read from their files, ready to listen with. */
export interface TlsPair {
  /** The certificate chain's PEM text. */
  readonly cert: string;
  /** The key's PEM text. */
  readonly key: string;
  /** Where they came from, for messages. */
  readonly certFile: string;
  /** Where the key came from. */
  readonly keyFile: string;
}

/** Reads both files of the pair; throws TlsConfigError naming the file and the reason. */
export function readTlsPair(certFile: string, keyFile: string): TlsPair {
  return {
    cert: readPemFile(certFile, "certificate"),
    key: readPemFile(keyFile, "key"),
    certFile,
    keyFile,
  };
}

/**
 * Checks that `pair` can be served (the certificate parses, the key matches it) by binding a
 * throwaway TLS listener on `hostname`, port 0: at start, and before a reload touches the
 * listeners in use. Throws TlsConfigError.
 */
export function checkTlsPair(hostname: string, pair: TlsPair): void {
  bindTls(hostname, 0, pair).close();
}

/** How long a reload keeps trying to bind the port its old listener has just released. */
export const REBIND_LIMIT_MS = 500;

/**
 * Binds again on an address a listener of this process is releasing: `bind` is retried for up to
 * {@link REBIND_LIMIT_MS} while it throws ListenError (the port not yet released). Deno fixes a
 * TLS listener's certificate when it binds, and two listeners share a port only with an unstable
 * flag, so a reload closes the old listener, waits for it to let go of the port (well under a
 * millisecond, usually) and binds the new one. Throws ListenError when the port stays taken, and
 * whatever else `bind` throws at once.
 */
export async function rebind<T>(bind: () => T, sleep: (ms: number) => Promise<void>): Promise<T> {
  const deadline = performance.now() + REBIND_LIMIT_MS;
  for (;;) {
    try {
      return bind();
    } catch (error) {
      if (!(error instanceof ListenError) || performance.now() >= deadline) throw error;
    }
    await sleep(1);
  }
}

function bindTls(hostname: string, port: number, pair: TlsPair): Deno.TlsListener {
  const address = listenAddress(hostname, port);
  try {
    return Deno.listenTls({ hostname, port, transport: "tcp", cert: pair.cert, key: pair.key });
  } catch (error) {
    if (isAddressFailure(error)) {
      throw new ListenError(address, describeListenFailure(error), { cause: error });
    }
    throw new TlsConfigError(
      `cannot use TLS certificate '${pair.certFile}' with key '${pair.keyFile}': ${
        describeListenFailure(error)
      }`,
      { cause: error },
    );
  }
}

/** Binding failed for the address (in use, not available, not permitted), not the files. */
export function isAddressFailure(error: unknown): boolean {
  return error instanceof Deno.errors.AddrInUse ||
    error instanceof Deno.errors.AddrNotAvailable ||
    error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.NotCapable;
}

function fileFailure(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "is a directory";
  if (error instanceof Deno.errors.NotCapable) return "read access not granted (--allow-read)";
  if (error instanceof Deno.errors.InvalidData) return "not UTF-8 text";
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\(os error \d+\)$/, "").replace(/^./, (c) => c.toLowerCase());
}
