/**
 * PROTOCOL.md's test vectors and default numbers, read from the document at test time, so the
 * specification and the codec cannot drift apart.
 */

import assert from "node:assert/strict";
import {
  decodeFrame,
  type DecodeResult,
  DEFAULT_MAX_MESSAGE_BYTES,
  encodeFrame,
  formatHistoryLine,
  FrameDecoder,
  type HistoryLine,
  MAX_USERNAME_BYTES,
  parseHistoryLine,
} from "../../protocol/mod.ts";
import { DEFAULT_SERVER_OPTIONS, type ServerOptions } from "../../server/options.ts";

const doc = await Deno.readTextFile(new URL("../../PROTOCOL.md", import.meta.url));

type Row = Record<string, string>;

/** The first Markdown table after `heading`, as rows keyed by the header cells. */
function tableAfter(heading: string): Row[] {
  const lines = doc.split("\n");
  const start = lines.findIndex((line) => line.trim() === heading);
  assert.ok(start >= 0, `PROTOCOL.md has no heading "${heading}"`);
  let i = start + 1;
  while (i < lines.length && !lines[i].startsWith("|")) {
    assert.ok(!lines[i].startsWith("#"), `no table under "${heading}"`);
    i++;
  }
  const table: string[][] = [];
  for (; i < lines.length && lines[i].startsWith("|"); i++) table.push(cells(lines[i]));
  const [head, rule, ...body] = table;
  assert.ok(head !== undefined && rule !== undefined, `no table under "${heading}"`);
  assert.ok(rule.every((cell) => /^:?-+:?$/.test(cell)), `malformed table under "${heading}"`);
  return body.map((row) => {
    assert.equal(row.length, head.length, `row ${row.join(" | ")}`);
    return Object.fromEntries(head.map((key, k) => [key, row[k]]));
  });
}

function cells(line: string): string[] {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((cell) => {
    return cell.trim().replace(/^`(.*)`$/, "$1");
  });
}

function fromHex(hex: string): Uint8Array {
  assert.match(hex, /^[0-9a-f]{2}( [0-9a-f]{2})*$/, `hex "${hex}"`);
  return Uint8Array.from(hex.split(" "), (pair) => parseInt(pair, 16));
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

function jsonString(cell: string): string {
  const value: unknown = JSON.parse(cell);
  assert.equal(typeof value, "string", `not a JSON string: ${cell}`);
  return value as string;
}

function codeOf(result: DecodeResult | undefined): string {
  assert.ok(result !== undefined, "expected a result");
  return result.ok ? "frame" : result.error.code;
}

const valid = tableAfter("### Valid frames");
const edges = tableAfter("### Limit edges (header only)");
const invalid = tableAfter("### Invalid frames");

Deno.test("PROTOCOL.md: the vectors the brief asks for are all there", () => {
  const names = new Set([...valid, ...edges, ...invalid].map((row) => row.name));
  assert.equal(names.size, valid.length + edges.length + invalid.length, "names are unique");
  assert.ok(valid.length >= 6);
  for (
    const name of [
      "spec-example",
      "login",
      "chat-from-server",
      "notice-join",
      "unicode",
      "keepalive",
      "username-32-bytes",
      "message-at-limit",
      "message-over-limit",
      "username-invalid-utf8",
      "message-bad-continuation",
    ]
  ) {
    assert.ok(names.has(name), `vector ${name}`);
  }
  const unicode = valid.find((row) => row.name === "unicode");
  assert.ok(
    unicode !== undefined && /\p{Extended_Pictographic}/u.test(jsonString(unicode.message)),
  );
});

for (const row of valid) {
  Deno.test(`PROTOCOL.md vector ${row.name}: encodes to exactly its bytes and decodes back`, () => {
    const frame = { username: jsonString(row.username), message: jsonString(row.message) };
    const bytes = fromHex(row.hex);
    assert.equal(toHex(encodeFrame(frame)), row.hex);
    assert.deepEqual(decodeFrame(bytes), frame);
    // And as a stream, one byte at a time.
    const decoder = new FrameDecoder();
    const results = Array.from(bytes).flatMap((byte) => decoder.push(Uint8Array.of(byte)));
    assert.deepEqual(results, [{ ok: true, frame }]);
  });
}

for (const row of edges) {
  Deno.test(`PROTOCOL.md edge ${row.name}: the header alone gives "${row.result}"`, () => {
    const header = fromHex(row.header);
    assert.equal(header.length, 6);
    const view = new DataView(header.buffer);
    const nameLength = view.getUint16(0);
    const messageLength = view.getUint32(2);
    const decoder = new FrameDecoder();
    const results = decoder.push(header);
    if (row.result === "accepted") {
      assert.deepEqual(results, []);
      assert.equal(decoder.failure, null);
      assert.equal(decoder.pendingBytes, 6);
      const body = new Uint8Array(nameLength + messageLength).fill(0x62);
      body.fill(0x61, 0, nameLength);
      const frame = { username: "a".repeat(nameLength), message: "b".repeat(messageLength) };
      assert.deepEqual(decoder.push(body), [{ ok: true, frame }]);
    } else {
      assert.equal(results.length, 1);
      assert.equal(codeOf(results[0]), row.result);
      assert.equal(decoder.pendingBytes, 0, "none of the body is held");
      assert.notEqual(decoder.failure, null);
    }
  });
}

for (const row of invalid) {
  Deno.test(`PROTOCOL.md invalid ${row.name}: refused with ${row.result}`, () => {
    const next = encodeFrame({ username: "ok", message: "next" });
    const decoder = new FrameDecoder();
    const results = [...decoder.push(fromHex(row.hex)), ...decoder.push(next)];
    assert.equal(codeOf(results[0]), row.result);
    if (row.result.startsWith("invalid-utf8-")) {
      assert.deepEqual(results.slice(1), [{
        ok: true,
        frame: { username: "ok", message: "next" },
      }]);
    } else {
      assert.equal(results.length, 1, "a length error ends the stream");
    }
  });
}

Deno.test("PROTOCOL.md: the limits table states the server's and codec's defaults", () => {
  const limits = tableAfter("## 7. Limits and bad input");
  const optionKeys: Record<string, keyof ServerOptions> = {
    "--max-message-bytes": "maxMessageBytes",
    "--login-timeout": "loginTimeoutSeconds",
    "--max-clients": "maxClients",
    "--flood-rate": "floodRate",
    "--flood-burst": "floodBurst",
    "--sendq-bytes": "sendqBytes",
    "--sendq-seconds": "sendqSeconds",
    "--flood-bytes": "floodBytes",
    "--flood-bytes-burst": "floodBytesBurst",
    "--room-bytes": "roomBytes",
  };
  const seen = new Set<string>();
  for (const row of limits) {
    const flags = row.option.match(/--[a-z-]+/g) ?? [];
    const numbers = (row.default.match(/\d+/g) ?? []).map(Number);
    if (row.option.includes("fixed by the protocol")) {
      assert.deepEqual(numbers, [MAX_USERNAME_BYTES]);
      continue;
    }
    assert.equal(flags.length, numbers.length, `row "${row.case}"`);
    flags.forEach((flag, i) => {
      const key = optionKeys[flag];
      assert.ok(key !== undefined, `unknown option ${flag}`);
      assert.equal(numbers[i], DEFAULT_SERVER_OPTIONS[key], flag);
      seen.add(flag);
    });
  }
  assert.deepEqual([...seen].sort(), Object.keys(optionKeys).sort(), "every limit is documented");
  assert.equal(DEFAULT_SERVER_OPTIONS.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES);
  assert.match(doc, new RegExp(`port \\*\\*${DEFAULT_SERVER_OPTIONS.port}\\*\\*`));
});

Deno.test("PROTOCOL.md: the history vectors are the form parseHistoryLine reads and formatHistoryLine writes", () => {
  const time = Date.UTC(2026, 11, 3, 12, 3, 11, 250);
  const expected: Record<string, HistoryLine> = {
    "notice-history-line": { time, from: "alice", text: "hi", action: false },
    "notice-history-action": { time, from: "alice", text: "waves", action: true },
  };
  for (const [name, line] of Object.entries(expected)) {
    const row = valid.find((r) => r.name === name);
    assert.ok(row !== undefined, `vector ${name}`);
    const frame = decodeFrame(fromHex(row.hex));
    assert.equal(frame.username, "");
    assert.deepEqual(parseHistoryLine(frame.message), line);
    assert.equal(formatHistoryLine(line), frame.message);
  }
  for (const name of ["notice-history-start", "notice-history-end", "notice-action"]) {
    const row = valid.find((r) => r.name === name);
    assert.ok(row !== undefined, `vector ${name}`);
    assert.equal(parseHistoryLine(decodeFrame(fromHex(row.hex)).message), null);
  }
  assert.match(doc, /\*\*This is the one notice text a client may parse\*\*/);
});
