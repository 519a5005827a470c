/**
 * The WebSocket adapter alone, on a fake socket: reads across message boundaries, and writes
 * that wait while the socket holds more than its high-water mark, as the outbox expects.
 */

import assert from "node:assert/strict";
import {
  HIGH_WATER_BYTES,
  LOW_WATER_BYTES,
  WebSocketConnection,
} from "../../../server/web/websocket_connection.ts";
import { ManualClock } from "../../helpers/clock.ts";

/** What the adapter uses of a WebSocket, with a bufferedAmount the test sets. */
class FakeSocket extends EventTarget {
  binaryType = "blob";
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  readonly sent: Uint8Array[] = [];
  closedWith: [number, string] | null = null;

  send(bytes: Uint8Array): void {
    this.sent.push(bytes.slice());
    this.bufferedAmount += bytes.length;
  }

  close(code: number, reason: string): void {
    this.closedWith = [code, reason];
    this.readyState = WebSocket.CLOSED;
    this.dispatchEvent(new Event("close"));
  }

  receive(bytes: Uint8Array): void {
    this.dispatchEvent(new MessageEvent("message", { data: bytes.slice().buffer }));
  }
}

function adapter(socket: FakeSocket, clock: ManualClock): WebSocketConnection {
  return new WebSocketConnection(socket as unknown as WebSocket, {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    maxUnreadBytes: 1000,
    clock,
  });
}

Deno.test("reads take bytes across message boundaries, then null once closed", async () => {
  const socket = new FakeSocket();
  const conn = adapter(socket, new ManualClock(0));
  socket.receive(new Uint8Array([1, 2, 3]));
  socket.receive(new Uint8Array([4]));
  const buffer = new Uint8Array(2);
  assert.equal(await conn.read(buffer), 2);
  assert.deepEqual([...buffer], [1, 2]);
  assert.equal(await conn.read(buffer), 1);
  assert.equal(buffer[0], 3);
  assert.equal(await conn.read(buffer), 1);
  assert.equal(buffer[0], 4);
  const pending = conn.read(buffer);
  socket.dispatchEvent(new Event("close"));
  assert.equal(await pending, null);
});

Deno.test("a write waits while the socket holds more than the high-water mark", async () => {
  const socket = new FakeSocket();
  const clock = new ManualClock(0);
  const conn = adapter(socket, clock);
  assert.equal(await conn.write(new Uint8Array(HIGH_WATER_BYTES)), HIGH_WATER_BYTES);
  let done = false;
  const blocked = conn.write(new Uint8Array(10)).then((n) => {
    done = true;
    return n;
  });
  clock.advance(100);
  await Promise.resolve();
  assert.equal(done, false, "still above the low-water mark");
  socket.bufferedAmount = LOW_WATER_BYTES;
  clock.advance(100);
  assert.equal(await blocked, 10);
  const stuck = conn.write(new Uint8Array(HIGH_WATER_BYTES));
  conn.close("bye");
  await assert.rejects(stuck, Deno.errors.BrokenPipe);
  assert.deepEqual(socket.closedWith, [1000, "bye"]);
});
