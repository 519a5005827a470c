/**
 * The `--redis` address: `redis://HOST:PORT[/DB]`, checked before anything connects, so a typo is
 * a usage error instead of a confusing connection failure.
 * @module
 */

/** Where the cluster's Redis is. */
export interface RedisAddress {
  /** Host name or IP address (IPv6 without brackets). */
  readonly host: string;
  /** TCP port (default 6379). */
  readonly port: number;
  /** Database number (default 0). */
  readonly db: number;
  /** The address as `redis://host:port/db`, for messages and the client. */
  readonly url: string;
}

/** The `--redis` value is not a `redis://HOST:PORT[/DB]` address. */
export class RedisUrlError extends Error {
  constructor(text: string, reason: string) {
    super(`invalid Redis address '${text}': ${reason} (expected redis://HOST:PORT[/DB])`);
    this.name = "RedisUrlError";
  }
}

/** The port Redis listens on unless told otherwise. */
export const DEFAULT_REDIS_PORT = 6379;

/** Parses and checks a `redis://HOST:PORT[/DB]` address; throws RedisUrlError. */
export function parseRedisUrl(text: string): RedisAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisUrlError(text, "not a URL");
  }
  if (url.protocol !== "redis:") {
    throw new RedisUrlError(text, `scheme must be redis:, not ${url.protocol}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new RedisUrlError(text, "credentials are not supported");
  }
  if (url.search !== "" || url.hash !== "") {
    throw new RedisUrlError(text, "no query or fragment allowed");
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new RedisUrlError(text, "missing host");
  const port = url.port === "" ? DEFAULT_REDIS_PORT : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RedisUrlError(text, "port must be 1-65535");
  }
  const path = url.pathname;
  let db = 0;
  if (path !== "" && path !== "/") {
    const digits = path.slice(1);
    if (!/^\d{1,5}$/.test(digits)) {
      throw new RedisUrlError(text, "the database must be a number");
    }
    db = Number(digits);
  }
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return { host, port, db, url: `redis://${shownHost}:${port}/${db}` };
}
