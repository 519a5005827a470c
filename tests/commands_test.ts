/**
 * parseMessage for every form a chat message can take, and the command list shown to users.
 */

import assert from "node:assert/strict";
import { commandList, parseMessage, SERVER_COMMANDS } from "../protocol/mod.ts";

const MSG = SERVER_COMMANDS.find((c) => c.name === "/msg");

Deno.test("commands: an empty message is a keepalive", () => {
  assert.deepEqual(parseMessage(""), { kind: "keepalive" });
});

Deno.test("commands: text without a leading slash is chat, unchanged", () => {
  for (const text of ["hello", " /users", "a/b", " ", "\n", "héllo 👋", "users/"]) {
    assert.deepEqual(parseMessage(text), { kind: "chat", text }, JSON.stringify(text));
  }
});

Deno.test("commands: a double slash sends the text with one slash removed", () => {
  assert.deepEqual(parseMessage("//users"), { kind: "chat", text: "/users" });
  assert.deepEqual(parseMessage("//"), { kind: "chat", text: "/" });
  assert.deepEqual(parseMessage("///x"), { kind: "chat", text: "//x" });
  assert.deepEqual(parseMessage("// spaced"), { kind: "chat", text: "/ spaced" });
});

Deno.test("commands: /users, with or without arguments, in any case", () => {
  for (const text of ["/users", "/users please", "/USERS", "/Users\n"]) {
    assert.deepEqual(parseMessage(text), { kind: "users" }, text);
  }
});

Deno.test("commands: /quit, with or without arguments, in any case", () => {
  for (const text of ["/quit", "/quit bye", "/QUIT"]) {
    assert.deepEqual(parseMessage(text), { kind: "quit" }, text);
  }
});

Deno.test("commands: /msg NAME TEXT", () => {
  assert.deepEqual(parseMessage("/msg bob hello there"), {
    kind: "msg",
    target: "bob",
    text: "hello there",
  });
  assert.deepEqual(parseMessage("/MSG Bob hi"), { kind: "msg", target: "Bob", text: "hi" });
  assert.deepEqual(parseMessage("/msg   bob\thi"), { kind: "msg", target: "bob", text: "hi" });
  assert.deepEqual(parseMessage("/msg José 👋"), { kind: "msg", target: "José", text: "👋" });
  // TEXT is everything after the one whitespace character that ends NAME, kept as typed.
  assert.deepEqual(parseMessage("/msg bob  two spaces "), {
    kind: "msg",
    target: "bob",
    text: " two spaces ",
  });
  assert.deepEqual(parseMessage("/msg bob line1\nline2"), {
    kind: "msg",
    target: "bob",
    text: "line1\nline2",
  });
  assert.deepEqual(parseMessage("/msg bob /users"), { kind: "msg", target: "bob", text: "/users" });
});

Deno.test("commands: /msg without a name or without text is a usage error", () => {
  assert.ok(MSG !== undefined);
  for (const text of ["/msg", "/msg ", "/msg bob", "/msg bob ", "/msg bob   \t", "/MSG"]) {
    assert.deepEqual(parseMessage(text), { kind: "usage", command: MSG }, JSON.stringify(text));
  }
});

Deno.test("commands: any other slash word is an unknown command, named as typed", () => {
  assert.deepEqual(parseMessage("/help"), { kind: "unknown", command: "/help" });
  assert.deepEqual(parseMessage("/Nick bob"), { kind: "unknown", command: "/Nick" });
  assert.deepEqual(parseMessage("/msgbob hi"), { kind: "unknown", command: "/msgbob" });
  assert.deepEqual(parseMessage("/usersx"), { kind: "unknown", command: "/usersx" });
  assert.deepEqual(parseMessage("/"), { kind: "unknown", command: "/" });
  assert.deepEqual(parseMessage("/ users"), { kind: "unknown", command: "/" });
});

Deno.test("commands: the command list names every command with its usage", () => {
  assert.deepEqual(SERVER_COMMANDS.map((c) => c.name), ["/users", "/msg", "/quit"]);
  assert.equal(commandList(), "/users, /msg NAME TEXT, /quit");
  for (const command of SERVER_COMMANDS) {
    assert.ok(command.usage.startsWith(command.name));
    assert.ok(command.summary.length > 0);
  }
});
