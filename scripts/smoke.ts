/**
 * The release smoke test: `chat --version`, then a server and two piped clients exchange a
 * message and everything exits cleanly. It takes the command to test, so the same steps run on
 * a compiled binary (release workflow) and on the source through `deno run` (the tests).
 *
 * Usage: deno run --allow-run --allow-read scripts/smoke.ts [PATH/TO/chat]
 * (without a path it runs the source with the binary's permissions)
 * @module
 */

import { ChatProcess, startChatServer } from "../kit/chat_process.ts";
import { sourceCommand } from "./chat_process.ts";

/** A smoke step saw something other than what it expected. */
export class SmokeError extends Error {
  constructor(step: string, detail: string) {
    super(`${step}: ${detail}`);
    this.name = "SmokeError";
  }
}

const VERSION_LINE = /^chat \d+\.\d+\.\d+\S* \(deno \d+\.\d+\.\d+\S*\)$/;

/** Runs every smoke step against `command` (a binary, or `deno run ... main.ts`); throws SmokeError. */
export async function smokeTest(
  command: readonly string[],
  log: (line: string) => void = console.log,
): Promise<void> {
  const version = new ChatProcess(command, ["--version"], "null");
  const versionCode = await version.exited();
  const versionLine = version.stdout.lines[0] ?? "";
  if (versionCode !== 0 || !VERSION_LINE.test(versionLine)) {
    throw new SmokeError("--version", `exit ${versionCode}, printed '${version.stdout.text}'`);
  }
  log(`ok  --version: ${versionLine}`);

  const server = await startChatServer(command);
  log(`ok  server listening on port ${server.port}`);
  const clients: ChatProcess[] = [];
  let serverCode: number;
  try {
    const address = ["127.0.0.1", String(server.port)];
    const bob = new ChatProcess(command, ["client", ...address, "bob"], "piped");
    clients.push(bob);
    await bob.stdout.waitFor((line) => line.trim() !== "", "bob's welcome");
    log("ok  bob logged in");

    const alice = new ChatProcess(command, ["client", ...address, "alice"], "piped");
    clients.push(alice);
    await alice.write("hello from the smoke test\n");
    await alice.closeStdin();
    const aliceCode = await alice.exited();
    if (aliceCode !== 0) {
      throw new SmokeError("piped client", `alice exited ${aliceCode}: ${alice.stderr.text}`);
    }
    log("ok  alice sent a line from a pipe and exited 0");

    await bob.stdout.waitFor(
      (line) => line.includes("alice") && line.includes("hello from the smoke test"),
      "alice's message at bob",
    );
    log("ok  bob received alice's message");
    await bob.closeStdin();
    const bobCode = await bob.exited();
    if (bobCode !== 0) throw new SmokeError("piped client", `bob exited ${bobCode}`);
    log("ok  bob exited 0 at the end of its input");
  } finally {
    for (const client of clients) await client.kill();
    serverCode = await server.process.interrupt();
  }
  if (Deno.build.os !== "windows") {
    if (serverCode !== 0) {
      throw new SmokeError(
        "server shutdown",
        `exit ${serverCode} on SIGINT: ${server.process.stderr.text}`,
      );
    }
    log("ok  server exited 0 on SIGINT");
  }
}

if (import.meta.main) {
  const command = Deno.args.length > 0 ? [...Deno.args] : sourceCommand();
  try {
    await smokeTest(command);
    console.log("smoke test passed");
  } catch (error) {
    console.error(`smoke test failed: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
