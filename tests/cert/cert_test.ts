/**
 * `chat cert`: the DER writer, the certificate it makes (checked by openssl, used by a real TLS
 * server and client), and the command line (files, fingerprint, refusal to overwrite).
 */

import assert from "node:assert/strict";
import {
  context,
  namedBits,
  oid,
  sequence,
  smallInteger,
  time,
  unsignedInteger,
} from "../../cert/der.ts";
import { ipBytes, makeSelfSigned } from "../../cert/self_signed.ts";
import { ChatConnection } from "../../client/connection.ts";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { ChatProcess } from "../../kit/chat_process.ts";
import { withServer } from "../helpers/server.ts";
import { skipWhen } from "../helpers/platform.ts";
import { certificatesUnavailable, opensslFingerprint } from "../helpers/tls.ts";

const withOpenssl = {
  sanitizeOps: true,
  sanitizeResources: true,
  ignore: skipWhen("chat cert's openssl checks", await certificatesUnavailable()),
};

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("the DER writer: lengths, integers, identifiers, times, bits", () => {
  assert.equal(hex(smallInteger(0)), "020100");
  assert.equal(hex(smallInteger(2)), "020102");
  assert.equal(hex(unsignedInteger(Uint8Array.of(0, 0, 0x80))), "02020080");
  assert.equal(hex(oid("2.5.4.3")), "0603550403");
  assert.equal(hex(oid("1.2.840.10045.4.3.2")), "06082a8648ce3d040302");
  assert.equal(hex(sequence()), "3000");
  assert.equal(hex(namedBits([0])), "03020780");
  assert.equal(hex(context(7, false, Uint8Array.of(127, 0, 0, 1))), "87047f000001");
  assert.equal(
    new TextDecoder().decode(time(new Date("2026-12-03T12:03:11Z")).subarray(2)),
    "261203120311Z",
  );
  assert.equal(hex(time(new Date("2050-01-01T00:00:00Z")).subarray(0, 1)), "18");
  const long = sequence(new Uint8Array(200));
  assert.equal(hex(long.subarray(0, 3)), "3081c8");
  assert.equal(hex(sequence(new Uint8Array(300)).subarray(0, 4)), "3082012c");
});

Deno.test("IP addresses for subjectAltName", () => {
  assert.deepEqual(ipBytes("127.0.0.1"), Uint8Array.of(127, 0, 0, 1));
  assert.deepEqual(ipBytes("::1"), Uint8Array.of(...new Array(15).fill(0), 1));
  assert.deepEqual(ipBytes("fe80::1:2")?.subarray(0, 2), Uint8Array.of(0xfe, 0x80));
  for (const no of ["localhost", "256.0.0.1", "1::2::3", "1:2:3", "12345::"]) {
    assert.equal(ipBytes(no), undefined, no);
  }
});

Deno.test(
  "a made certificate is a leaf openssl reads, with its fingerprint",
  withOpenssl,
  async () => {
    const made = await makeSelfSigned({ hosts: ["chat.example", "10.0.0.1"], days: 7 });
    const dir = await Deno.makeTempDir({ prefix: "chat-cert-" });
    try {
      await Deno.writeTextFile(`${dir}/cert.pem`, made.certPem);
      const text = new TextDecoder().decode(
        (await new Deno.Command("openssl", {
          args: ["x509", "-in", `${dir}/cert.pem`, "-noout", "-text"],
          stdout: "piped",
        }).output()).stdout,
      );
      assert.match(text, /Subject: CN\s?=\s?chat\.example/);
      assert.match(text, /CA:FALSE/);
      assert.match(text, /DNS:chat\.example, IP Address:10\.0\.0\.1/);
      assert.match(text, /TLS Web Server Authentication/);
      assert.equal(await opensslFingerprint(`${dir}/cert.pem`), made.fingerprint);
      const verify = await new Deno.Command("openssl", {
        args: ["verify", "-CAfile", `${dir}/cert.pem`, `${dir}/cert.pem`],
        stdout: "null",
        stderr: "null",
      }).output();
      assert.ok(verify.success, "the signature verifies with its own key");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  "chat cert writes a pair a TLS server serves and a --ca client trusts",
  withOpenssl,
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "chat-cert-" });
    try {
      const certFile = `${dir}/cert.pem`;
      const keyFile = `${dir}/key.pem`;
      const args = ["cert", "--cert", certFile, "--key", keyFile];
      const run = new ChatProcess(sourceCommand(), args, "null");
      assert.equal(await run.exited(), 0, run.stderr.text);
      const fingerprint = /^SHA-256 fingerprint: ([0-9A-F:]+)$/m.exec(run.stdout.text)?.[1];
      assert.equal(fingerprint, await opensslFingerprint(certFile));
      assert.match(run.stdout.text, /certificate for localhost, 127\.0\.0\.1, ::1/);
      assert.match(run.stdout.text, /chat server --tls-cert .*cert\.pem --tls-key .*key\.pem/);
      if (Deno.build.os !== "windows") {
        assert.equal(((await Deno.stat(keyFile)).mode ?? 0) & 0o777, 0o600);
      }
      // It works for real: both names the default covers.
      await withServer({ options: { tlsCert: certFile, tlsKey: keyFile } }, async ({ server }) => {
        for (const host of ["localhost", "127.0.0.1"]) {
          const conn = await ChatConnection.connect({
            host,
            port: server.addr.port,
            name: "alice",
            tls: { caFile: certFile },
          });
          assert.equal((await conn.login).ok, true, host);
          await conn.quit();
        }
      });
      // A second run does not overwrite; --force does.
      const again = new ChatProcess(sourceCommand(), args, "null");
      assert.equal(await again.exited(), 1);
      assert.match(
        again.stderr.text,
        /^chat: '.*cert\.pem' already exists; pass --force to replace it$/,
      );
      const forced = new ChatProcess(sourceCommand(), [...args, "--force", "example.org"], "null");
      assert.equal(await forced.exited(), 0, forced.stderr.text);
      assert.notEqual(await opensslFingerprint(certFile), fingerprint);
      const bad = new ChatProcess(sourceCommand(), ["cert", "--days", "0"], "null");
      assert.equal(await bad.exited(), 2);
      assert.match(
        bad.stderr.text,
        /^chat: --days must be between 1 and 36500, got '0'\nTry 'chat cert --help'\.$/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
