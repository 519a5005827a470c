/**
 * The room's frames and events in IRC are encoded once per broadcast: every IRC member gets the
 * same bytes, and the binary members' shared log never sees them.
 */

import assert from "node:assert/strict";
import { encodeFrame, notice } from "../../../protocol/mod.ts";
import { IrcDoor } from "../../../server/irc/irc_door.ts";
import type { IrcMember } from "../../../server/irc/irc_relay.ts";
import { textLines } from "../../../server/irc/irc_line.ts";
import { IrcTranslator } from "../../../server/irc/irc_translate.ts";
import { type Member, Room } from "../../../server/room.ts";
import { ManualClock } from "../../helpers/clock.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("IrcTranslator: a fanned-out frame is translated once, direct notices per nick", () => {
  const translator = new IrcTranslator("chat.server", "#chat");
  const chat = encodeFrame({ username: "bob", message: "hi" });
  const first = translator.shared(chat);
  assert.equal(text(first), ":bob!bob@chat PRIVMSG #chat :hi\r\n");
  assert.equal(translator.shared(chat), first, "the same array for the rest of the fan-out");
  const announced = encodeFrame(notice("server going down"));
  assert.equal(
    text(translator.shared(announced)),
    ":chat.server NOTICE #chat :server going down\r\n",
  );
  assert.equal(
    text(translator.direct(encodeFrame(notice("just you")), "alice", false)),
    ":chat.server NOTICE alice :just you\r\n",
  );
});

Deno.test("IrcTranslator: a topic change's notice becomes a TOPIC line while it is announced", () => {
  const translator = new IrcTranslator("chat.server", "#chat");
  const chat = encodeFrame({ username: "bob", message: "hi" });
  const seen: string[] = [];
  translator.announceTopic({ setBy: "alice", text: "release day", setAt: 0 }, () => {
    seen.push(text(translator.shared(encodeFrame(notice("alice set the topic: release day")))));
    seen.push(text(translator.shared(chat)));
    seen.push(text(translator.shared(encodeFrame(notice("some other notice")))));
  });
  translator.announceTopic({ setBy: "alice", text: "", setAt: 0 }, () => {
    seen.push(text(translator.shared(encodeFrame(notice("alice set the topic: ")))));
  });
  seen.push(text(translator.shared(encodeFrame(notice("alice set the topic: x")))));
  assert.deepEqual(seen, [
    ":alice!alice@chat TOPIC #chat :release day\r\n",
    ":bob!bob@chat PRIVMSG #chat :hi\r\n",
    ":chat.server NOTICE #chat :some other notice\r\n",
    ":alice!alice@chat TOPIC #chat :\r\n",
    ":chat.server NOTICE #chat :alice set the topic: x\r\n",
  ]);
});

Deno.test("IrcTranslator: the byte-copy fast path says what the general translation says", () => {
  const translator = new IrcTranslator("chat.server", "#chat");
  const name = "n\u00e9";
  const head = `:${name}!${name}@chat PRIVMSG #chat :`;
  const room = 510 - new TextEncoder().encode(head).length;
  for (
    const message of ["x", "y".repeat(room - 1), "y".repeat(room), "y".repeat(room + 1), "a\nb"]
  ) {
    const frame = encodeFrame({ username: name, message });
    assert.equal(
      text(translator.shared(frame)),
      textLines(`${name}!${name}@chat`, "PRIVMSG", "#chat", message),
    );
  }
});

Deno.test("IrcTranslator: a replay is translated once per array and form", () => {
  const translator = new IrcTranslator("chat.server", "#chat");
  const time = Date.UTC(2026, 11, 3, 12, 0, 0, 0);
  const replay = new Uint8Array([
    ...encodeFrame(notice(`[history ${new Date(time).toISOString()}] <bob> hi`)),
    ...encodeFrame(notice("End of history")),
  ]);
  const plain = translator.replay(replay, false);
  assert.equal(
    text(plain),
    ":chat.server NOTICE #chat :[history 2026-12-03T12:00:00.000Z] <bob> hi\r\n" +
      ":chat.server NOTICE #chat :End of history\r\n",
  );
  const tagged = translator.replay(replay, true);
  assert.equal(
    text(tagged),
    "@time=2026-12-03T12:00:00.000Z :bob!bob@chat PRIVMSG #chat :hi\r\n" +
      ":chat.server NOTICE #chat :End of history\r\n",
  );
  assert.equal(translator.replay(replay, false), plain, "the same bytes for the next newcomer");
  assert.equal(translator.replay(replay, true), tagged);
});

/** A member that records what it is handed. */
class Recorder implements IrcMember {
  readonly followsEvents = true;
  readonly frames: Uint8Array[] = [];
  readonly lines: Uint8Array[] = [];
  readonly lastReadAt = 0;
  constructor(readonly name: string, readonly key = name) {}
  deliver(bytes: Uint8Array): void {
    this.frames.push(bytes);
  }
  deliverIrc(bytes: Uint8Array): void {
    this.lines.push(bytes);
  }
}

Deno.test("IrcRelay: joins, leaves and private messages become IRC lines, one array for all", () => {
  const clock = new ManualClock();
  const room = new Room();
  const door = new IrcDoor(room, clock, { channel: "#chat" });
  try {
    const a = new Recorder("a");
    const b = new Recorder("b");
    for (const member of [a, b]) {
      room.join(member);
      door.relay.add(member);
    }
    assert.deepEqual(a.frames, [], "no welcome or join notice as frames");
    const binary: Member = { name: "zed", key: "zed", deliver: () => {} };
    room.join(binary);
    room.sendPrivate(binary, "a", "psst");
    room.leave(binary, "quit");
    assert.deepEqual(a.lines.map(text), [
      ":b!b@chat JOIN #chat\r\n",
      ":zed!zed@chat JOIN #chat\r\n",
      ":zed!zed@chat PRIVMSG a :psst\r\n",
      ":zed!zed@chat QUIT :quit\r\n",
    ]);
    assert.equal(a.lines[1], b.lines[0], "the join of zed: the same bytes for both");
    assert.equal(a.lines[3], b.lines[1]);
    clock.advance(120_000);
    assert.equal(text(a.lines[4]), "PING :chat.server\r\n");
  } finally {
    door.stop();
  }
});
