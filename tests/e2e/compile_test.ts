/**
 * Shipping binaries. `deno compile` needs to download its runtime, which these
 * machines cannot: the test that compiles runs only when it works (and prints why it skipped
 * otherwise); everything it would check also runs from source through `deno run` with the
 * binary's permissions.
 */

import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import {
  binaryName,
  COMPILE_PERMISSIONS,
  COMPILE_TARGETS,
  compileArgs,
  formatSha256Sums,
  sha256Hex,
} from "../../scripts/build_targets.ts";
import { compileAll } from "../../scripts/compile_all.ts";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { smokeTest } from "../../scripts/smoke.ts";

const ROOT = new URL("../../", import.meta.url);
const decoder = new TextDecoder();

async function commandExists(name: string, args: string[]): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(name, { args, stdout: "null", stderr: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

Deno.test("the release targets are exactly the ones deno compile --target accepts", async () => {
  const { stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["compile", "--target", "no-such-target", "main.ts"],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = decoder.decode(stderr);
  const listed = /possible values: ([^\n]+)/.exec(text)?.[1];
  assert.ok(listed, `deno printed its targets: ${text}`);
  assert.deepEqual(listed.split(",").map((t) => t.trim()).sort(), [...COMPILE_TARGETS].sort());
});

Deno.test("binaries are named chat-<target>, with .exe on Windows", () => {
  assert.equal(binaryName("x86_64-unknown-linux-gnu"), "chat-x86_64-unknown-linux-gnu");
  assert.equal(binaryName("aarch64-apple-darwin"), "chat-aarch64-apple-darwin");
  assert.equal(binaryName("x86_64-pc-windows-msvc"), "chat-x86_64-pc-windows-msvc.exe");
  assert.deepEqual(compileArgs("aarch64-unknown-linux-gnu", "out"), [
    "compile",
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--target",
    "aarch64-unknown-linux-gnu",
    "--output",
    "out/chat-aarch64-unknown-linux-gnu",
    "main.ts",
  ]);
});

Deno.test("deno task compile bakes in the same least permissions, never -A", () => {
  const tasks: Record<string, string> = config.tasks;
  assert.equal(
    tasks.compile,
    `deno compile ${COMPILE_PERMISSIONS.join(" ")} --output dist/chat main.ts`,
  );
  assert.match(tasks["compile:all"], /scripts\/compile_all\.ts$/);
  for (const [name, task] of Object.entries(tasks)) {
    assert.ok(!/(^|\s)(-A|--allow-all)(\s|$)/.test(task), `task ${name} does not use -A`);
  }
});

Deno.test("SHA256SUMS is what sha256sum -c verifies", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-sums-" });
  try {
    const files: Record<string, string> = { "chat-b": "second binary", "chat-a.exe": "first" };
    const entries = [];
    for (const [name, content] of Object.entries(files)) {
      const bytes = new TextEncoder().encode(content);
      await Deno.writeFile(`${dir}/${name}`, bytes);
      entries.push({ name, sha256: await sha256Hex(bytes) });
    }
    const sums = formatSha256Sums(entries);
    assert.equal(
      sums,
      "a7937b64b8caa58f03721bb6bacf5c78cb235febe0e70b1b84cd99541461a08e  chat-a.exe\n" +
        `${await sha256Hex(new TextEncoder().encode("second binary"))}  chat-b\n`,
    );
    await Deno.writeTextFile(`${dir}/SHA256SUMS`, sums);
    if (!(await commandExists("sha256sum", ["--version"]))) {
      console.log("skipped sha256sum -c: sha256sum is not installed on this machine");
      return;
    }
    const check = await new Deno.Command("sha256sum", { args: ["-c", "SHA256SUMS"], cwd: dir })
      .output();
    assert.equal(check.code, 0, decoder.decode(check.stdout) + decoder.decode(check.stderr));
    assert.match(decoder.decode(check.stdout), /chat-a\.exe: OK\nchat-b: OK/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("smoke test from source: version, server, two piped clients, clean exits", async () => {
  const steps: string[] = [];
  await smokeTest(sourceCommand(), (line) => steps.push(line));
  assert.ok(steps.some((s) => s.includes("bob received alice's message")), steps.join("\n"));
});

/** Why deno compile cannot run here, or undefined when it can (it downloads denort once). */
async function compileUnavailable(outDir: string): Promise<string | undefined> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "compile",
      "--no-check",
      ...COMPILE_PERMISSIONS,
      "--output",
      `${outDir}/probe`,
      "main.ts",
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (code === 0) return undefined;
  const text = decoder.decode(stderr);
  const lines = text.split("\n").map((line) => line.trim());
  return lines.find((line) => /error sending request|dns error/i.test(line)) ??
    lines.find((line) => line !== "") ?? `exit code ${code}`;
}

Deno.test("the compiled binary passes the same smoke test (when deno compile can run)", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "chat-dist-" });
  try {
    const reason = await compileUnavailable(outDir);
    if (reason !== undefined) {
      console.log(`skipped compiling: deno compile cannot get its runtime here (${reason})`);
      return;
    }
    const host = COMPILE_TARGETS.find((t) => t === Deno.build.target);
    assert.ok(host, `${Deno.build.target} is a release target`);
    const entries = await compileAll([host], outDir, ROOT);
    const sums = await Deno.readTextFile(`${outDir}/SHA256SUMS`);
    assert.equal(sums, formatSha256Sums(entries));
    await smokeTest([`${outDir}/${binaryName(host)}`], () => {});
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
