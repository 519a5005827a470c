/**
 * The client's TLS: connecting with certificate verification (the system's roots plus an
 * optional CA file for self-signed setups; there is deliberately no way to skip verification),
 * a bounded handshake, and one clear line for each way it can fail, including talking TLS to a
 * plaintext server and plaintext to a TLS server.
 * @module
 */

/** TLS settings for a connection; their presence means "use TLS". */
export interface ClientTls {
  /** A PEM file of CA certificates trusted in addition to the system's (`--ca FILE`). */
  caFile?: string;
  /**
   * How long the TLS handshake may take before giving up. Default: 10000 ms when no signal
   * bounds the connect; `ChatConnection` passes its connect timeout's signal instead, so one
   * deadline covers the TCP connect, the handshake and the login.
   */
  handshakeTimeoutMs?: number;
}

/** The default bound on the client's TLS handshake. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** The CA file cannot be used: missing, unreadable, or holding no certificate. */
export class TlsSetupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TlsSetupError";
  }
}

/** The TLS handshake failed or timed out; the message says why and what to try. */
export class TlsHandshakeError extends Error {
  /** True when the caller's signal ended the handshake (its connect deadline passed). */
  readonly aborted: boolean;
  constructor(message: string, options?: ErrorOptions & { aborted?: boolean }) {
    super(message, options);
    this.name = "TlsHandshakeError";
    this.aborted = options?.aborted ?? false;
  }
}

/**
 * Reads the CA file (if any) and returns the extra trusted certificates, so a bad `--ca` is
 * reported once at start-up instead of at every (re)connect.
 */
export function readCaCerts(tls: ClientTls): string[] {
  if (tls.caFile === undefined) return [];
  let text: string;
  try {
    text = Deno.readTextFileSync(tls.caFile);
  } catch (error) {
    throw new TlsSetupError(`cannot read CA file '${tls.caFile}': ${fileFailure(error)}`, {
      cause: error,
    });
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new TlsSetupError(`CA file '${tls.caFile}' holds no PEM certificate`);
  }
  return [text];
}

/**
 * Opens a TLS connection and completes the handshake within the timeout, so that a server that
 * does not speak TLS, or a certificate that does not verify, is reported here as a
 * TlsHandshakeError instead of surfacing later as a broken read. Other failures (refused,
 * unreachable) are thrown as the runtime reports them.
 *
 * `signal` abandons the attempt: during the TCP connect it rejects with the signal's reason (as
 * `Deno.connect` does), during the handshake with a TlsHandshakeError whose `aborted` is true.
 * The TCP connect is made with `Deno.connect` and upgraded with `Deno.startTls` because
 * `Deno.connectTls` takes no AbortSignal (Deno 2.9), and a connect to a host that drops SYNs
 * would otherwise hold the caller for the OS's retry time.
 */
export async function connectTls(
  host: string,
  port: number,
  tls: ClientTls,
  signal?: AbortSignal,
): Promise<Deno.TlsConn> {
  const caCerts = readCaCerts(tls);
  const tcp = await Deno.connect({ hostname: host, port, signal });
  let conn: Deno.TlsConn;
  try {
    conn = await Deno.startTls(tcp, { hostname: host, caCerts });
  } catch (error) {
    closeQuietly(tcp);
    throw new TlsHandshakeError(describeHandshakeFailure(error, { host, caFile: tls.caFile }), {
      cause: error,
    });
  }
  const timeoutMs = tls.handshakeTimeoutMs ??
    (signal === undefined ? TLS_HANDSHAKE_TIMEOUT_MS : undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<TlsHandshakeError>((resolve) => {
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        resolve(
          new TlsHandshakeError(
            `TLS handshake timed out after ${timeoutMs / 1000} s (is the server using TLS?)`,
          ),
        );
      }, timeoutMs);
    }
    if (signal !== undefined) {
      onAbort = () => {
        resolve(
          new TlsHandshakeError("TLS handshake abandoned (is the server using TLS?)", {
            aborted: true,
          }),
        );
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
  });
  const handshake = conn.handshake();
  try {
    const outcome = await Promise.race([handshake, stopped]);
    if (outcome instanceof TlsHandshakeError) throw outcome;
    return conn;
  } catch (error) {
    closeQuietly(conn);
    // The abandoned handshake fails once the socket is closed; nobody waits for it.
    handshake.catch(() => {});
    if (error instanceof TlsHandshakeError) throw error;
    throw new TlsHandshakeError(describeHandshakeFailure(error, { host, caFile: tls.caFile }), {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

/** What a handshake failure's description may name: the host verified and the `--ca` file. */
export interface HandshakeContext {
  host?: string;
  caFile?: string;
}

/**
 * One line for a failed handshake, in words, with what the user can do about it. The TLS
 * library's own name for a certificate problem is kept in parentheses (CaUsedAsEndEntity,
 * UnknownIssuer, ...), so it can be searched for, but never its raw debug text.
 */
export function describeHandshakeFailure(error: unknown, context: HandshakeContext = {}): string {
  const text = error instanceof Error ? error.message : String(error);
  const failed = "TLS handshake failed: ";
  const certificate = describeCertificateProblem(text, context);
  if (certificate !== undefined) return failed + certificate;
  if (/corrupt message|InvalidContentType|wrong version|record overflow/i.test(text)) {
    return failed + "the server did not answer with TLS " +
      "(is it a plaintext server? connect without --tls)";
  }
  if (error instanceof Deno.errors.UnexpectedEof || /eof|reset|closed/i.test(text)) {
    return `${failed}the server closed the connection (${firstLine(text)}; ` +
      "is it a plaintext server? connect without --tls)";
  }
  return failed + firstLine(text);
}

/** The certificate problems a user meets with a self-signed setup, each with its fix. */
function describeCertificateProblem(text: string, context: HandshakeContext): string | undefined {
  const host = context.host ?? "the host";
  const ca = context.caFile === undefined ? undefined : `'${context.caFile}'`;
  if (/CaUsedAsEndEntity/.test(text)) {
    return "the server's certificate is a CA certificate (CA:TRUE) used as the server's own " +
      "certificate, which TLS refuses (CaUsedAsEndEntity); make a leaf certificate with " +
      "'chat cert' or openssl's '-addext basicConstraints=critical,CA:FALSE' (see README)";
  }
  if (/NotValidForName|not valid for name/.test(text)) {
    return `the server's certificate is not valid for the name '${host}' (NotValidForName); ` +
      "connect with a name the certificate lists, or make one for this name: " +
      `chat cert ${host}`;
  }
  if (/UnknownIssuer/.test(text)) {
    return ca === undefined
      ? "the server's certificate is signed by an authority this machine does not trust " +
        "(UnknownIssuer); for a self-signed server pass its certificate (or its CA's) with " +
        "--ca FILE"
      : `the server's certificate is not signed by the CA in ${ca} (UnknownIssuer); pass ` +
        "the server's own certificate (self-signed) or the CA that signed it with --ca FILE";
  }
  if (/UnsupportedSignatureAlgorithm|BadSignature|InvalidSignature/.test(text)) {
    return `the server's certificate was not signed by the CA in ${ca ?? "--ca"} ` +
      "(its signature does not match that CA's key); pass the server's own certificate " +
      "(self-signed) or the CA that signed it with --ca FILE";
  }
  if (/NotValidYet/.test(text)) {
    return "the server's certificate is not valid yet (NotValidYet); check this machine's clock";
  }
  if (/Expired/.test(text)) {
    return "the server's certificate has expired (Expired); renew it (chat cert) or check " +
      "this machine's clock";
  }
  if (/certificate/i.test(text)) {
    return `the server's certificate was refused (${firstLine(text)}); for a self-signed ` +
      "server pass its certificate with --ca FILE";
  }
  return undefined;
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0];
}

/**
 * True when the first bytes a plaintext client receives are a TLS record header (an alert or a
 * handshake, version 3.x): the server speaks TLS. No valid frame starts this way, since its
 * username length would be over 5,000 bytes.
 */
export function looksLikeTls(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && (bytes[0] === 0x15 || bytes[0] === 0x16) && bytes[1] === 0x03;
}

/** What a plaintext client says when the server answered with TLS. */
export const PLAINTEXT_TO_TLS_MESSAGE =
  "the server speaks TLS: connect with --tls (and --ca FILE for a self-signed certificate)";

function fileFailure(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotCapable) return "read access not granted (--allow-read)";
  if (error instanceof Deno.errors.IsADirectory) return "is a directory";
  if (error instanceof Deno.errors.InvalidData) return "not UTF-8 text";
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\(os error \d+\)$/, "").replace(/^./, (c) => c.toLowerCase());
}
