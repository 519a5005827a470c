import assert from "node:assert/strict";
import { CLIENT_COMMANDS, clientCommand, helpLines } from "../../../client/ui/help.ts";

Deno.test("help: lists the client's own commands; the server's list comes from the server", () => {
  const text = helpLines().join("\n");
  for (const command of CLIENT_COMMANDS) assert.ok(text.includes(command.name), command.name);
  assert.ok(text.includes("//text"));
  assert.ok(!text.includes("/users"), "no server command is listed locally");
});

Deno.test("help: explains Ctrl-C and Ctrl-D on a non-empty line", () => {
  const text = helpLines().join("\n");
  assert.match(text, /Ctrl-C: clear the line \(quit on an empty line\)/);
  assert.match(text, /Ctrl-D: delete forward \(quit on an empty line\)/);
});

Deno.test("help: client commands are recognized, case-insensitively; others go to the server", () => {
  assert.equal(clientCommand("/help"), "help");
  assert.equal(clientCommand("/HELP me"), "help");
  assert.equal(clientCommand("/clear"), "clear");
  assert.equal(clientCommand("/quit"), "quit");
  assert.equal(clientCommand("/users"), undefined);
  assert.equal(clientCommand("/msg bob hi"), undefined);
  assert.equal(clientCommand("//help"), undefined);
  assert.equal(clientCommand("/helpful"), undefined);
  assert.equal(clientCommand("hello /help"), undefined);
});
