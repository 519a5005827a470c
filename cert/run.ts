/**
 * `chat cert`: writes a fresh self-signed certificate and key (see `self_signed.ts`) and says
 * how to use them. Existing files are never overwritten without `--force`, and the key file is
 * created readable by its owner only.
 * @module
 */

import { CertificateHostError, makeSelfSigned } from "./self_signed.ts";

/** What `chat cert` was told. */
export interface CertOptions {
  /** Host names and addresses the certificate is for (the first is its common name). */
  hosts: readonly string[];
  /** The certificate's file. */
  certFile: string;
  /** The private key's file. */
  keyFile: string;
  /** Days of validity. */
  days: number;
  /** Replace existing files. */
  force: boolean;
}

/** The defaults: a certificate for this machine's loopback names, valid a year. */
export const DEFAULT_CERT_OPTIONS: Readonly<CertOptions> = {
  hosts: ["localhost", "127.0.0.1", "::1"],
  certFile: "cert.pem",
  keyFile: "key.pem",
  days: 365,
  force: false,
};

/** The files cannot be written (one exists, or the folder is not writable). */
export class CertFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CertFileError";
  }
}

export { CertificateHostError };

/** Makes and writes the pair; returns the lines to print (files, fingerprint, how to use). */
export async function runCert(options: CertOptions): Promise<string[]> {
  const made = await makeSelfSigned({ hosts: options.hosts, days: options.days });
  if (!options.force) {
    for (const file of [options.certFile, options.keyFile]) {
      if (await exists(file)) {
        throw new CertFileError(`'${file}' already exists; pass --force to replace it`);
      }
    }
  }
  await write(options.keyFile, made.keyPem, 0o600);
  await write(options.certFile, made.certPem, 0o644);
  const until = made.notAfter.toISOString().slice(0, 10);
  return [
    `wrote ${options.certFile} (certificate for ${options.hosts.join(", ")}, valid until ${until})`,
    `wrote ${options.keyFile} (its private key: keep it secret)`,
    `SHA-256 fingerprint: ${made.fingerprint}`,
    `serve:   chat server --tls-cert ${options.certFile} --tls-key ${options.keyFile}`,
    `connect: chat client --tls --ca ${options.certFile} ${target(options.hosts[0])} NAME`,
  ];
}

/** The host as `chat client`'s first argument, with the default port. */
function target(host: string): string {
  return host.includes(":") ? `[${host}]:5000` : `${host}:5000`;
}

async function exists(file: string): Promise<boolean> {
  try {
    await Deno.lstat(file);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw new CertFileError(`cannot check '${file}': ${describe(error)}`, { cause: error });
  }
}

async function write(file: string, text: string, mode: number): Promise<void> {
  try {
    // The mode applies when the file is created; a replaced key file gets it too.
    await Deno.writeTextFile(file, text, { mode });
    if (Deno.build.os !== "windows") await Deno.chmod(file, mode);
  } catch (error) {
    throw new CertFileError(`cannot write '${file}': ${describe(error)}`, { cause: error });
  }
}

function describe(error: unknown): string {
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotCapable) return "write access not granted (--allow-write)";
  if (error instanceof Deno.errors.NotFound) return "no such folder";
  if (error instanceof Deno.errors.IsADirectory) return "is a directory";
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\(os error \d+\)$/, "");
}
