/**
 * The room's roster: display order kept through adds and removes, exact membership, and the
 * look-alike index that remembers the first holder of each skeleton.
 */

import assert from "node:assert/strict";
import { Roster } from "../../server/roster.ts";

interface Person {
  key: string;
  name: string;
}

function person(name: string): Person {
  return { key: name.toLowerCase(), name };
}

Deno.test("names stay in key order through adds and removes", () => {
  const roster = new Roster<Person>(null);
  const [carol, alice, Bob] = [person("carol"), person("alice"), person("Bob")];
  for (const p of [carol, alice, Bob]) roster.add(p);
  assert.deepEqual(roster.names(), ["alice", "Bob", "carol"]);
  assert.deepEqual(roster.names(2), ["alice", "Bob"]);
  roster.remove(Bob);
  assert.deepEqual(roster.names(), ["alice", "carol"]);
  assert.equal(roster.size, 2);
  assert.deepEqual([...roster.members()].map((p) => p.name).sort(), ["alice", "carol"]);
});

Deno.test("contains is about this member, find and has about the key", () => {
  const roster = new Roster<Person>(null);
  const alice = person("alice");
  roster.add(alice);
  assert.ok(roster.has("alice"));
  assert.equal(roster.find("alice"), alice);
  assert.ok(roster.contains(alice));
  assert.equal(roster.contains(person("alice")), false, "another object under the same key");
  roster.remove(alice);
  assert.equal(roster.has("alice"), false);
  assert.deepEqual(roster.names(), []);
});

Deno.test("look-alikes: the first holder of a skeleton is found, under another key only", () => {
  const skeleton = (name: string) => name.toLowerCase().replaceAll("0", "o");
  const roster = new Roster<Person>(skeleton);
  assert.equal(roster.lookalike("obs", "obs"), undefined, "nothing without the roster");
  const first = person("obs");
  roster.add(first);
  assert.equal(roster.lookalike("0bs", "0bs"), first);
  assert.equal(roster.lookalike("obs", "obs"), undefined, "one's own key is not a look-alike");
  const second = person("0bs"); // got in some other way (a remote user): not the first holder
  roster.add(second);
  roster.remove(second);
  assert.equal(roster.lookalike("0bs", "0bs"), first, "removing a later holder keeps the first");
  roster.remove(first);
  assert.equal(roster.lookalike("0bs", "0bs"), undefined);
});
