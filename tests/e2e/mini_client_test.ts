/**
 * The README's "write your own client" example is real: examples/mini_client.ts type-checks
 * (deno task check), talks to a real `chat server`, and the README shows exactly its text.
 */

import assert from "node:assert/strict";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { ChatProcess, startChatServer } from "../../kit/chat_process.ts";

const ROOT = new URL("../../", import.meta.url);
const EXAMPLE = new URL("examples/mini_client.ts", ROOT);

/** Runs the example as a reader would: deno run --allow-net examples/mini_client.ts NAME ... */
function miniClient(name: string, port: number): ChatProcess {
  return new ChatProcess(
    [Deno.execPath(), "run", "--allow-net", EXAMPLE.href],
    [name, "127.0.0.1", String(port)],
    "piped",
  );
}

Deno.test("two mini clients chat through a real server and leave cleanly", async () => {
  const server = await startChatServer(sourceCommand());
  const clients: ChatProcess[] = [];
  try {
    const bob = miniClient("bob", server.port);
    clients.push(bob);
    await bob.stdout.waitFor((line) => line.startsWith("* ") && line.includes("bob"), "welcome");

    const alice = miniClient("alice", server.port);
    clients.push(alice);
    await alice.write("hello from the example\nsecond line\n");
    await alice.closeStdin();
    assert.equal(await alice.exited(), 0, alice.stderr.text);
    assert.match(alice.stdout.lines[0] ?? "", /^\* .*alice/, "alice saw her welcome notice");

    await bob.stdout.waitFor((line) => line === "<alice> second line", "alice's second line");
    await bob.stdout.waitFor((line) => line.startsWith("* ") && /alice.*left/.test(line), "leave");
    await bob.closeStdin();
    assert.equal(await bob.exited(), 0, bob.stderr.text);
    const chat = bob.stdout.lines.filter((line) => line.startsWith("<"));
    assert.deepEqual(chat, ["<alice> hello from the example", "<alice> second line"]);
  } finally {
    for (const client of clients) await client.kill();
    await server.process.interrupt();
  }
});

Deno.test("the README shows examples/mini_client.ts exactly, and it is about 20 lines", async () => {
  const example = await Deno.readTextFile(EXAMPLE);
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  assert.ok(readme.includes("```ts\n" + example + "```\n"), "README's snippet is the file");
  const code = example.split("\n").filter((line) => line.trim() !== "" && !/^\s*\/\//.test(line));
  assert.ok(code.length <= 24, `${code.length} lines of code`);
});
