/**
 * The client's settings.
 * @module
 */

/** Everything `chat client` can be told; the CLI fills it, tests build it directly. */
export interface ClientOptions {
  /** Server host (default 127.0.0.1). */
  host: string;
  /** Server port (default 5000). */
  port: number;
  /** The name to log in with; undefined means ask on a terminal (a usage error otherwise). */
  name: string | undefined;
}

/** Defaults for the client's connection. */
export const DEFAULT_CLIENT_OPTIONS: Readonly<ClientOptions> = {
  host: "127.0.0.1",
  port: 5000,
  name: undefined,
};
