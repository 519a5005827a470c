/**
 * The encoder: the header layout, one exact allocation per frame, round trips through the
 * decoder, lone surrogates, and what cannot be framed.
 */

import assert from "node:assert/strict";
import {
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameEncodeError,
  HEADER_BYTES,
  isNotice,
  notice,
  ProtocolError,
  utf8ByteLength,
} from "../../protocol/mod.ts";

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

Deno.test("encoder: the spec's example bytes", () => {
  assert.equal(
    hex(encodeFrame({ username: "al", message: "hi!" })),
    "00 02 00 00 00 03 61 6c 68 69 21",
  );
});

Deno.test("encoder: both lengths are big-endian and count UTF-8 bytes, not characters", () => {
  const frame = encodeFrame({ username: "é".repeat(150), message: "€".repeat(0x5678) });
  // 300 = 0x012c bytes of name; 3 * 0x5678 = 0x01_03_68 bytes of message.
  assert.equal(hex(frame.subarray(0, HEADER_BYTES)), "01 2c 00 01 03 68");
  assert.equal(frame.length, HEADER_BYTES + 300 + 3 * 0x5678);
});

Deno.test("encoder: one fresh buffer of the exact size per frame", () => {
  const frame = { username: "bob", message: "grüße 👋" };
  const a = encodeFrame(frame);
  const b = encodeFrame(frame);
  assert.notEqual(a.buffer, b.buffer, "each call allocates its own bytes");
  assert.equal(a.byteOffset, 0);
  assert.equal(a.buffer.byteLength, a.length, "header and strings in one allocation, no slack");
  assert.equal(a.length, HEADER_BYTES + 3 + utf8ByteLength(frame.message));
  assert.deepEqual(a, b);
});

const ROUND_TRIPS: Record<string, Frame> = {
  "both empty (keepalive without a name)": { username: "", message: "" },
  "login without a first message": { username: "alice", message: "" },
  "notice": notice("alice joined"),
  "ASCII control characters and NUL in the message": { username: "a", message: "\0\x01\t\n\x7f" },
  "every ASCII character": {
    username: "x",
    message: String.fromCharCode(...Array.from({ length: 128 }, (_, i) => i)),
  },
  "2-, 3- and 4-byte characters": { username: "José", message: "ñ € 世界 👋 𝄞 🇫🇷 👩‍👩‍👧" },
  "combining characters are left as sent": { username: "Jose\u0301", message: "e\u0301" },
  "a byte-order mark": { username: "bom", message: "\ufeffhello" },
  "31, 32 and 33 ASCII bytes (around the short-string path)": {
    username: "n".repeat(32),
    message: "m".repeat(31) + "|" + "m".repeat(33),
  },
  "32-byte multi-byte username": { username: "é".repeat(16), message: "é".repeat(16) },
  "64 KiB message": { username: "big", message: "z".repeat(65_536) },
  "the largest encodable username (65535 bytes)": { username: "u".repeat(0xffff), message: "" },
};

for (const [label, frame] of Object.entries(ROUND_TRIPS)) {
  Deno.test(`encoder: round trip, ${label}`, () => {
    const encoded = encodeFrame(frame);
    assert.equal(
      encoded.length,
      HEADER_BYTES + utf8ByteLength(frame.username) +
        utf8ByteLength(frame.message),
    );
    assert.deepEqual(decodeFrame(encoded, { maxUsernameBytes: 0xffff }), frame);
  });
}

Deno.test("encoder: a lone surrogate is sent as U+FFFD (it has no UTF-8 form)", () => {
  // JavaScript strings may hold unpaired surrogates; UTF-8 cannot. The encoder substitutes
  // U+FFFD (EF BF BD), as TextEncoder does, and counts it as 3 bytes in the header.
  const encoded = encodeFrame({ username: "a", message: "x\ud800y\udc00" });
  assert.equal(hex(encoded), "00 01 00 00 00 08 61 78 ef bf bd 79 ef bf bd");
  assert.deepEqual(decodeFrame(encoded), { username: "a", message: "x\ufffdy\ufffd" });
  // A lone high surrogate at the very end, and a reversed pair.
  assert.deepEqual(decodeFrame(encodeFrame({ username: "\ud83d", message: "\udc4b\ud83d" })), {
    username: "\ufffd",
    message: "\ufffd\ufffd",
  });
});

Deno.test("encoder: a username over 65535 bytes cannot be framed: FrameEncodeError", () => {
  for (const username of ["u".repeat(0x10000), "é".repeat(0x8000)]) {
    assert.throws(() => encodeFrame({ username, message: "" }), (error: unknown) => {
      assert.ok(error instanceof FrameEncodeError);
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.field, "username");
      assert.equal(error.bytes, 0x10000);
      assert.equal(error.code, "frame-unencodable");
      assert.equal(error.name, "FrameEncodeError");
      return true;
    });
  }
});

Deno.test("encoder: FrameEncodeError for the message names the field and size", () => {
  // A JavaScript string cannot reach 4 GiB of UTF-8 (V8 caps strings near 2^29 units), so the
  // message branch is unreachable from encodeFrame; the error itself is still well-formed.
  const error = new FrameEncodeError("message", 2 ** 32);
  assert.equal(error.field, "message");
  assert.equal(error.bytes, 4294967296);
  assert.match(error.message, /message of 4294967296 bytes does not fit/);
});

Deno.test("encoder: notices are frames with an empty username", () => {
  assert.deepEqual(notice("server shutting down"), {
    username: "",
    message: "server shutting down",
  });
  assert.equal(isNotice(notice("x")), true);
  assert.equal(isNotice({ username: "alice", message: "x" }), false);
  assert.equal(hex(encodeFrame(notice("hi"))), "00 00 00 00 00 02 68 69");
});
