/**
 * The server's TLS: reading the certificate and key files and binding a TLS listener, with one
 * clear error for each way that can fail. The handshake itself happens lazily on a connection's
 * first read or write, inside its session, so a client that fails or stalls the handshake costs
 * only its own connection (bounded by the login timeout), never the accept loop.
 * @module
 */

import { describeListenFailure, ListenError } from "./listener.ts";

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
 * Reads the certificate and key and binds a TLS listener. Throws TlsConfigError for the files
 * (missing, unreadable, not PEM, key not matching) and ListenError for the address.
 */
export function listenTlsFiles(
  hostname: string,
  port: number,
  certFile: string,
  keyFile: string,
): Deno.TlsListener {
  return listenTlsPair(hostname, port, readTlsPair(certFile, keyFile));
}

/** Binds a TLS listener with a pair already read; the errors of {@link listenTlsFiles}. */
export function listenTlsPair(hostname: string, port: number, pair: TlsPair): Deno.TlsListener {
  return bindTls(hostname, port, pair);
}

/**
 * How a {@link rebindTls} went: the new listener; or the error, with the old pair bound again
 * (or, if even that failed, nothing listening).
 */
export type TlsRebind =
  | { ok: true; listener: Deno.TlsListener }
  | { ok: false; listener: Deno.TlsListener | null; error: Error };

/**
 * Replaces `current` with a listener on the same address that uses `pair`; the connections
 * `current` accepted carry on with the certificate they have. Deno fixes a TLS listener's
 * certificate when it binds, and two listeners can share a port only with an unstable flag, so
 * the new pair is first checked on a throwaway listener (port 0: a pair Deno refuses throws
 * TlsConfigError here and `current` stays), then `current` is closed and the new one bound in
 * the same synchronous step, leaving no turn of the event loop without a listener. Should that
 * bind fail, `previous` is bound again, so the server keeps listening with its old certificate;
 * only if that fails too does nothing listen.
 */
export function rebindTls(
  current: Deno.TlsListener,
  pair: TlsPair,
  previous: TlsPair,
): TlsRebind {
  const { hostname, port } = current.addr;
  bindTls(hostname, 0, pair).close();
  current.close();
  try {
    return { ok: true, listener: bindTls(hostname, port, pair) };
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    try {
      return { ok: false, listener: bindTls(hostname, port, previous), error: failure };
    } catch {
      return { ok: false, listener: null, error: failure };
    }
  }
}

function bindTls(hostname: string, port: number, pair: TlsPair): Deno.TlsListener {
  const address = hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
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

function isAddressFailure(error: unknown): boolean {
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
