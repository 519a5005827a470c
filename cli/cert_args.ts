/**
 * The command line of `chat cert`.
 * @module
 */

import {
  type OptionSpec,
  type Parsed,
  parseIntegerOption,
  parseStrict,
  UsageError,
} from "./usage.ts";
import { type CertOptions, DEFAULT_CERT_OPTIONS } from "../cert/run.ts";

/** What `chat cert --help` prints. */
export const CERT_USAGE = `Usage: chat cert [HOST...] [options]

Makes a self-signed TLS certificate and its private key for a chat server, and prints the
certificate's SHA-256 fingerprint. The certificate is a server (leaf) certificate, valid for
every HOST given (names and IP addresses; default: localhost, 127.0.0.1 and ::1). Then:
  chat server --tls-cert cert.pem --tls-key key.pem
  chat client --tls --ca cert.pem HOST PORT NAME

Options:
  --cert FILE            where to write the certificate (default cert.pem)
  --key FILE             where to write the private key, readable only by you (default key.pem)
  --days N               how many days it is valid, 1-36500 (default 365)
  --force                replace the files if they exist
  -h, --help             show this text`;

const OPTIONS: OptionSpec = {
  cert: { type: "string" },
  key: { type: "string" },
  days: { type: "string" },
  force: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

/** Parses `chat cert` arguments; mistakes are UsageErrors. */
export function parseCertArgs(args: string[]): Parsed<CertOptions> {
  const { values, positionals } = parseStrict(args, OPTIONS, CERT_USAGE);
  if (values.help === true) return { kind: "help" };
  const certFile = typeof values.cert === "string" ? values.cert : DEFAULT_CERT_OPTIONS.certFile;
  const keyFile = typeof values.key === "string" ? values.key : DEFAULT_CERT_OPTIONS.keyFile;
  if (certFile === "" || keyFile === "") {
    throw new UsageError("--cert and --key must not be empty", CERT_USAGE);
  }
  if (certFile === keyFile) {
    throw new UsageError(`--cert and --key are the same file '${certFile}'`, CERT_USAGE);
  }
  const days = typeof values.days === "string"
    ? parseIntegerOption("days", values.days, { min: 1, max: 36_500 }, CERT_USAGE)
    : DEFAULT_CERT_OPTIONS.days;
  const hosts = positionals.length > 0 ? positionals : DEFAULT_CERT_OPTIONS.hosts;
  return {
    kind: "run",
    options: { hosts, certFile, keyFile, days, force: values.force === true },
  };
}
