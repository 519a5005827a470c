/**
 * The README stays true to the code: every server option with its default as `chat server
 * --help` prints it, the commands it tells newcomers to run, and the exit codes.
 */

import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { CLIENT_USAGE } from "../../cli/client_args.ts";
import { SERVER_USAGE } from "../../cli/server_args.ts";
import { binaryName, COMPILE_TARGETS } from "../../scripts/build_targets.ts";

const README = await Deno.readTextFile(new URL("../../README.md", import.meta.url));

/** `--name VALUE ... (default X)` blocks of a usage text, continuation lines joined. */
function optionDefaults(usage: string): Map<string, string | undefined> {
  const options = new Map<string, string | undefined>();
  let current: string | undefined;
  let text = "";
  const flush = () => {
    if (current !== undefined) options.set(current, /\(default ([^)]+)\)/.exec(text)?.[1]);
  };
  for (const line of usage.split("\n")) {
    const start = /^\s{2}(?:-\w, )?--([a-z][a-z-]*)/.exec(line);
    if (start) {
      flush();
      current = start[1];
      text = line;
    } else if (current !== undefined && /^\s{6,}\S/.test(line)) {
      text += ` ${line.trim()}`;
    } else {
      flush();
      current = undefined;
    }
  }
  flush();
  return options;
}

/** The README table row of an option (`| \`--name ...\` | ... |`). */
function readmeRow(option: string): string | undefined {
  return README.split("\n").find((line) => new RegExp(`^\\| \`--${option}[ \`]`).test(line));
}

Deno.test("the README lists every server option with the default --help shows", () => {
  const options = optionDefaults(SERVER_USAGE);
  assert.ok(options.size >= 9, `parsed ${options.size} options from SERVER_USAGE`);
  for (const [option, defaultValue] of options) {
    if (option === "help") continue;
    const row = readmeRow(option);
    assert.ok(row, `README has a row for --${option}`);
    const cell = row.split("|")[2]?.trim();
    const expected = defaultValue === undefined ? "none" : `\`${defaultValue}\``;
    assert.equal(cell, expected, `README's default for --${option}`);
  }
});

Deno.test("the README's commands exist: the tasks it names and its test command", () => {
  const tasks = Object.keys(config.tasks);
  for (const [, task] of README.matchAll(/deno task ([a-z:]+)/g)) {
    assert.ok(tasks.includes(task), `deno.json has the task '${task}' the README names`);
  }
  assert.ok(README.includes("deno task serve") && README.includes("deno task test"));
});

Deno.test("the README's Download section comes first and names every release file", () => {
  const headings = [...README.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
  assert.deepEqual(headings.slice(0, 2), ["Download", "From source"]);
  for (const target of COMPILE_TARGETS) {
    assert.ok(README.includes(`\`${binaryName(target)}\``), `README names ${binaryName(target)}`);
  }
  assert.match(README, /sha256sum -c/);
});

Deno.test("the README documents the exit codes 0, 1 and 2", () => {
  for (const code of ["0", "1", "2"]) assert.match(README, new RegExp(`^\\| ${code} +\\|`, "m"));
});

Deno.test("the README names every client option --help lists, and the pacing", () => {
  const options = [...CLIENT_USAGE.matchAll(/^\s{2}(?:-\w, )?--([a-z][a-z-]*)/gm)].map((m) => m[1]);
  assert.ok(options.length >= 15, `parsed ${options.length} options from CLIENT_USAGE`);
  const client = README.slice(README.indexOf("## The client"), README.indexOf("## The server"));
  for (const option of options) {
    if (option === "help" || option === "host" || option === "port" || option === "name") continue;
    assert.ok(client.includes(`--${option}`), `README's client section names --${option}`);
  }
  assert.match(CLIENT_USAGE, /--rate N[\s\S]*\(default 8; 0 turns pacing off\)/);
  assert.match(client, /at most 8 a second by default/);
});
