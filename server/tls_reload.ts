/**
 * Reloading the TLS certificate and key of a running server (SIGHUP): the new pair is read and
 * checked, then each TLS listener (the main port, the IRC door, the web listener) is bound again
 * with it, so new connections get the new certificate. A pair that cannot be used leaves the old
 * one serving. One path for every listener: each one only says how it lets go of its port and
 * how it binds a pair (a {@link TlsListenerSlot}).
 * @module
 */

import type { Clock } from "./clock.ts";
import { listenAddress } from "./listener.ts";
import { checkTlsPair, readTlsPair, rebind, type TlsPair } from "./tls.ts";

/** A TLS listener as a reload sees it: where it listens, how it lets go, how it binds again. */
export interface TlsListenerSlot {
  /** Where it listens (the same address after a reload). */
  readonly address: Deno.NetAddr;
  /** True once the server is shutting down: no listener may be started then. */
  readonly closing: boolean;
  /** Stops accepting and resolves once the port is being released. */
  release(): Promise<void>;
  /**
   * Binds `pair` on {@link TlsListenerSlot.address} and accepts there from now on. Throws
   * ListenError while the port is still taken and TlsConfigError for a pair it cannot use.
   */
  bind(pair: TlsPair): void;
}

/** A server is shutting down: a reload that was under way stops. */
export class ReloadAbortedError extends Error {
  constructor() {
    super("the server is shutting down");
    this.name = "ReloadAbortedError";
  }
}

/** The TLS files of a listener and the pair in use; {@link TlsReloader.reload} is its SIGHUP hook. */
export class TlsReloader {
  readonly #certFile: string;
  readonly #keyFile: string;
  readonly #clock: Clock;
  #pair: TlsPair;

  private constructor(pair: TlsPair, clock: Clock) {
    this.#certFile = pair.certFile;
    this.#keyFile = pair.keyFile;
    this.#pair = pair;
    this.#clock = clock;
  }

  /** Reads the files (throws TlsConfigError); the listener then binds {@link TlsReloader.pair}. */
  static read(files: { certFile: string; keyFile: string }, clock: Clock): TlsReloader {
    return new TlsReloader(readTlsPair(files.certFile, files.keyFile), clock);
  }

  /** The pair in use. */
  get pair(): TlsPair {
    return this.#pair;
  }

  /**
   * Re-reads the files and binds `slot` again with them. Resolves with the console line; throws
   * (the old pair still serving) when a file is unusable or the port cannot be bound again. If
   * even the old pair cannot be bound again, `problem` says the listener no longer accepts.
   */
  async reload(slot: TlsListenerSlot, problem: (text: string) => void): Promise<string> {
    const pair = readTlsPair(this.#certFile, this.#keyFile);
    checkTlsPair(slot.address.hostname, pair);
    if (slot.closing) throw new ReloadAbortedError();
    await slot.release();
    const sleep = (ms: number) => new Promise<void>((resolve) => this.#clock.after(ms, resolve));
    const bind = (with_: TlsPair) => () => {
      if (slot.closing) throw new ReloadAbortedError();
      slot.bind(with_);
    };
    try {
      await rebind(bind(pair), sleep);
    } catch (error) {
      if (error instanceof ReloadAbortedError) throw error;
      try {
        await rebind(bind(this.#pair), sleep);
      } catch (fallback) {
        if (fallback instanceof ReloadAbortedError) throw fallback;
        problem(`not accepting connections: ${error instanceof Error ? error.message : error}`);
      }
      throw error;
    }
    this.#pair = pair;
    const { hostname, port } = slot.address;
    return `reloaded TLS certificate '${this.#certFile}' and key '${this.#keyFile}' on ` +
      `${listenAddress(hostname, port)} (new connections use them)`;
  }
}
