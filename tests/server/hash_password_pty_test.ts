/**
 * `chat hash-password` on a real terminal (util-linux's `script` gives it a pty): the password
 * is asked twice and never echoed; two different entries are refused.
 */

import assert from "node:assert/strict";
import { parsePasswordHash, verifyPassword } from "../../server/moderation/password_hash.ts";
import { skipPty } from "../helpers/pty_client.ts";
import { waitUntil } from "../helpers/wire.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Runs hash-password in a pty, typing each entry once its prompt is shown. */
async function inPty(entries: string[]): Promise<{ code: number; output: string }> {
  const command = `'${Deno.execPath()}' run --allow-read '${MAIN}' hash-password`;
  const child = new Deno.Command("script", {
    args: ["-qfec", command, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of child.stdout) output += decoder.decode(chunk, { stream: true });
  })();
  const errors = new Response(child.stderr).text();
  const writer = child.stdin.getWriter();
  try {
    for (const [i, entry] of entries.entries()) {
      const prompts = i + 1;
      await waitUntil(
        () => output.split("Password").length > prompts,
        10_000,
        `prompt ${prompts}`,
      );
      await writer.write(new TextEncoder().encode(`${entry}\r`));
    }
    const status = await child.status;
    await reading;
    await errors;
    return { code: status.code, output };
  } finally {
    await writer.close().catch(() => {});
  }
}

Deno.test("chat hash-password on a terminal: asked twice, never echoed", skipPty, async () => {
  const ok = await inPty(["tty secret", "tty secret"]);
  assert.equal(ok.code, 0, ok.output);
  assert.ok(!ok.output.includes("tty secret"), `the password was echoed: ${ok.output}`);
  const hash = /scrypt\$\S+/.exec(ok.output)?.[0] ?? "";
  assert.equal(await verifyPassword("tty secret", parsePasswordHash(hash)), true);

  const differ = await inPty(["first-entry", "second-entry"]);
  assert.equal(differ.code, 1);
  assert.match(differ.output, /chat: the two passwords differ/);
  assert.ok(!differ.output.includes("-entry"), differ.output);
});
