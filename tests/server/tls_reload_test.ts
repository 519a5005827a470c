/**
 * SIGHUP reloads the TLS certificate and key (and `--opers FILE`) of a running `chat server`: a new client sees the
 * new certificate (checked with openssl s_client and by which CA a Deno client must trust), a
 * client connected before keeps its connection, and a file that fails to load leaves the old
 * pair in use with one line saying why.
 */

import assert from "node:assert/strict";
import { encodeFrame, FrameDecoder } from "../../protocol/mod.ts";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { ChatProcess } from "../../kit/chat_process.ts";
import { startServer } from "../../server/mod.ts";
import { hashPassword } from "../../server/moderation/password_hash.ts";
import { CapturedConsole, testServerOptions } from "../helpers/server.ts";
import { childSignalUnavailable, firstReason, skipWhen } from "../helpers/platform.ts";
import { certificatesUnavailable, makeTestCertificates } from "../helpers/tls.ts";
import { withTimeout } from "../helpers/timeout.ts";
import { WsTestClient } from "../helpers/ws_client.ts";
import { RELOAD_REASON } from "../../server/web/web_transport.ts";

const opts = {
  sanitizeOps: true,
  sanitizeResources: true,
  ignore: skipWhen(
    "the TLS reload test",
    firstReason(childSignalUnavailable("SIGHUP"), await certificatesUnavailable()),
  ),
};

/** Connects over TLS trusting only `caPem` and completes the handshake (throws if refused). */
async function handshake(port: number, caPem: string): Promise<Deno.TlsConn> {
  const conn = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [caPem] });
  try {
    await withTimeout(conn.handshake(), 5000, "the TLS handshake");
    return conn;
  } catch (error) {
    conn.close();
    throw error;
  }
}

/** True when a client trusting only `caPem` completes a handshake. */
async function trusts(port: number, caPem: string): Promise<boolean> {
  try {
    (await handshake(port, caPem)).close();
    return true;
  } catch {
    return false;
  }
}

/** The certificate the server presents to a new client, as openssl s_client sees it. */
async function presentedCertificate(port: number): Promise<string> {
  const { stdout } = await new Deno.Command("openssl", {
    args: ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost"],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  const text = new TextDecoder().decode(stdout);
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  assert.ok(pem, `s_client printed a certificate: ${text.slice(0, 200)}`);
  return pem;
}

function samePem(a: string, b: string): boolean {
  const body = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, "");
  return body(a) === body(b);
}

/** Reads frames from `conn` until a notice containing `text`. */
/**
 * Two certificate pairs from two CAs, the first written to `cert.pem` and `key.pem` in a new
 * temporary directory (the caller removes it): the files a reload re-reads after the test swaps
 * in the second pair.
 */
async function rotatingPairs() {
  const first = await makeTestCertificates("chat reload CA one");
  const second = await makeTestCertificates("chat reload CA two");
  const dir = await Deno.makeTempDir({ prefix: "chat-reload-" });
  const certFile = `${dir}/cert.pem`;
  const keyFile = `${dir}/key.pem`;
  await Deno.writeTextFile(certFile, first.certPem);
  await Deno.writeTextFile(keyFile, first.keyPem);
  return { first, second, dir, certFile, keyFile };
}

async function readNotice(conn: Deno.TlsConn, decoder: FrameDecoder, text: string) {
  const buffer = new Uint8Array(4096);
  for (;;) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`closed before a notice containing '${text}'`);
    for (const result of decoder.push(buffer.subarray(0, n))) {
      if (result.ok && result.frame.username === "" && result.frame.message.includes(text)) {
        return result.frame.message;
      }
    }
  }
}

Deno.test("SIGHUP: new clients get the new certificate, connected ones stay", opts, async () => {
  const { first, second, dir, certFile, keyFile } = await rotatingPairs();
  const server = new ChatProcess(sourceCommand(), [
    "server",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--list-interval",
    "0",
    "--tls-cert",
    certFile,
    "--tls-key",
    keyFile,
  ], "null");
  let alice: Deno.TlsConn | null = null;
  try {
    const start = await server.stdout.waitFor((l) => l.includes("listening on"), "start line");
    const port = Number(/:(\d+)\D*$/.exec(start)?.[1]);
    assert.ok(samePem(await presentedCertificate(port), first.certPem));
    alice = await handshake(port, first.caPem);
    const decoder = new FrameDecoder();
    await alice.write(encodeFrame({ username: "alice", message: "" }));
    await withTimeout(readNotice(alice, decoder, "Welcome, alice"), 5000, "the welcome");

    await Deno.writeTextFile(certFile, second.certPem);
    await Deno.writeTextFile(keyFile, second.keyPem);
    server.signal("SIGHUP");
    await server.stdout.waitFor((l) => l.includes("reloaded TLS certificate"), "the reload line")
      .catch((error) => {
        throw new Error(`${error}; stderr: ${server.stderr.text}`);
      });
    assert.ok(samePem(await presentedCertificate(port), second.certPem), "the new certificate");
    assert.equal(await trusts(port, second.caPem), true);
    assert.equal(await trusts(port, first.caPem), false, "the old certificate is gone");
    // Alice's connection, made with the old certificate, is still served.
    await alice.write(encodeFrame({ username: "alice", message: "/users" }));
    assert.equal(
      await withTimeout(readNotice(alice, decoder, "Online ("), 5000, "the /users reply"),
      "Online (1): alice",
    );

    await Deno.writeTextFile(certFile, "not a certificate\n");
    server.signal("SIGHUP");
    const problem = await server.stderr.waitFor((l) => l.includes("not reloaded"), "the error");
    assert.match(problem, /TLS certificate not reloaded, the old one stays in use: .*cert\.pem/);
    assert.equal(await trusts(port, second.caPem), true, "still the second certificate");
    assert.equal(server.stderr.lines.length, 1, "one line for the failed reload");

    server.signal("SIGINT");
    alice.close();
    alice = null;
    assert.equal(await server.exited(), 0);
  } finally {
    alice?.close();
    await server.kill();
    await first.remove();
    await second.remove();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(
  "a certificate that does not match its key is refused; the old pair serves",
  opts,
  async () => {
    const { first, second, dir, certFile, keyFile } = await rotatingPairs();
    const console = new CapturedConsole();
    const server = await startServer(testServerOptions({ tlsCert: certFile, tlsKey: keyFile }), {
      console,
    });
    try {
      await Deno.writeTextFile(certFile, second.certPem); // the key is still the first one's
      assert.equal(await server.reload(), 1, "one hook failed");
      assert.equal(console.errors.length, 1);
      assert.match(
        console.errors[0],
        /TLS certificate not reloaded, the old one stays in use: cannot use/,
      );
      assert.equal(await trusts(server.addr.port, first.caPem), true);
      await Deno.writeTextFile(keyFile, second.keyPem);
      assert.equal(await server.reload(), 0);
      assert.equal(await trusts(server.addr.port, second.caPem), true);
    } finally {
      await server.shutdown();
      await first.remove();
      await second.remove();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/** True when an HTTPS client trusting only `caPem` fetches the page from `port`. */
async function pageTrusted(port: number, caPem: string): Promise<boolean> {
  const client = Deno.createHttpClient({ caCerts: [caPem] });
  try {
    const page = await fetch(`https://localhost:${port}/`, { client });
    await page.body?.cancel();
    return page.ok;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

Deno.test(
  "a reload covers every TLS listener: main, IRC door and web (HTTPS and WSS)",
  opts,
  async () => {
    const { first, second, dir, certFile, keyFile } = await rotatingPairs();
    const console = new CapturedConsole();
    const server = await startServer(
      testServerOptions({
        tlsCert: certFile,
        tlsKey: keyFile,
        webHost: "127.0.0.1",
        webPort: 0,
        ircHost: "127.0.0.1",
        ircPort: 0,
      }),
      { console },
    );
    const firstClient = Deno.createHttpClient({ caCerts: [first.caPem] });
    const secondClient = Deno.createHttpClient({ caCerts: [second.caPem] });
    const clients: WsTestClient[] = [];
    try {
      const port = (kind: string) => server.listeners.find((l) => l.kind === kind)?.addr.port ?? 0;
      const web = port("web");
      assert.equal(await pageTrusted(web, first.caPem), true);
      const alice = await WsTestClient.open(`wss://localhost:${web}/ws`, {}, firstClient);
      clients.push(alice);
      await alice.login("alice");

      await Deno.writeTextFile(certFile, second.certPem);
      await Deno.writeTextFile(keyFile, second.keyPem);
      assert.equal(await server.reload(), 0, console.errors.join("\n"));
      const reloaded = console.lines.filter((l) => l.includes("reloaded TLS certificate"));
      assert.equal(reloaded.length, 3, reloaded.join("\n"));
      assert.ok(reloaded.some((l) => l.includes(`127.0.0.1:${web} `)), "the web listener's line");

      assert.equal(await pageTrusted(web, second.caPem), true, "HTTPS: the new certificate");
      assert.equal(await pageTrusted(web, first.caPem), false, "HTTPS: the old one is gone");
      const bob = await WsTestClient.open(`wss://localhost:${web}/ws`, {}, secondClient);
      clients.push(bob);
      await bob.login("bob");
      for (const kind of ["tls", "ircs"]) {
        assert.equal(await trusts(port(kind), second.caPem), true, `${kind}: new certificate`);
        assert.equal(await trusts(port(kind), first.caPem), false, `${kind}: old one gone`);
      }
      // Deno.serve's shutdown closes what it upgraded: alice is told to reconnect.
      assert.deepEqual(await alice.closed(), { code: 1012, reason: RELOAD_REASON });
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await server.shutdown();
      firstClient.close();
      secondClient.close();
      await first.remove();
      await second.remove();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("without TLS a reload has nothing to do and says so", opts, async () => {
  const console = new CapturedConsole();
  const server = await startServer(testServerOptions(), { console });
  try {
    assert.equal(await server.reload(), 0);
    await console.waitForLine("reload: nothing to reload");
  } finally {
    await server.shutdown();
  }
});

Deno.test("a reload re-reads --opers FILE; a broken file keeps the old operators", {
  sanitizeOps: true,
  sanitizeResources: true,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-opers-" });
  const file = `${dir}/operators`;
  await Deno.writeTextFile(file, `alice:${await hashPassword("pw")}\n`);
  const console = new CapturedConsole();
  const server = await startServer(testServerOptions({ operatorsFile: file }), { console });
  try {
    assert.equal(server.operators.has("alice"), true);
    await Deno.writeTextFile(file, `bob:${await hashPassword("pw")}\n`);
    assert.equal(await server.reload(), 0);
    await console.waitForLine("reloaded operators file");
    assert.equal(server.operators.has("bob"), true);
    assert.equal(server.operators.has("alice"), false);
    await Deno.writeTextFile(file, "not an entry\n");
    assert.equal(await server.reload(), 1);
    assert.match(
      console.errors.at(-1) ?? "",
      /operators file not reloaded, the old one stays in use/,
    );
    assert.equal(server.operators.has("bob"), true, "the old set is kept");
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
