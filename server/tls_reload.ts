/**
 * Reloading the TLS certificate and key of a running server (SIGHUP): the new pair is read and
 * checked, then the listener is swapped, so new connections get the new certificate while the
 * connections already accepted keep theirs. A pair that cannot be used leaves the old one serving.
 * @module
 */

import type { Clock } from "./clock.ts";
import { checkTlsPair, listenTlsPair, readTlsPair, rebindTls, type TlsPair } from "./tls.ts";

/** The server side of a swap: its current TLS listener and accept loop. */
export interface TlsListenerSlot {
  /** The listener in use. */
  readonly current: Deno.TlsListener;
  /** True once the server is shutting down: no listener may be started then. */
  readonly closing: boolean;
  /** Closes the listener in use and resolves once its accept loop has ended (port released). */
  release(): Promise<void>;
  /** Starts accepting on `listener` as the one in use. */
  adopt(listener: Deno.TlsListener): void;
}

/** A server is shutting down: a reload that was under way stops. */
export class ReloadAbortedError extends Error {
  constructor() {
    super("the server is shutting down");
    this.name = "ReloadAbortedError";
  }
}

/** The TLS files of a server and the pair in use; {@link TlsReloader.reload} is its SIGHUP hook. */
export class TlsReloader {
  readonly #certFile: string;
  readonly #keyFile: string;
  readonly #clock: Clock;
  #pair: TlsPair;

  private constructor(certFile: string, keyFile: string, pair: TlsPair, clock: Clock) {
    this.#certFile = certFile;
    this.#keyFile = keyFile;
    this.#pair = pair;
    this.#clock = clock;
  }

  /**
   * Reads the files and binds the first listener. Throws TlsConfigError for the files and
   * ListenError for the address.
   */
  static listen(
    host: string,
    port: number,
    files: { certFile: string; keyFile: string },
    clock: Clock,
  ): { listener: Deno.TlsListener; reloader: TlsReloader } {
    const pair = readTlsPair(files.certFile, files.keyFile);
    const listener = listenTlsPair(host, port, pair);
    return { listener, reloader: new TlsReloader(files.certFile, files.keyFile, pair, clock) };
  }

  /**
   * Re-reads the files and swaps the listener in `slot`. Resolves with the console line; throws
   * (the old pair still serving) when a file is unusable or the port cannot be bound again. If
   * even the old pair cannot be bound again, `problem` says the server no longer accepts.
   */
  async reload(slot: TlsListenerSlot, problem: (text: string) => void): Promise<string> {
    const pair = readTlsPair(this.#certFile, this.#keyFile);
    const { hostname, port } = slot.current.addr;
    checkTlsPair(hostname, pair);
    if (slot.closing) throw new ReloadAbortedError();
    await slot.release();
    if (slot.closing) throw new ReloadAbortedError();
    const sleep = (ms: number) => new Promise<void>((resolve) => this.#clock.after(ms, resolve));
    let listener: Deno.TlsListener;
    try {
      listener = await rebindTls(hostname, port, pair, sleep);
    } catch (error) {
      try {
        listener = await rebindTls(hostname, port, this.#pair, sleep);
      } catch {
        problem(`not accepting connections: ${error instanceof Error ? error.message : error}`);
        throw error;
      }
      adopt(slot, listener);
      throw error;
    }
    adopt(slot, listener);
    this.#pair = pair;
    return `reloaded TLS certificate '${this.#certFile}' and key '${this.#keyFile}' ` +
      "(new connections use them)";
  }
}

function adopt(slot: TlsListenerSlot, listener: Deno.TlsListener): void {
  if (slot.closing) {
    listener.close();
    throw new ReloadAbortedError();
  }
  slot.adopt(listener);
}
