/**
 * The codec as a JSR package: protocol/deno.json names it, `deno publish --dry-run`
 * passes offline, and its public API is documented with examples.
 */

import assert from "node:assert/strict";
import rootConfig from "../../deno.json" with { type: "json" };
import packageConfig from "../../protocol/deno.json" with { type: "json" };

const ROOT = new URL("../../", import.meta.url);
const PROTOCOL = new URL("protocol/", ROOT);

async function deno(args: string[], cwd: URL): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return { code, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

interface DocSymbol {
  name: string;
  declarations: { kind: string; jsDoc?: { doc?: string; tags?: { kind: string }[] } }[];
}

interface DocModule {
  module_doc?: { doc?: string; tags?: { kind: string }[] };
  symbols: DocSymbol[];
}

async function docOf(module: string): Promise<DocModule> {
  const { code, output } = await deno(["doc", "--json", module], PROTOCOL);
  assert.equal(code, 0, output);
  const json = JSON.parse(output) as { nodes: Record<string, DocModule> };
  const [node] = Object.values(json.nodes);
  assert.ok(node, "deno doc describes mod.ts");
  return node;
}

Deno.test("protocol/deno.json names a JSR package with version, exports and license", async () => {
  assert.match(packageConfig.name, /^@[a-z0-9-]+\/[a-z0-9-]+$/);
  assert.equal(packageConfig.version, rootConfig.version);
  assert.equal(packageConfig.exports, "./mod.ts");
  assert.equal(packageConfig.license, "MIT");
  const license = await Deno.readTextFile(new URL("LICENSE", ROOT));
  assert.match(license, /^MIT License/);
});

Deno.test("deno publish --dry-run of protocol/ passes offline and ships only the codec", async () => {
  const { code, output } = await deno(["publish", "--dry-run", "--allow-dirty"], PROTOCOL);
  assert.equal(code, 0, output);
  assert.match(output, /Success/);
  const files = [...output.matchAll(/file:\/\/\S+/g)].map((m) => m[0]);
  assert.ok(files.length > 0, output);
  for (const file of files) {
    assert.ok(file.startsWith(PROTOCOL.href), `${file} is inside protocol/`);
    assert.ok(!/_test\.ts$/.test(file), `${file} is not a test`);
  }
});

Deno.test("the package's module doc has an example", async () => {
  const doc = await docOf("mod.ts");
  assert.ok((doc.module_doc?.doc ?? "").length > 40, "mod.ts has a module doc");
  assert.ok(doc.module_doc?.tags?.some((tag) => tag.kind === "example"), "with an @example");
});

Deno.test("every export of the package is documented (deno doc --lint)", async () => {
  const { code, output } = await deno(["doc", "--lint", "mod.ts"], PROTOCOL);
  assert.equal(code, 0, output);
});

Deno.test("every function and class the package exports has an @example", async () => {
  const doc = await docOf("mod.ts");
  const missing = doc.symbols
    .filter((symbol) =>
      symbol.declarations.some((d) => d.kind === "function" || d.kind === "class")
    )
    .filter((symbol) =>
      !symbol.declarations.some((d) => d.jsDoc?.tags?.some((tag) => tag.kind === "example"))
    )
    .map((symbol) => symbol.name);
  assert.deepEqual(missing, [], `exports without an @example: ${missing.join(", ")}`);
});
