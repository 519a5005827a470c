/**
 * Readiness: whether a load balancer should send this instance new clients. Any part of the
 * server may add a check (the shutdown adds one, a cluster bus another); the instance is ready
 * when none of them names a reason not to be.
 * @module
 */

/** Null when fine, otherwise why this instance should get no new clients now. */
export type ReadinessCheck = () => string | null;

/** The set of readiness checks `/readyz` asks. */
export class Readiness {
  readonly #checks = new Set<ReadinessCheck>();

  /** Adds a check; the returned function removes it. */
  add(check: ReadinessCheck): () => void {
    this.#checks.add(check);
    return () => this.#checks.delete(check);
  }

  /** Null when ready, otherwise the reasons, joined. */
  notReady(): string | null {
    const reasons: string[] = [];
    for (const check of this.#checks) {
      const reason = check();
      if (reason !== null) reasons.push(reason);
    }
    return reasons.length === 0 ? null : reasons.join("; ");
  }
}
