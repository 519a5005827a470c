/**
 * The house rules that keep the layout readable, checked on the source itself: docs/architecture.md
 * names every source file (and no file that is gone), imports go one way between folders with no
 * circle, and no code comment names an issue number.
 */

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/** The folders whose every `.ts` file must have a row in docs/architecture.md. */
const MAPPED_FOLDERS = [
  "protocol",
  "server",
  "client",
  "cert",
  "cli",
  "kit",
  "bench",
  "soak",
  "scripts",
  "examples",
  "web",
];

/** Every `.ts` file under `dir` (relative to the repository, `/`-separated), sorted. */
async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(new URL(`${dir}/`, ROOT))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) out.push(...await tsFiles(path));
    else if (entry.isFile && entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

/** The source files the map must cover: the mapped folders and main.ts. */
async function sourceFiles(): Promise<string[]> {
  const files = ["main.ts"];
  for (const folder of MAPPED_FOLDERS) files.push(...await tsFiles(folder));
  return files;
}

/** Every file the layering rules apply to: the source files and the tests. */
async function allFiles(): Promise<string[]> {
  return [...await sourceFiles(), ...await tsFiles("tests")];
}

/** The backticked spans of a Markdown text. */
function codeSpans(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]));
}

Deno.test("docs/architecture.md has a row for every source file", async () => {
  const spans = codeSpans(await Deno.readTextFile(new URL("docs/architecture.md", ROOT)));
  const missing = (await sourceFiles()).filter((file) =>
    !spans.has(file) && !spans.has(file.replace(/\.ts$/, ""))
  );
  assert.deepEqual(missing, [], `add these to docs/architecture.md: ${missing.join(", ")}`);
});

Deno.test("docs/architecture.md names no source file that is gone", async () => {
  const spans = codeSpans(await Deno.readTextFile(new URL("docs/architecture.md", ROOT)));
  const files = await sourceFiles();
  const known = new Set(files);
  const folders = new Set(files.map((file) => file.slice(0, file.lastIndexOf("/"))));
  const module = new RegExp(`^(${MAPPED_FOLDERS.join("|")})/[\\w/]*\\w(\\.ts|/)?$`);
  const gone = [...spans].filter((span) =>
    module.test(span) && !known.has(span) && !known.has(`${span}.ts`) &&
    !folders.has(span.replace(/\/$/, ""))
  );
  assert.deepEqual(gone, [], `docs/architecture.md names what no longer exists: ${gone}`);
});

/** The folder a file belongs to for the layering rules (`main.ts` is its own). */
function layerOf(file: string): string {
  return file.includes("/") ? file.slice(0, file.indexOf("/")) : file;
}

/** The program, from the bottom up. */
const PROGRAM = ["protocol", "server", "client", "cert", "cli", "main.ts"];

/** What each folder may import (its own folder always). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  protocol: [],
  server: ["protocol"],
  client: ["protocol"],
  cert: ["protocol"],
  cli: ["protocol", "server", "client", "cert"],
  "main.ts": ["protocol", "server", "client", "cert", "cli"],
  kit: PROGRAM,
  bench: [...PROGRAM, "kit"],
  soak: [...PROGRAM, "kit"],
  scripts: [...PROGRAM, "kit"],
  examples: ["protocol"],
  web: ["protocol"],
  tests: [...PROGRAM, "kit", "bench", "soak", "scripts", "examples", "web"],
};

/** The repository files `file` imports statically (relative specifiers only). */
async function importsOf(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(new URL(file, ROOT));
  const specifiers = [
    ...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gms),
    ...text.matchAll(/^import\s*["']([^"']+)["']/gm),
  ].map((m) => m[1]);
  return specifiers
    .filter((s) => s.startsWith("../") || s.startsWith("../../"))
    .map((s) => new URL(s, new URL(file, ROOT)).href.slice(ROOT.href.length))
    .filter((target) => target.endsWith(".ts"));
}

async function importGraph(): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  for (const file of await allFiles()) graph.set(file, await importsOf(file));
  return graph;
}

Deno.test("imports go one way between folders", async () => {
  const graph = await importGraph();
  const broken: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    const allowed = MAY_IMPORT[from];
    assert.ok(allowed !== undefined, `${file}: no layering rule for ${from}`);
    for (const target of targets) {
      const to = layerOf(target);
      // The cluster bus is the server's inside: the rest of the program asks server/options.ts.
      const intoBus = target.startsWith("server/bus/") && PROGRAM.includes(from) &&
        from !== "server";
      if (!intoBus && (to === from || allowed.includes(to))) continue;
      broken.push(`${file} -> ${target}`);
    }
  }
  assert.deepEqual(broken, [], "imports against the direction of docs/architecture.md");
});

Deno.test("no import circle", async () => {
  const graph = await importGraph();
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const circles: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const target of graph.get(file) ?? []) {
      const seen = state.get(target);
      if (seen === "open") {
        circles.push([...stack.slice(stack.indexOf(target)), target].join(" -> "));
      } else if (seen === undefined && graph.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  assert.deepEqual(circles, []);
});

Deno.test("the import scan sees multi-line, type and re-export imports", async () => {
  const imports = await importsOf("tests/helpers/wire.ts");
  assert.deepEqual(imports.sort(), ["kit/timeout.ts", "kit/wire_client.ts"]);
});

Deno.test("no code comment names an issue number", async () => {
  const found: string[] = [];
  for (const file of await allFiles()) {
    const lines = (await Deno.readTextFile(new URL(file, ROOT))).split("\n");
    lines.forEach((line, i) => {
      if (/^\s*(\/\/|\/?\*)/.test(line) && /\bissues?[\s-]*#?\d/i.test(line)) {
        found.push(`${file}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(found, []);
});
