/**
 * The start line as other programs read it: every listener, the main one first.
 */

import assert from "node:assert/strict";
import { ServerConsole } from "../../server/console.ts";
import { parseStartLine } from "../../server/start_line.ts";
import { ManualClock } from "../helpers/clock.ts";

const tcp = (hostname: string, port: number): Deno.NetAddr => ({
  transport: "tcp",
  hostname,
  port,
});

Deno.test("the start line names every listener and parses back", () => {
  const lines: string[] = [];
  const console = new ServerConsole(
    { log: (l) => lines.push(l), error: () => {} },
    new ManualClock(0),
  );
  console.started([
    { kind: "tls", addr: tcp("0.0.0.0", 5000) },
    { kind: "web", addr: tcp("::1", 8080) },
  ]);
  assert.deepEqual(lines, ["chat server listening on 0.0.0.0:5000 (tls), [::1]:8080 (web)"]);
  assert.deepEqual(parseStartLine(lines[0]), [
    { hostname: "0.0.0.0", port: 5000, kind: "tls" },
    { hostname: "::1", port: 8080, kind: "web" },
  ]);
});

Deno.test("the IRC door's listeners, (irc) and (ircs), parse back", () => {
  const line = "chat server listening on 0.0.0.0:5000 (tls), 127.0.0.1:6697 (ircs)";
  assert.deepEqual(parseStartLine(line)?.[1], { hostname: "127.0.0.1", port: 6697, kind: "ircs" });
  const plain = parseStartLine("chat server listening on 0.0.0.0:5000 (tcp), [::1]:6667 (irc)");
  assert.deepEqual(plain?.[1], { hostname: "::1", port: 6667, kind: "irc" });
});

Deno.test("lines that are not the start line do not parse", () => {
  for (
    const line of [
      "chat server listening on 127.0.0.1:5000",
      "[12:00:00] alice joined from 127.0.0.1:4000",
      "chat server listening on ",
    ]
  ) {
    assert.equal(parseStartLine(line), null, line);
  }
});
