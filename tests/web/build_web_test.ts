/**
 * The page the server embeds is the page its sources build: a change to web/ (or to protocol/,
 * which the page bundles) without `deno task build:web` fails here.
 */

import assert from "node:assert/strict";
import { buildPageAssets, PAGE_ASSETS_PATH } from "../../scripts/build_web.ts";

Deno.test("the committed page bundle is up to date with web/ and protocol/", async () => {
  const committed = await Deno.readTextFile(new URL(`../../${PAGE_ASSETS_PATH}`, import.meta.url));
  const built = await buildPageAssets();
  assert.ok(
    committed === built,
    `${PAGE_ASSETS_PATH} is stale: run \`deno task build:web\` and commit the result`,
  );
});
