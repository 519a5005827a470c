/**
 * `chat --version`: the version comes from deno.json (one source of truth, embedded by a static
 * JSON import) and the line names the Deno the program runs on or was built with.
 */

import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import protocolConfig from "../../protocol/deno.json" with { type: "json" };
import { VERSION, versionLine } from "../../cli/version.ts";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { ChatProcess } from "../../kit/chat_process.ts";

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

Deno.test("VERSION is deno.json's version, a semantic version", () => {
  assert.equal(VERSION, config.version);
  assert.match(VERSION, SEMVER);
});

Deno.test("the protocol package is versioned with the program", () => {
  assert.equal(protocolConfig.version, config.version);
});

Deno.test("versionLine names chat's version and the Deno version", () => {
  assert.equal(versionLine("9.8.7"), `chat ${VERSION} (deno 9.8.7)`);
  assert.equal(versionLine(), `chat ${VERSION} (deno ${Deno.version.deno})`);
});

Deno.test("chat --version run from source prints exactly that line", async () => {
  const process = new ChatProcess(sourceCommand(), ["--version"], "null");
  assert.equal(await process.exited(), 0);
  assert.deepEqual(process.stdout.lines, [versionLine()]);
  assert.equal(process.stderr.text, "");
});
