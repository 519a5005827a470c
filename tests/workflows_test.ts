/**
 * The GitHub workflows cannot run here, so they are parsed with a YAML parser and checked for
 * the jobs and steps shipping needs; .ci/run is checked for syntax and the same Deno version.
 */

import assert from "node:assert/strict";
import { parse } from "yaml";

const ROOT = new URL("../", import.meta.url);

type Yaml = Record<string, unknown>;

function isRecord(value: unknown): value is Yaml {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

async function readWorkflow(name: string): Promise<Yaml> {
  const text = await Deno.readTextFile(new URL(`.github/workflows/${name}`, ROOT));
  const parsed: unknown = parse(text);
  assert.ok(isRecord(parsed), `${name} is a YAML mapping`);
  return parsed;
}

function field(value: unknown, key: string, where: string): unknown {
  assert.ok(isRecord(value), `${where} is a mapping`);
  assert.ok(key in value, `${where} has '${key}'`);
  return value[key];
}

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  with?: Yaml;
  "working-directory"?: string;
}

function steps(workflow: Yaml, job: string): Step[] {
  const list = field(field(field(workflow, "jobs", "workflow"), job, "jobs"), "steps", job);
  assert.ok(Array.isArray(list), `${job}.steps is a list`);
  return list.map((step) => {
    assert.ok(isRecord(step), "a step is a mapping");
    return step as Step;
  });
}

/** The text of every `run:` of a job, to look for commands. */
function commands(workflow: Yaml, job: string): string {
  return steps(workflow, job).map((step) => step.run ?? "").join("\n");
}

const CI_RUN = await Deno.readTextFile(new URL(".ci/run", ROOT));
const DENO_VERSION = /^DENO_VERSION="([^"]+)"/m.exec(CI_RUN)?.[1];

Deno.test("ci.yml runs on push and pull request on Linux, macOS and Windows", async () => {
  const ci = await readWorkflow("ci.yml");
  const on = field(ci, "on", "ci.yml");
  assert.ok(isRecord(on) && "push" in on && "pull_request" in on, "triggers: push, pull_request");
  const matrix = field(
    field(field(field(ci, "jobs", "ci"), "test", "jobs"), "strategy", "test"),
    "matrix",
    "strategy",
  );
  assert.deepEqual(field(matrix, "os", "matrix"), [
    "ubuntu-latest",
    "macos-latest",
    "windows-latest",
  ]);
});

Deno.test("ci.yml checks formatting, lint, types, the package and runs the tests", async () => {
  const ci = await readWorkflow("ci.yml");
  const run = commands(ci, "test");
  for (const command of ["deno fmt --check", "deno lint", "deno check", "deno task test"]) {
    assert.ok(run.includes(command), `ci.yml runs '${command}'`);
  }
  const publish = steps(ci, "test").find((step) => step.run?.includes("deno publish --dry-run"));
  assert.equal(publish?.["working-directory"], "protocol", "publish dry run of protocol/");
});

Deno.test("release.yml builds every target on a version tag, smoke-tests and uploads", async () => {
  const release = await readWorkflow("release.yml");
  const on = field(release, "on", "release.yml");
  assert.deepEqual(field(field(on, "push", "on"), "tags", "push"), ["v*"]);
  const jobs = field(release, "jobs", "release.yml");
  assert.ok(isRecord(jobs));
  assert.deepEqual(Object.keys(jobs), ["build", "release"]);

  const build = commands(release, "build");
  assert.ok(build.includes("deno task compile:all"), "builds all targets");
  assert.ok(build.includes("sha256sum -c SHA256SUMS"), "verifies the checksums");
  assert.ok(build.includes("chat-x86_64-unknown-linux-gnu --version"), "smoke: --version");
  assert.ok(
    build.includes("scripts/smoke.ts ./dist/chat-x86_64-unknown-linux-gnu"),
    "smoke: a server and a piped client exchange a message",
  );
  const upload = commands(release, "release");
  assert.ok(upload.includes("dist/chat-*") && upload.includes("dist/SHA256SUMS"), "uploads all");
  assert.deepEqual(field(field(jobs, "release", "jobs"), "needs", "release"), "build");
});

Deno.test("the workflows and .ci/run install the same Deno version", async () => {
  assert.ok(DENO_VERSION, ".ci/run names DENO_VERSION");
  for (const name of ["ci.yml", "release.yml"]) {
    const workflow = await readWorkflow(name);
    assert.equal(field(field(workflow, "env", name), "DENO_VERSION", name), DENO_VERSION);
  }
  assert.ok(CI_RUN.includes('npm install -g "deno@${DENO_VERSION}"'), "npm installs that version");
});

Deno.test(".ci/run is valid bash that stops on errors and runs check then test", async () => {
  assert.match(CI_RUN, /^#!\/usr\/bin\/env bash\n/);
  assert.match(CI_RUN, /^set -euo pipefail$/m);
  const check = CI_RUN.indexOf("\ndeno task check ||");
  const test = CI_RUN.indexOf("\ndeno task test 2>&1");
  assert.ok(check > 0 && test > check, "check runs before test");
  if (Deno.build.os === "windows") {
    console.log("skipped bash -n .ci/run: no bash on Windows (.ci/run is for Debian CI)");
    return;
  }
  const { code, stderr } = await new Deno.Command("bash", {
    args: ["-n", ".ci/run"],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
});

Deno.test("checkouts keep LF line endings on every OS (Windows CI runs fmt --check)", async () => {
  const attributes = await Deno.readTextFile(new URL(".gitattributes", ROOT));
  assert.match(attributes, /^\* text=auto eol=lf$/m);
});
