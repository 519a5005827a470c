/**
 * A self-signed server certificate made with the WebCrypto API: an ECDSA P-256 key and an X.509
 * v3 leaf certificate (not a CA: `basicConstraints CA:FALSE`, key usage digitalSignature, extended
 * key usage serverAuth) naming the host(s) in its subjectAltName. Because it is its own issuer, a
 * client that trusts the file itself (`chat client --tls --ca cert.pem`) accepts it; because it is
 * not a CA certificate, TLS libraries do not refuse it as a CA used as an end entity.
 * @module
 */

import {
  bitString,
  boolean,
  context,
  namedBits,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from "./der.ts";

/** Object identifiers used in the certificate. */
const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  subjectKeyIdentifier: "2.5.29.14",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

/** What to make. */
export interface CertificateRequest {
  /** Host names and IP addresses the certificate is for; the first is also its common name. */
  hosts: readonly string[];
  /** How many days it is valid, from now. */
  days: number;
  /** The current time (injected by tests). */
  now?: Date;
}

/** A certificate and its key, as PEM texts, with what a user checks it by. */
export interface SelfSignedCertificate {
  /** The certificate, PEM (`-----BEGIN CERTIFICATE-----`). */
  certPem: string;
  /** The private key, PKCS #8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  keyPem: string;
  /** The certificate's DER bytes. */
  der: Uint8Array;
  /** SHA-256 of the DER, upper-case hex pairs joined by colons (as `openssl x509 -fingerprint
   * -sha256` prints it). */
  fingerprint: string;
  /** The last moment it is valid. */
  notAfter: Date;
}

/** A host that cannot go into a certificate. */
export class CertificateHostError extends Error {
  constructor(host: string, why: string) {
    super(`cannot make a certificate for '${host}': ${why}`);
    this.name = "CertificateHostError";
  }
}

/** Makes a fresh key pair and a self-signed leaf certificate for the hosts. */
export async function makeSelfSigned(request: CertificateRequest): Promise<SelfSignedCertificate> {
  if (request.hosts.length === 0) throw new RangeError("at least one host is needed");
  const altNames = request.hosts.map(generalName);
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  const now = request.now ?? new Date();
  // An hour of slack before now, for clocks that are a little behind.
  const notBefore = new Date(now.getTime() - 3600_000);
  const notAfter = new Date(now.getTime() + request.days * 86_400_000);
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] = (serial[0] & 0x7f) | 0x01; // positive and never zero
  const name = sequence(set(sequence(oid(OID.commonName), utf8String(request.hosts[0]))));
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const publicKeyBits = publicKeyOf(spki);
  const keyId = new Uint8Array(await crypto.subtle.digest("SHA-1", new Uint8Array(publicKeyBits)))
    .slice(0, 20);
  const extensions = sequence(
    extension(OID.basicConstraints, true, sequence()),
    extension(OID.keyUsage, true, namedBits([0])),
    extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
    extension(OID.subjectAltName, false, sequence(...altNames)),
    extension(OID.subjectKeyIdentifier, false, octetString(keyId)),
  );
  const tbs = sequence(
    context(0, true, smallInteger(2)),
    unsignedInteger(serial),
    algorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    spki,
    context(3, true, extensions),
  );
  const raw = new Uint8Array(
    await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" },
      keys.privateKey,
      new Uint8Array(tbs),
    ),
  );
  const der = sequence(tbs, algorithm, bitString(ecdsaSignatureDer(raw)));
  return {
    certPem: pem("CERTIFICATE", der),
    keyPem: pem("PRIVATE KEY", pkcs8),
    der,
    fingerprint: await fingerprintOf(der),
    notAfter,
  };
}

/** The SHA-256 fingerprint of DER bytes, `AB:CD:...`. */
export async function fingerprintOf(der: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der.slice()));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value));
}

/** A subjectAltName entry: `iPAddress [7]` for an address, `dNSName [2]` for a name. */
function generalName(host: string): Uint8Array {
  const address = ipBytes(host);
  if (address !== undefined) return context(7, false, address);
  if (
    !/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/
      .test(host)
  ) {
    throw new CertificateHostError(
      host,
      "not a host name (letters, digits, '-' and '.') or IP address",
    );
  }
  return context(2, false, new TextEncoder().encode(host.toLowerCase()));
}

/** The bytes of an IPv4 or IPv6 address, or undefined for anything else. */
export function ipBytes(text: string): Uint8Array | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4 !== null) {
    const parts = v4.slice(1).map(Number);
    return parts.every((p) => p <= 255) ? Uint8Array.from(parts) : undefined;
  }
  if (!text.includes(":") || !/^[0-9A-Fa-f:]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === "" ? [] : half.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (all.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** The subjectPublicKey bits inside an SPKI (the key identifier is their SHA-1). For P-256 the
 * SPKI is a fixed 91 bytes: 26 of header, then the 65-byte uncompressed point. */
function publicKeyOf(spki: Uint8Array): Uint8Array {
  return spki.slice(spki.length - 65);
}

/** WebCrypto's ECDSA signature is r || s; X.509 wants SEQUENCE { INTEGER r, INTEGER s }. */
function ecdsaSignatureDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  return sequence(unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half)));
}

function pem(label: string, der: Uint8Array): string {
  let binary = "";
  for (const byte of der) binary += String.fromCharCode(byte);
  const base64 = btoa(binary);
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
