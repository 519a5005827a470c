/** kit/output_lines.ts: output of a child process as lines, waited for with a timeout. */

import assert from "node:assert/strict";
import { LineReader, LineWaitError } from "../../kit/output_lines.ts";

/** A stream we feed by hand, chunk by chunk. */
function feed(): { stream: ReadableStream<Uint8Array>; push(text: string): void; end(): void } {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const encoder = new TextEncoder();
  return {
    stream,
    push: (text) => controller?.enqueue(encoder.encode(text)),
    end: () => controller?.close(),
  };
}

Deno.test("lines split over chunks, CRLF and a last line without newline", async () => {
  const input = feed();
  const reader = new LineReader(input.stream);
  input.push("one\r\ntw");
  input.push("o\nthree");
  input.end();
  await reader.finished;
  assert.deepEqual(reader.lines, ["one", "two", "three"]);
  assert.equal(reader.text, "one\ntwo\nthree");
});

Deno.test("waitFor resolves with a line that came before or after the call", async () => {
  const input = feed();
  const reader = new LineReader(input.stream);
  input.push("listening on 127.0.0.1:4000\n");
  assert.equal(await reader.waitFor((l) => l.startsWith("listening"), "start"), reader.lines[0]);
  const later = reader.waitFor((l) => l === "bye", "bye");
  input.push("b");
  input.push("ye\n");
  assert.equal(await later, "bye");
  input.end();
  await reader.finished;
});

Deno.test("waitFor rejects naming the line when the output ends without it", async () => {
  const input = feed();
  const reader = new LineReader(input.stream);
  const waiting = reader.waitFor((l) => l === "never", "the never line");
  input.push("something else\n");
  input.end();
  await assert.rejects(waiting, (error: unknown) => {
    assert.ok(error instanceof LineWaitError);
    assert.match(error.message, /output ended waiting for the never line/);
    assert.match(error.message, /something else/);
    return true;
  });
  await reader.finished;
});

Deno.test("waitFor rejects after its timeout with what it waited for", async () => {
  const input = feed();
  const reader = new LineReader(input.stream);
  await assert.rejects(
    reader.waitFor(() => false, "a slow line", 10),
    /timed out waiting for a slow line; no output/,
  );
  input.end();
  await reader.finished;
});
