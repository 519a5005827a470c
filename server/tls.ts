/**
 * The server's TLS: reading the certificate and key files and binding a TLS listener, with one
 * clear error for each way that can fail. The handshake itself happens lazily on a connection's
 * first read or write, inside its session, so a client that fails or stalls the handshake costs
 * only its own connection (bounded by the login timeout), never the accept loop.
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
  const cert = readPemFile(certFile, "certificate");
  const key = readPemFile(keyFile, "key");
  const address = listenAddress(hostname, port);
  try {
    return Deno.listenTls({ hostname, port, transport: "tcp", cert, key });
  } catch (error) {
    if (isAddressFailure(error)) {
      throw new ListenError(address, describeListenFailure(error), { cause: error });
    }
    throw new TlsConfigError(
      `cannot use TLS certificate '${certFile}' with key '${keyFile}': ${
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
