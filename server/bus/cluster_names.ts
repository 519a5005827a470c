/**
 * Instance ids and cluster room names end up inside Redis key names and console lines, so they
 * are kept to a small, printable alphabet.
 * @module
 */

/** Letters, digits, `.`, `_` and `-`; 1 to 64 of them. */
export const CLUSTER_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** An instance id or cluster room name outside CLUSTER_NAME_PATTERN. */
export class ClusterNameError extends Error {
  constructor(what: string, value: string) {
    super(`invalid ${what} '${value}': use 1-64 letters, digits, '.', '_' or '-'`);
    this.name = "ClusterNameError";
  }
}

/** Returns `value` if it is a valid instance id or room name; throws ClusterNameError. */
export function checkClusterName(what: "instance id" | "cluster room", value: string): string {
  if (!CLUSTER_NAME_PATTERN.test(value)) throw new ClusterNameError(what, value);
  return value;
}
