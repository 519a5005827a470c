/**
 * A benchmark client's WebSocket to our server's `/ws`: the protocol's byte stream in binary
 * messages, read and written like a TCP connection (the server's own adapter does the framing).
 * @module
 */

import { systemClock } from "../server/clock.ts";
import { WebSocketConnection } from "../server/web/websocket_connection.ts";
import type { ByteConn } from "./client.ts";

/** How long opening a WebSocket may take. */
const OPEN_TIMEOUT_MS = 10_000;

/** Opens `url` and resolves with its byte stream once open; rejects if it does not open. */
export function openWebConn(url: string): Promise<ByteConn> {
  const socket = new WebSocket(url);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`WebSocket ${url} did not open in ${OPEN_TIMEOUT_MS} ms`));
    }, OPEN_TIMEOUT_MS);
    socket.addEventListener("open", () => {
      clearTimeout(timer);
      const { hostname, port } = new URL(url);
      resolve(
        new WebSocketConnection(socket, {
          remoteAddr: { transport: "tcp", hostname, port: Number(port) },
          // The generator reads as fast as frames come; the server bounds what it sends.
          maxUnreadBytes: Number.MAX_SAFE_INTEGER,
          clock: systemClock,
        }),
      );
    });
    socket.addEventListener("error", () => {
      clearTimeout(timer);
      reject(new Error(`WebSocket ${url} failed to open`));
    });
  });
}
