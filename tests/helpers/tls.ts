/**
 * A throwaway certificate authority and server certificate, made with openssl at test time in a
 * temporary directory, so no key material lives in the repository. Tests skip, with the reason
 * printed, where openssl cannot make them (see {@link certificatesUnavailable}).
 * @module
 */

import { commandUnavailable, isLinux } from "./platform.ts";

/** Paths and PEM texts of a freshly generated CA and a server certificate it signed. */
export interface TestCertificates {
  /** The temporary directory holding every file; removed by {@link TestCertificates.remove}. */
  dir: string;
  /** The CA certificate (PEM file) a client passes as `--ca`. */
  caFile: string;
  /** The server certificate chain (PEM file) for `--tls-cert`. */
  certFile: string;
  /** The server's private key (PEM file) for `--tls-key`. */
  keyFile: string;
  /** The CA certificate's text. */
  caPem: string;
  /** The server certificate's text. */
  certPem: string;
  /** The server key's text. */
  keyPem: string;
  /** Deletes the directory and everything in it. */
  remove(): Promise<void>;
}

/** openssl failed: its stderr says why (not installed, bad arguments). */
export class OpensslError extends Error {
  constructor(args: string[], stderr: string) {
    super(`openssl ${args.slice(0, 2).join(" ")} failed: ${stderr.trim().split("\n")[0]}`);
    this.name = "OpensslError";
  }
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const output = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!output.success) throw new OpensslError(args, new TextDecoder().decode(output.stderr));
}

/**
 * Generates a CA (EC P-256, valid one day) and a server certificate for `localhost` and
 * 127.0.0.1 signed by it. `commonName` lets a test make a second, unrelated CA.
 */
export async function makeTestCertificates(commonName = "chat test CA"): Promise<TestCertificates> {
  const dir = await Deno.makeTempDir({ prefix: "chat-tls-" });
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await openssl([
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "1",
      "-subj",
      `/CN=${commonName}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ], dir);
    await openssl(
      [
        "req",
        "-new",
        ...ec,
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
      ],
      dir,
    );
    await Deno.writeTextFile(
      `${dir}/server.ext`,
      "subjectAltName=DNS:localhost,IP:127.0.0.1\n" +
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    await openssl([
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "1",
      "-extfile",
      "server.ext",
    ], dir);
    const caFile = `${dir}/ca.pem`;
    const certFile = `${dir}/server.pem`;
    const keyFile = `${dir}/server.key`;
    return {
      dir,
      caFile,
      certFile,
      keyFile,
      caPem: await Deno.readTextFile(caFile),
      certPem: await Deno.readTextFile(certFile),
      keyPem: await Deno.readTextFile(keyFile),
      remove: () => Deno.remove(dir, { recursive: true }),
    };
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
}

/**
 * Null when test certificates can be made here, otherwise why not. No openssl skips on any OS.
 * Off Linux an openssl that cannot make them (an old LibreSSL, no config file on Windows) skips
 * too; on Linux, where CI installs a known openssl, that stays a failure to look at.
 */
export async function certificatesUnavailable(): Promise<string | null> {
  const missing = await commandUnavailable("openssl", ["version"]);
  if (missing !== null || isLinux) return missing;
  try {
    const probe = await makeTestCertificates("chat probe CA");
    await probe.remove();
    return null;
  } catch (error) {
    if (error instanceof OpensslError) return error.message;
    throw error;
  }
}

/** A self-signed server certificate and its key in a temporary directory. */
export interface SelfSignedFiles {
  dir: string;
  /** The certificate: both the server's `--tls-cert` and the client's `--ca`. */
  certFile: string;
  keyFile: string;
  remove(): Promise<void>;
}

/**
 * A self-signed certificate made the way people usually do with openssl: one `openssl req -x509`
 * for `localhost` and 127.0.0.1. `leaf: false` is the plain command, whose certificate is marked
 * CA:TRUE (TLS refuses it as a server certificate); `leaf: true` adds README's
 * `-addext basicConstraints=critical,CA:FALSE`, which makes it usable.
 */
export async function makeOpensslSelfSigned(
  options: { leaf: boolean; rsa?: boolean; host?: string },
): Promise<SelfSignedFiles> {
  const dir = await Deno.makeTempDir({ prefix: "chat-selfsigned-" });
  const host = options.host ?? "localhost";
  try {
    await openssl([
      "req",
      "-x509",
      ...(options.rsa === true
        ? ["-newkey", "rsa:2048"]
        : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]),
      "-nodes",
      "-keyout",
      "key.pem",
      "-out",
      "cert.pem",
      "-days",
      "1",
      "-subj",
      `/CN=${host}`,
      "-addext",
      `subjectAltName=DNS:${host},IP:127.0.0.1`,
      ...(options.leaf ? ["-addext", "basicConstraints=critical,CA:FALSE"] : []),
    ], dir);
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  return {
    dir,
    certFile: `${dir}/cert.pem`,
    keyFile: `${dir}/key.pem`,
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}

/** The SHA-256 fingerprint openssl computes for a certificate file (`AB:CD:...`). */
export async function opensslFingerprint(certFile: string): Promise<string> {
  const output = await new Deno.Command("openssl", {
    args: ["x509", "-in", certFile, "-noout", "-fingerprint", "-sha256"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new OpensslError(["x509", "-fingerprint"], new TextDecoder().decode(output.stderr));
  }
  return new TextDecoder().decode(output.stdout).trim().replace(/^.*Fingerprint=/i, "");
}
