/**
 * The server side of TLS on an accepted TCP connection, run in JavaScript (node:tls over the
 * socket) rather than by Deno.listenTls. A connection Deno's TLS listener accepts keeps its
 * socket in a handshake task of its own until the peer sends or hangs up, whatever the server
 * closes; here the server owns the TCP connection, so closing it (the login timeout, a refusal)
 * frees the socket at once, mid-handshake or not.
 * @module
 */

import { Duplex } from "node:stream";
import { createSecureContext, type SecureContext, TLSSocket } from "node:tls";
import type { Connection } from "../connection.ts";
import type { TlsPair } from "../tls.ts";
import type { TlsListenerSlot } from "../tls_reload.ts";

/** How long a close waits for ciphertext already handed to the socket. */
const LAST_WRITE_MS = 100;

/** A TLS 1.2-framed fatal alert record: unexpected_message. */
const FATAL_ALERT = new Uint8Array([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x0a]);

/** Bytes read from the socket at a time. */
const READ_BYTES = 16 * 1024;

/** The certificate new connections are served with; a reload swaps it. */
export class TlsTerminator {
  #context: SecureContext;

  constructor(pair: TlsPair) {
    this.#context = contextOf(pair);
  }

  /** New connections use `pair` from now on; those accepted before keep theirs. */
  use(pair: TlsPair): void {
    this.#context = contextOf(pair);
  }

  /**
   * A reload's view of the listener `address` this terminates TLS for: the port stays bound, so
   * releasing it is nothing and binding a pair is {@link TlsTerminator.use}.
   */
  slot(address: Deno.NetAddr, closing: () => boolean): TlsListenerSlot {
    return {
      address,
      get closing() {
        return closing();
      },
      release: () => Promise.resolve(),
      bind: (pair) => this.use(pair),
    };
  }

  /** Starts the TLS server side on an accepted connection (the handshake runs as bytes arrive). */
  wrap(conn: Deno.TcpConn): Connection {
    return new TlsServerConnection(conn, this.#context);
  }
}

function contextOf(pair: TlsPair): SecureContext {
  return createSecureContext({ cert: pair.cert, key: pair.key });
}

/** One TLS connection as a session sees it: plaintext reads and writes, a close that frees. */
class TlsServerConnection implements Connection {
  readonly remoteAddr: Deno.Addr;
  readonly secure = true;
  readonly #conn: Deno.TcpConn;
  readonly #tls: TLSSocket;
  /** What a read took beyond its buffer, for the next read. */
  #rest: Uint8Array | null = null;
  #ended = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;
  #closed = false;
  /** True once the handshake is over. */
  #secured = false;
  /** Ciphertext being handed to the socket (an alert that says why the handshake failed). */
  readonly #writing: { current: Promise<void> | null } = { current: null };

  constructor(conn: Deno.TcpConn, context: SecureContext) {
    this.remoteAddr = conn.remoteAddr;
    this.#conn = conn;
    this.#tls = new TLSSocket(socketStream(conn, this.#writing), {
      isServer: true,
      secureContext: context,
    });
    const wake = () => {
      const resolve = this.#wake;
      this.#wake = null;
      resolve?.();
    };
    this.#tls.on("readable", wake);
    this.#tls.on("end", () => {
      this.#ended = true;
      wake();
    });
    this.#tls.on("close", () => {
      this.#ended = true;
      wake();
    });
    this.#tls.on("secure", () => this.#secured = true);
    this.#tls.on("error", (error: Error) => {
      if (!this.#secured && this.#error === null) this.#alert();
      this.#error ??= error;
      wake();
    });
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    for (;;) {
      const chunk = this.#rest ?? this.#next();
      if (chunk !== null) {
        const count = Math.min(chunk.length, buffer.length);
        buffer.set(chunk.subarray(0, count));
        this.#rest = count < chunk.length ? chunk.subarray(count) : null;
        return count;
      }
      if (this.#error !== null) throw this.#error;
      if (this.#ended || this.#closed) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  write(bytes: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(new Deno.errors.BrokenPipe("connection closed"));
    return new Promise((resolve, reject) => {
      this.#tls.write(bytes, (error) => {
        if (error) reject(error);
        else resolve(bytes.length);
      });
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // The socket is freed now, whatever state the handshake is in; only what TLS has already
    // handed it (a handshake alert, a last record: a write the kernel takes at once unless the
    // peer stopped reading) may finish first, for a moment at most.
    const closeSocket = () => {
      try {
        this.#conn.close();
      } catch {
        // Already closed.
      }
    };
    const writing = this.#writing.current;
    if (writing === null) closeSocket();
    else {
      const timer = setTimeout(closeSocket, LAST_WRITE_MS);
      writing.finally(() => {
        clearTimeout(timer);
        closeSocket();
      });
    }
    this.#tls.destroy();
    const resolve = this.#wake;
    this.#wake = null;
    resolve?.();
  }

  /**
   * A failed handshake is answered with a fatal alert, as TLS servers do (node:tls here sends
   * none), so a client that spoke plaintext learns it reached a TLS port.
   */
  #alert(): void {
    if (this.#closed || this.#writing.current !== null) return;
    const write = this.#conn.write(FATAL_ALERT).then(() => {}, () => {});
    this.#writing.current = write;
    write.finally(() => {
      if (this.#writing.current === write) this.#writing.current = null;
    });
  }

  #next(): Uint8Array | null {
    const chunk: Uint8Array | string | null = this.#tls.read();
    if (chunk === null) return null;
    return typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
  }
}

/**
 * The TCP connection as the stream node:tls reads ciphertext from and writes it to.
 * `writing` is the write in progress, if any.
 */
function socketStream(
  conn: Deno.TcpConn,
  writing: { current: Promise<void> | null },
): Duplex {
  let reading = false;
  return new Duplex({
    read() {
      if (reading) return;
      reading = true;
      void (async () => {
        for (;;) {
          const buffer = new Uint8Array(READ_BYTES);
          let count: number | null;
          try {
            count = await conn.read(buffer);
          } catch {
            count = null;
          }
          if (count === null) {
            this.push(null);
            return;
          }
          if (!this.push(buffer.subarray(0, count))) {
            reading = false;
            return;
          }
        }
      })();
    },
    write(chunk: Uint8Array, _encoding, done) {
      const write = (async () => {
        let offset = 0;
        while (offset < chunk.length) offset += await conn.write(chunk.subarray(offset));
      })();
      writing.current = write;
      write.then(() => done(), (error) => done(error)).finally(() => {
        if (writing.current === write) writing.current = null;
      });
    },
    final(done) {
      conn.closeWrite().then(() => done(), () => done());
    },
    // The socket is closed by the connection's close(), once the last write is out.
    destroy(error, done) {
      done(error);
    },
  });
}
