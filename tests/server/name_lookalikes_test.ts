/**
 * Names that would display as an online name: invisible and format characters are refused,
 * compatibility forms and case variants share a key (NFKC and full case folding), and a name
 * with the same confusables skeleton as an online one is refused as taken. Every example of the
 * black-box report, table-driven, over real sockets.
 */

import assert from "node:assert/strict";
import { checkUsername, usernameKey } from "../../protocol/mod.ts";
import { nameSkeleton } from "../../server/name_skeleton.ts";
import { withServer } from "../helpers/server.ts";

/** What becomes of a login next to the names online. */
type Outcome = "invalid" | "same-key" | "look-alike";

interface Case {
  /** What it is, for the failure message. */
  what: string;
  /** The name tried. */
  name: string;
  /** The online name it must not pass for. */
  online: string;
  outcome: Outcome;
}

const CASES: readonly Case[] = [
  { what: "a tag character U+E0030", name: "obs0\u{e0030}", online: "obs0", outcome: "invalid" },
  {
    what: "shorthand format letter overlap U+1BCA0",
    name: "obs0\u{1bca0}",
    online: "obs0",
    outcome: "invalid",
  },
  {
    what: "musical symbol begin beam U+1D173",
    name: "obs0\u{1d173}",
    online: "obs0",
    outcome: "invalid",
  },
  {
    what: "Egyptian hieroglyph format U+13437",
    name: "obs0\u{13437}",
    online: "obs0",
    outcome: "invalid",
  },
  { what: "Khitan filler U+16FE4", name: "obs0\u{16fe4}", online: "obs0", outcome: "invalid" },
  { what: "blank braille U+2800", name: "obs0\u2800", online: "obs0", outcome: "invalid" },
  { what: "object replacement U+FFFC", name: "obs0\ufffc", online: "obs0", outcome: "invalid" },
  { what: "Cyrillic о", name: "\u043ebs0", online: "obs0", outcome: "look-alike" },
  { what: "Greek ο", name: "\u03bfbs0", online: "obs0", outcome: "look-alike" },
  { what: "fullwidth ｏｂｓ０", name: "ｏｂｓ０", online: "obs0", outcome: "same-key" },
  { what: "mathematical bold 𝐨𝐛𝐬𝟎", name: "𝐨𝐛𝐬𝟎", online: "obs0", outcome: "same-key" },
  { what: "the ﬁ ligature", name: "\ufb01le", online: "file", outcome: "same-key" },
  { what: "dotted capital İ", name: "\u0130stanbul", online: "istanbul", outcome: "same-key" },
  {
    what: "a zero width joiner after the name",
    name: "obs0\u200d",
    online: "obs0",
    outcome: "look-alike",
  },
  {
    what: "a variation selector after it",
    name: "obs0\ufe0f",
    online: "obs0",
    outcome: "look-alike",
  },
];

Deno.test("names: each look-alike is refused by the rule the table names", () => {
  for (const { what, name, online, outcome } of CASES) {
    const check = checkUsername(name);
    if (outcome === "invalid") {
      assert.ok(!check.ok && check.error.problem === "control-character", what);
      continue;
    }
    assert.ok(check.ok, what);
    const sameKey = check.key === usernameKey(online);
    assert.equal(sameKey, outcome === "same-key", `${what}: key ${check.key}`);
    if (outcome === "look-alike") {
      assert.equal(nameSkeleton(check.name), nameSkeleton(online), `${what}: skeleton`);
    }
  }
});

Deno.test("names: different names keep different skeletons and keys", () => {
  for (
    const [a, b] of [["obs0", "obs1"], ["alice", "alicia"], ["file", "fila"], ["名前", "名後"]]
  ) {
    assert.notEqual(nameSkeleton(a), nameSkeleton(b), `${a} / ${b}`);
    assert.notEqual(usernameKey(a), usernameKey(b), `${a} / ${b}`);
  }
});

Deno.test(
  "names: next to an online name, every look-alike login is refused over the wire",
  { sanitizeOps: true, sanitizeResources: true },
  async () => {
    await withServer({}, async ({ server, login, connect }) => {
      for (const online of new Set(CASES.map((c) => c.online))) await login(online);
      for (const { what, name, online, outcome } of CASES) {
        const client = await connect();
        await client.send({ username: name, message: "" });
        const frames = await client.expectClosed();
        const text = frames.map((f) => f.message).join(" | ");
        const expected = outcome === "invalid"
          ? "error: invalid name: a name must not contain control or invisible formatting characters"
          : outcome === "same-key"
          ? `error: name '${online}' is already taken`
          : `error: name '${name}' is already taken: it looks like '${online}'`;
        assert.equal(text, expected, what);
      }
      assert.deepEqual(server.onlineNames(), ["file", "istanbul", "obs0"]);
    });
  },
);

Deno.test(
  "names: once the holder leaves, its look-alike may log in",
  { sanitizeOps: true, sanitizeResources: true },
  async () => {
    await withServer({}, async ({ server, login, connect }) => {
      const holder = await login("obs0");
      await holder.say("/quit");
      await holder.expectClosed();
      const client = await connect();
      await client.login("\u043ebs0");
      assert.deepEqual(server.onlineNames(), ["\u043ebs0"]);
    });
  },
);
