import assert from "node:assert/strict";
import { History } from "../../../client/ui/history.ts";

Deno.test("history: Up walks back, Down forward, and the draft comes back at the end", () => {
  const history = new History();
  history.add("one");
  history.add("two");
  assert.equal(history.move(-1, "draft"), "two");
  assert.equal(history.move(-1, "two"), "one");
  assert.equal(history.move(-1, "one"), undefined);
  assert.equal(history.move(1, "one"), "two");
  assert.equal(history.move(1, "two"), "draft");
  assert.equal(history.move(1, "draft"), undefined);
});

Deno.test("history: empty lines and repeats of the last line are not kept", () => {
  const history = new History();
  history.add("a");
  history.add("");
  history.add("a");
  history.add("b");
  history.add("a");
  assert.deepEqual(history.lines, ["a", "b", "a"]);
});

Deno.test("history: the oldest lines go beyond the limit", () => {
  const history = new History(2);
  for (const line of ["1", "2", "3"]) history.add(line);
  assert.deepEqual(history.lines, ["2", "3"]);
});

Deno.test("history: adding a line stops browsing", () => {
  const history = new History();
  history.add("one");
  history.add("two");
  history.move(-1, "");
  history.move(-1, "two");
  history.add("three");
  assert.equal(history.move(-1, ""), "three");
});
