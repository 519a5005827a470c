/**
 * The GitHub workflows cannot run here, so they are parsed with a YAML parser and checked for
 * their jobs, steps and dependencies; .ci/run is checked for syntax and the same Deno version.
 */

import assert from "node:assert/strict";
import { parse } from "yaml";
import { binaryName, COMPILE_TARGETS, type CompileTarget } from "../../scripts/build_targets.ts";

const ROOT = new URL("../../", import.meta.url);

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

/** What GitHub's runner labels run on, as `runner.os` / `runner.arch` name it. */
const RUNNER_PLATFORMS: Readonly<Record<string, { os: string; arch: string }>> = {
  "ubuntu-latest": { os: "Linux", arch: "X64" },
  "ubuntu-24.04": { os: "Linux", arch: "X64" },
  "ubuntu-24.04-arm": { os: "Linux", arch: "ARM64" },
  "macos-15-intel": { os: "macOS", arch: "X64" },
  "macos-latest": { os: "macOS", arch: "ARM64" },
  "macos-15": { os: "macOS", arch: "ARM64" },
  "windows-latest": { os: "Windows", arch: "X64" },
  "windows-2025": { os: "Windows", arch: "X64" },
  "windows-11-arm": { os: "Windows", arch: "ARM64" },
};

/** The system and architecture a target's binary runs on, in runner terms. */
function targetPlatform(target: CompileTarget): { os: string; arch: string } {
  const arch = target.startsWith("x86_64-") ? "X64" : "ARM64";
  const os = target.includes("linux") ? "Linux" : target.includes("darwin") ? "macOS" : "Windows";
  return { os, arch };
}

interface RunEntry {
  target: CompileTarget;
  runner: string;
  os: string;
  arch: string;
  exe?: string;
}

function runMatrix(release: Yaml): RunEntry[] {
  const run = field(field(release, "jobs", "release.yml"), "run", "jobs");
  const matrix = field(field(run, "strategy", "run"), "matrix", "strategy");
  const include = field(matrix, "include", "matrix");
  assert.ok(Array.isArray(include), "run.strategy.matrix.include is a list");
  return include.map((entry) => {
    assert.ok(isRecord(entry), "a matrix entry is a mapping");
    return entry as unknown as RunEntry;
  });
}

Deno.test("release.yml: build, then a run job per target, then the release", async () => {
  const release = await readWorkflow("release.yml");
  const on = field(release, "on", "release.yml");
  assert.deepEqual(field(field(on, "push", "on"), "tags", "push"), ["v*"]);
  const jobs = field(release, "jobs", "release.yml");
  assert.ok(isRecord(jobs));
  assert.deepEqual(Object.keys(jobs), ["build", "run", "release"]);

  const build = commands(release, "build");
  assert.ok(build.includes("deno task compile:all"), "builds all targets");
  assert.ok(build.includes("sha256sum -c SHA256SUMS"), "verifies the checksums");
  const upload = steps(release, "build").find((step) => step.uses?.startsWith("actions/upload-"));
  assert.equal(upload?.with?.path, "dist/", "hands dist/ to the run jobs");

  assert.equal(
    field(field(jobs, "run", "jobs"), "needs", "run"),
    "build",
    "run jobs need the build",
  );
  const needs = field(field(jobs, "release", "jobs"), "needs", "release");
  assert.deepEqual(needs, ["build", "run"], "the release waits for every run job");
});

Deno.test("release.yml runs every target's binary on a runner of its own system", async () => {
  const release = await readWorkflow("release.yml");
  const entries = runMatrix(release);
  assert.deepEqual(
    entries.map((entry) => entry.target).sort(),
    [...COMPILE_TARGETS].sort(),
    "one run entry per target of scripts/build_targets.ts",
  );
  for (const entry of entries) {
    const platform = targetPlatform(entry.target);
    assert.deepEqual(
      RUNNER_PLATFORMS[entry.runner],
      platform,
      `${entry.target} runs on ${entry.runner}, a known ${platform.os} ${platform.arch} runner`,
    );
    assert.deepEqual({ os: entry.os, arch: entry.arch }, platform, `${entry.target}'s os/arch`);
    assert.equal(
      `chat-${entry.target}${entry.exe ?? ""}`,
      binaryName(entry.target),
      `${entry.target}'s file name`,
    );
  }

  const run = field(field(release, "jobs", "release.yml"), "run", "jobs");
  assert.equal(field(run, "runs-on", "run"), "${{ matrix.runner }}");
  assert.equal(field(field(run, "strategy", "run"), "fail-fast", "strategy"), false);
  assert.equal(
    field(field(run, "env", "run"), "BINARY", "env"),
    "./dist/chat-${{ matrix.target }}${{ matrix.exe }}",
  );
  const runSteps = steps(release, "run");
  const first = runSteps[0]?.run ?? "";
  assert.ok(
    first.includes("${RUNNER_OS}/${RUNNER_ARCH}") && first.includes("${{ matrix.os }}/"),
    "the first step checks the runner's system and architecture",
  );
  const text = commands(release, "run");
  assert.ok(text.includes('"${BINARY}" --version'), "chat --version");
  assert.ok(text.includes('scripts/smoke.ts "${BINARY}"'), "the smoke test with that binary");
  const installStep = runSteps.find((step) => step.run?.includes("install.sh"));
  assert.ok(installStep?.run?.includes("--base-url http://127.0.0.1:"), "install.sh from a mirror");
});

Deno.test("release.yml publishes the binaries, SHA256SUMS and an install.sh naming the repo", async () => {
  const release = await readWorkflow("release.yml");
  const upload = commands(release, "release");
  for (const file of ["dist/chat-*", "dist/SHA256SUMS", "dist/install.sh"]) {
    assert.ok(upload.includes(file), `uploads ${file}`);
  }
  const installSh = await Deno.readTextFile(new URL("install.sh", ROOT));
  assert.equal(
    installSh.match(/^DEFAULT_REPO=""$/gm)?.length,
    1,
    "install.sh has the one DEFAULT_REPO line the release fills in",
  );
  const fill = steps(release, "release").find((step) => step.run?.includes("install.sh"));
  assert.ok(fill?.run, "a step writes dist/install.sh");
  if (Deno.build.os === "windows") {
    console.log("skipped running the install.sh step: no bash on Windows");
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "chat-release-step-" });
  try {
    await Deno.writeTextFile(`${dir}/install.sh`, installSh);
    await Deno.mkdir(`${dir}/dist`);
    const { code, stderr } = await new Deno.Command("bash", {
      args: ["-eo", "pipefail", "-c", fill.run],
      cwd: dir,
      env: { GITHUB_REPOSITORY: "acme/chat" },
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const filled = await Deno.readTextFile(`${dir}/dist/install.sh`);
    assert.equal(
      filled,
      installSh.replace(/^DEFAULT_REPO=""$/m, 'DEFAULT_REPO="acme/chat"'),
      "the release's install.sh differs only in naming the repository",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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

/**
 * Debian packages Ubuntu's archive lacks (Ubuntu ships chromium only as a snap): ci.yml uses the
 * runner's own copy instead, named by this environment variable of its Test step.
 */
const RUNNER_INSTEAD: Readonly<Record<string, { env: string; value: string }>> = {
  chromium: { env: "CHAT_BROWSER", value: "/usr/bin/google-chrome" },
};

Deno.test("ci.yml installs on Linux every Debian package .ci/run's APT_NEEDS lists", async () => {
  const block = /^APT_NEEDS=\(\n([\s\S]*?)^\)/m.exec(CI_RUN)?.[1];
  assert.ok(block, ".ci/run has an APT_NEEDS list");
  const packages = [...block.matchAll(/^\s*"[^":]+:([^"]+)"/gm)].map((match) => match[1]);
  assert.ok(packages.length >= 5, `parsed ${packages.length} packages`);
  const ci = await readWorkflow("ci.yml");
  const install = steps(ci, "test").find((step) => step.run?.includes("apt-get install"));
  assert.ok(install?.run, "ci.yml has an apt-get install step");
  const installed = install.run.split(/\s+/);
  const test = steps(ci, "test").find((step) => step.run === "deno task test") as
    | (Step & { env?: Record<string, string> })
    | undefined;
  for (const name of packages) {
    const instead = RUNNER_INSTEAD[name];
    if (instead !== undefined) {
      assert.equal(
        test?.env?.[instead.env],
        instead.value,
        `ci.yml's Test step sets ${instead.env}`,
      );
      continue;
    }
    assert.ok(installed.includes(name), `ci.yml installs ${name} (in .ci/run's APT_NEEDS)`);
  }
});
