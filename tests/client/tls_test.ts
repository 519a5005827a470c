import assert from "node:assert/strict";
import { ChatConnection, ConnectError } from "../../client/connection.ts";
import { PLAINTEXT_TO_TLS_MESSAGE, TlsHandshakeError } from "../../client/tls.ts";
import { connectTls } from "../../client/tls.ts";
import { startServer } from "../../server/mod.ts";
import type { ServerOptions } from "../../server/options.ts";
import { TlsConfigError } from "../../server/tls.ts";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { ChatProcess, startChatServer } from "../../kit/chat_process.ts";
import { ManualClock } from "../helpers/clock.ts";
import { CapturedConsole, testServerOptions, withServer } from "../helpers/server.ts";
import { childSignalUnavailable, skipWhen } from "../helpers/platform.ts";
import {
  certificatesUnavailable,
  makeOpensslSelfSigned,
  makeTestCertificates,
  type TestCertificates,
} from "../helpers/tls.ts";
import { waitUntil, withTimeout } from "../helpers/timeout.ts";

const opts = {
  sanitizeOps: true,
  sanitizeResources: true,
  ignore: skipWhen("TLS tests", await certificatesUnavailable()),
};

async function withCerts(body: (certs: TestCertificates) => Promise<void>): Promise<void> {
  const certs = await makeTestCertificates();
  try {
    await body(certs);
  } finally {
    await certs.remove();
  }
}

/** Connects `name` over TLS to `port`, trusting the test CA (`host` is the name verified). */
function tlsClient(
  certs: TestCertificates,
  port: number,
  name: string,
  host = "127.0.0.1",
): Promise<ChatConnection> {
  return ChatConnection.connect({ port, host, name, tls: { caFile: certs.caFile } });
}

/** Server options that serve TLS with the test certificate. */
function tlsOptions(certs: TestCertificates): Partial<ServerOptions> {
  return { tlsCert: certs.certFile, tlsKey: certs.keyFile };
}

/** Reads a TLS client's events until the message from `from` arrives. */
async function nextChat(conn: ChatConnection, from: string): Promise<string> {
  for await (const event of conn.events()) {
    if (event.type === "frame" && event.kind === "chat" && event.frame.username === from) {
      return event.frame.message;
    }
    if (event.type === "closed") throw new Error(`closed: ${JSON.stringify(event.reason)}`);
  }
  throw new Error("events ended");
}

Deno.test("TLS: two verified clients chat end to end through a TLS server", opts, async () => {
  await withCerts(async (certs) => {
    await withServer({ options: tlsOptions(certs) }, async ({ server }) => {
      const alice = await tlsClient(certs, server.addr.port, "alice", "localhost");
      const bob = await tlsClient(certs, server.addr.port, "bob");
      assert.equal((await alice.login).ok, true);
      assert.equal((await bob.login).ok, true);
      assert.ok(alice.send("hello over TLS"));
      assert.equal(
        await withTimeout(nextChat(bob, "alice"), 5000, "alice's message"),
        "hello over TLS",
      );
      await alice.quit();
      await bob.quit();
    });
  });
});

Deno.test(
  "TLS: a plaintext client is told the server speaks TLS; the server keeps serving",
  opts,
  async () => {
    await withCerts(async (certs) => {
      await withServer({ options: tlsOptions(certs) }, async ({ server }) => {
        const plain = await ChatConnection.connect({
          port: server.addr.port,
          host: "127.0.0.1",
          name: "plain",
        });
        const reason = await withTimeout(plain.closed, 5000, "the plaintext client to give up");
        assert.deepEqual(reason, {
          kind: "protocol-error",
          message: PLAINTEXT_TO_TLS_MESSAGE,
          loggedIn: false,
        });
        const good = await tlsClient(certs, server.addr.port, "good");
        assert.equal((await good.login).ok, true);
        await good.quit();
        await waitUntil(() => server.connectionCount() === 0, 5000, "both sessions to end");
      });
    });
  },
);

Deno.test(
  "TLS: a TLS client against a plaintext server fails the handshake clearly",
  opts,
  async () => {
    await withCerts(async (certs) => {
      await withServer({}, async ({ server }) => {
        await assert.rejects(
          tlsClient(certs, server.addr.port, "alice"),
          (e: unknown) => {
            assert.ok(e instanceof ConnectError);
            assert.match(e.message, /^cannot connect to 127\.0\.0\.1:\d+: TLS handshake failed/);
            assert.match(e.message, /did not answer with TLS|closed the connection/);
            assert.match(e.message, /without --tls/);
            return true;
          },
        );
        await waitUntil(() => server.connectionCount() === 0, 5000, "the session to end");
      });
    });
  },
);

Deno.test("TLS: a certificate from an unknown CA is refused, naming --ca", opts, async () => {
  await withCerts(async (certs) => {
    const other = await makeTestCertificates("some other CA");
    try {
      await withServer({ options: tlsOptions(certs) }, async ({ server }) => {
        await assert.rejects(
          tlsClient(other, server.addr.port, "alice"),
          /TLS handshake failed: .*(certificate|UnknownIssuer).*--ca FILE/,
        );
        // Without --ca the system roots do not know the throwaway CA either.
        await assert.rejects(
          ChatConnection.connect({
            port: server.addr.port,
            host: "127.0.0.1",
            name: "alice",
            tls: {},
          }),
          /UnknownIssuer/,
        );
        await waitUntil(() => server.connectionCount() === 0, 5000, "the sessions to end");
      });
    } finally {
      await other.remove();
    }
  });
});

Deno.test(
  "TLS: a stalled handshake ends at the login timeout and blocks nobody",
  opts,
  async () => {
    // Known runtime limit (Deno 2.9): closing a TlsConn whose handshake never started does not
    // release the socket until the peer sends a byte or goes away. The session, its counts and
    // its timers are released at the timeout; this test checks that, not the socket.
    await withCerts(async (certs) => {
      const clock = new ManualClock();
      const options = { ...tlsOptions(certs), loginTimeoutSeconds: 10, maxClientsPerIp: 2 };
      await withServer({ options, clock }, async ({ server }) => {
        const stalled = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
        try {
          await waitUntil(() => server.connectionCount() === 1, 5000, "the stalled connection");
          // The accept loop is not waiting on that handshake: a real client gets in meanwhile.
          const good = await tlsClient(certs, server.addr.port, "good");
          assert.equal((await good.login).ok, true);
          assert.equal(server.connectionCount(), 2);
          clock.advance(10_000);
          await waitUntil(
            () => server.connectionCount() === 1,
            5000,
            "the stalled session to end",
          );
          assert.deepEqual(server.onlineNames(), ["good"]);
          // Its per-IP slot was released: with a limit of 2, another client fits beside "good".
          const other = await tlsClient(certs, server.addr.port, "other");
          assert.equal((await other.login).ok, true);
          await other.quit();
          await good.quit();
        } finally {
          stalled.close();
        }
      });
    });
  },
);

Deno.test("TLS: the client's handshake is bounded by its timeout", opts, async () => {
  await withCerts(async (certs) => {
    // A listener that accepts and never answers: the handshake can only time out.
    const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted = silent.accept();
    try {
      await assert.rejects(
        connectTls("127.0.0.1", silent.addr.port, {
          caFile: certs.caFile,
          handshakeTimeoutMs: 300,
        }),
        (e: unknown) => e instanceof TlsHandshakeError && /timed out after 0\.3 s/.test(e.message),
      );
    } finally {
      (await accepted).close();
      silent.close();
    }
  });
});

Deno.test(
  "TLS: missing or unusable certificate files stop the server with one clear error",
  opts,
  async () => {
    await withCerts(async (certs) => {
      const missing = `${certs.dir}/nope.pem`;
      const start = (tlsCert?: string, tlsKey?: string) =>
        startServer(testServerOptions({ tlsCert, tlsKey }), { console: new CapturedConsole() });
      await assert.rejects(start(missing, certs.keyFile), (e: unknown) => {
        assert.ok(e instanceof TlsConfigError);
        assert.equal(e.message, `cannot read TLS certificate file '${missing}': no such file`);
        return true;
      });
      await assert.rejects(
        start(certs.certFile, missing),
        /cannot read TLS key file .*no such file/,
      );
      await assert.rejects(start(certs.keyFile, certs.keyFile), /holds no PEM certificate/);
      await assert.rejects(start(certs.certFile, certs.caFile), /holds no PEM key/);
      await assert.rejects(start(certs.certFile, undefined), /certificate needs a key/);
      // A real key that does not belong to the certificate.
      const ca = `${certs.dir}/ca.key`;
      await assert.rejects(start(certs.certFile, ca), TlsConfigError);
    });
  },
);

Deno.test(
  "TLS from the command line: exit codes for bad files and flags, then a TLS chat",
  opts,
  async () => {
    await withCerts(async (certs) => {
      const missing = `${certs.dir}/missing.pem`;
      const run = async (args: string[]) => {
        const chat = new ChatProcess(sourceCommand(), args, "null");
        const code = await chat.exited();
        return { code, stderr: chat.stderr.text };
      };
      const noCert = await run([
        "server",
        "--port",
        "0",
        "--tls-cert",
        missing,
        "--tls-key",
        certs.keyFile,
      ]);
      assert.equal(noCert.code, 1);
      assert.equal(noCert.stderr.split("\n").length, 1, noCert.stderr);
      assert.match(
        noCert.stderr,
        /^chat: .*cannot read TLS certificate file '.*missing\.pem': no such file$/,
      );
      const half = await run(["server", "--port", "0", "--tls-cert", certs.certFile]);
      assert.equal(half.code, 2);
      assert.match(half.stderr, /^chat: --tls-cert needs --tls-key too/);
      const caOnly = await run(["client", "--ca", certs.caFile, "--name", "x", "--once", "hi"]);
      assert.equal(caOnly.code, 2);
      assert.match(caOnly.stderr, /^chat: --ca needs --tls/);
      const badCa = await run(["client", "--tls", "--ca", missing, "--name", "x", "--once", "hi"]);
      assert.equal(badCa.code, 1);
      assert.match(badCa.stderr, /^chat: cannot read CA file '.*missing\.pem': no such file$/);

      const { process, port } = await startChatServer(sourceCommand(), [
        "--tls-cert",
        certs.certFile,
        "--tls-key",
        certs.keyFile,
      ]);
      try {
        const bob = await tlsClient(certs, port, "bob");
        assert.equal((await bob.login).ok, true);
        const alice = new ChatProcess(sourceCommand(), [
          "client",
          "--tls",
          "--ca",
          certs.caFile,
          "--host",
          "localhost",
          "--port",
          String(port),
          "--name",
          "alice",
          "--once",
          "hi from the command line",
        ], "null");
        assert.equal(
          await withTimeout(nextChat(bob, "alice"), 10_000, "alice's line"),
          "hi from the command line",
        );
        assert.equal(await alice.exited(), 0);
        await bob.quit();
        // Where a child cannot be sent SIGINT (Windows), the finally's kill stops the server.
        if (!skipWhen("the TLS server's SIGINT stop", childSignalUnavailable("SIGINT"))) {
          assert.equal(await process.interrupt(), 0);
        }
      } finally {
        await process.kill();
      }
    });
  },
);

Deno.test(
  "TLS: self-signed certificates made with openssl and with chat cert; each mistake is one line",
  opts,
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "chat-cert-" });
    const chatCert = { certFile: `${dir}/cert.pem`, keyFile: `${dir}/key.pem` };
    const made = new ChatProcess(sourceCommand(), [
      "cert",
      "--cert",
      chatCert.certFile,
      "--key",
      chatCert.keyFile,
    ], "null");
    assert.equal(await made.exited(), 0, made.stderr.text);
    const plain = await makeOpensslSelfSigned({ leaf: false });
    const leaf = await makeOpensslSelfSigned({ leaf: true });
    const rsa = await makeOpensslSelfSigned({ leaf: true, rsa: true });
    const otherName = await makeOpensslSelfSigned({ leaf: true, host: "chat.example" });
    /** Connects to a server serving `served` as `host`, trusting `ca`; the error or "ok". */
    const attempt = async (
      served: { certFile: string; keyFile: string },
      ca: string,
      host = "localhost",
    ): Promise<string> => {
      let outcome = "";
      await withServer(
        { options: { tlsCert: served.certFile, tlsKey: served.keyFile } },
        async ({ server }) => {
          try {
            const conn = await ChatConnection.connect({
              host,
              port: server.addr.port,
              name: "alice",
              tls: { caFile: ca },
            });
            outcome = (await conn.login).ok ? "ok" : "refused";
            await conn.quit();
          } catch (error) {
            outcome = error instanceof Error ? error.message : String(error);
          }
          await waitUntil(() => server.connectionCount() === 0, 5000, "the session to end");
        },
      );
      return outcome;
    };
    const oneLine = (text: string) => {
      assert.ok(!text.includes("\n"), text);
      assert.ok(!/[{}]|Other\(|OtherError/.test(text), `no library debug text: ${text}`);
    };
    try {
      // What works: chat cert's pair, and README's openssl recipe (a leaf: CA:FALSE).
      assert.equal(await attempt(chatCert, chatCert.certFile), "ok");
      assert.equal(await attempt(chatCert, chatCert.certFile, "127.0.0.1"), "ok");
      assert.equal(await attempt(leaf, leaf.certFile), "ok");
      assert.equal(await attempt(rsa, rsa.certFile), "ok");

      // The usual one-liner without the recipe's -addext makes a CA certificate.
      const caAsLeaf = await attempt(plain, plain.certFile);
      oneLine(caAsLeaf);
      assert.match(caAsLeaf, /CA certificate \(CA:TRUE\).*\(CaUsedAsEndEntity\)/);
      assert.match(caAsLeaf, /chat cert.*basicConstraints=critical,CA:FALSE/);

      // A certificate for another name.
      const mismatch = await attempt(otherName, otherName.certFile);
      oneLine(mismatch);
      assert.match(mismatch, /not valid for the name 'localhost' \(NotValidForName\)/);
      assert.match(mismatch, /--host|chat cert localhost/);

      // The wrong file as --ca: another EC certificate (unknown issuer), an RSA one.
      const unknown = await attempt(chatCert, otherName.certFile);
      oneLine(unknown);
      assert.match(unknown, /not signed by the CA in '.*cert\.pem' \(UnknownIssuer\).*--ca FILE/);
      const wrongKind = await attempt(chatCert, rsa.certFile);
      oneLine(wrongKind);
      assert.match(wrongKind, /not signed by the CA in '.*cert\.pem'.*--ca FILE/);
    } finally {
      for (const files of [plain, leaf, rsa, otherName]) await files.remove();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
