import assert from "node:assert/strict";
import { type Key, type KeyName, KeyParser } from "../../../client/ui/keys.ts";
import { type EditorAction, LineEditor } from "../../../client/ui/line_editor.ts";
import { VirtualTerminal } from "../../helpers/virtual_terminal.ts";

/** An editor wired to a screen model: what the user would see after each step. */
class Harness {
  readonly editor: LineEditor;
  readonly screen: VirtualTerminal;
  readonly actions: EditorAction[] = [];

  constructor(columns = 20, rows = 6, prompt = "> ") {
    this.editor = new LineEditor({ prompt: { plain: prompt }, columns });
    this.screen = new VirtualTerminal(columns, rows);
    this.screen.write(this.editor.render());
  }

  type(text: string): this {
    return this.key({ kind: "text", text });
  }

  press(...names: KeyName[]): this {
    for (const name of names) this.key({ kind: "key", name });
    return this;
  }

  key(key: Key): this {
    const update = this.editor.handleKey(key);
    this.screen.write(update.output);
    this.actions.push(...update.actions);
    return this;
  }

  /** Feeds raw terminal input bytes, as stdin would deliver them. */
  raw(input: string): this {
    const parser = new KeyParser();
    for (const key of parser.push(new TextEncoder().encode(input))) this.key(key);
    for (const key of parser.flush()) this.key(key);
    return this;
  }

  message(...lines: string[]): this {
    this.screen.write(this.editor.printAbove(lines));
    return this;
  }

  /** Screen rows without trailing empty ones. */
  lines(): string[] {
    return this.screen.allLines();
  }

  cursor(): [number, number] {
    return [this.screen.cursorRow, this.screen.cursorCol];
  }
}

Deno.test("editor: typed text appears after the prompt, cursor after it", () => {
  const h = new Harness().type("hello");
  assert.deepEqual(h.lines(), ["> hello"]);
  assert.deepEqual(h.cursor(), [0, 7]);
  assert.equal(h.editor.text, "hello");
  assert.equal(h.screen.unknown.length, 0);
  assert.equal(h.screen.cursorVisible, true);
});

Deno.test("editor: left, right, Home, End, Ctrl-A, Ctrl-E move the cursor", () => {
  const h = new Harness().type("hello");
  h.press("left", "left");
  assert.deepEqual(h.cursor(), [0, 5]);
  h.press("right");
  assert.deepEqual(h.cursor(), [0, 6]);
  h.press("home");
  assert.deepEqual(h.cursor(), [0, 2]);
  h.press("end");
  assert.deepEqual(h.cursor(), [0, 7]);
  h.raw("\x01"); // Ctrl-A
  assert.deepEqual(h.cursor(), [0, 2]);
  h.press("left"); // stays at the start
  assert.deepEqual(h.cursor(), [0, 2]);
  h.raw("\x05"); // Ctrl-E
  assert.deepEqual(h.cursor(), [0, 7]);
  h.press("right"); // stays at the end
  assert.deepEqual(h.cursor(), [0, 7]);
  h.raw("\x1b[D\x1b[D\x1b[H\x1b[F\x1bOD");
  assert.deepEqual(h.cursor(), [0, 6]);
});

Deno.test("editor: typing in the middle inserts at the cursor", () => {
  const h = new Harness().type("helo").press("left").type("l");
  assert.deepEqual(h.lines(), ["> hello"]);
  assert.deepEqual(h.cursor(), [0, 6]);
});

Deno.test("editor: Backspace deletes before the cursor, Delete at it", () => {
  const h = new Harness().type("abcdef").press("left", "left", "backspace");
  assert.deepEqual(h.lines(), ["> abcef"]);
  assert.deepEqual(h.cursor(), [0, 5]);
  h.press("delete");
  assert.deepEqual(h.lines(), ["> abcf"]);
  assert.deepEqual(h.cursor(), [0, 5]);
  h.press("home", "backspace"); // nothing before the start
  assert.deepEqual(h.lines(), ["> abcf"]);
  h.press("end", "delete"); // nothing after the end
  assert.deepEqual(h.lines(), ["> abcf"]);
  h.raw("\x7f\x08\x1b[3~"); // DEL and Ctrl-H are Backspace
  assert.deepEqual(h.lines(), ["> ab"]);
});

Deno.test("editor: Ctrl-W deletes the word before the cursor, Ctrl-U to the start", () => {
  const h = new Harness().type("one two  three").raw("\x17");
  assert.deepEqual(h.lines(), ["> one two"]);
  h.raw("\x17");
  assert.deepEqual(h.lines(), ["> one"]);
  h.type(" two three").press("word-left").raw("\x15");
  assert.deepEqual(h.lines(), ["> three"]);
  assert.deepEqual(h.cursor(), [0, 2]);
  h.press("end").type(" four").press("word-left", "word-left", "word-right");
  assert.deepEqual(h.cursor(), [0, 7]);
  h.raw("\x0b"); // Ctrl-K deletes to the end
  assert.deepEqual(h.lines(), ["> three"]);
});

Deno.test("editor: Enter submits the line, clears it and adds it to the history", () => {
  const h = new Harness().type("hi there").press("enter");
  assert.deepEqual(h.actions, [{ kind: "submit", line: "hi there" }]);
  assert.equal(h.editor.text, "");
  assert.deepEqual(h.lines(), [">"]);
  assert.deepEqual(h.editor.history, ["hi there"]);
  h.press("enter"); // an empty line is submitted too; the caller ignores it
  assert.deepEqual(h.actions.at(-1), { kind: "submit", line: "" });
  assert.deepEqual(h.editor.history, ["hi there"]);
});

Deno.test("editor: up and down browse the history and keep the line being typed", () => {
  const h = new Harness();
  h.type("first").press("enter").type("second").press("enter").type("draft");
  h.press("up");
  assert.deepEqual(h.lines(), ["> second"]);
  h.press("up");
  assert.deepEqual(h.lines(), ["> first"]);
  h.press("up"); // the oldest stays
  assert.deepEqual(h.lines(), ["> first"]);
  h.press("down");
  assert.deepEqual(h.lines(), ["> second"]);
  h.press("down");
  assert.deepEqual(h.lines(), ["> draft"]);
  h.press("down"); // nothing newer
  assert.deepEqual(h.lines(), ["> draft"]);
  h.raw("\x10"); // Ctrl-P
  assert.deepEqual(h.lines(), ["> second"]);
  h.press("enter");
  assert.deepEqual(h.editor.history, ["first", "second"]); // no duplicate of the last
});

Deno.test("editor: the history keeps at most historyLimit lines", () => {
  const editor = new LineEditor({ prompt: { plain: "> " }, columns: 20, historyLimit: 2 });
  for (const text of ["a", "b", "c"]) {
    editor.handleKey({ kind: "text", text });
    editor.handleKey({ kind: "key", name: "enter" });
  }
  assert.deepEqual(editor.history, ["b", "c"]);
});

Deno.test("editor: Ctrl-C quits on an empty line and clears a non-empty one", () => {
  const h = new Harness().type("oops").raw("\x03");
  assert.deepEqual(h.actions, []);
  assert.deepEqual(h.lines(), [">"]);
  h.raw("\x03");
  assert.deepEqual(h.actions, [{ kind: "quit" }]);
});

Deno.test("editor: Ctrl-D quits on an empty line and deletes forward otherwise", () => {
  const h = new Harness().type("abc").press("home").raw("\x04");
  assert.deepEqual(h.actions, []);
  assert.deepEqual(h.lines(), ["> bc"]);
  h.raw("\x04\x04");
  assert.deepEqual(h.actions, []);
  assert.equal(h.editor.text, "");
  h.raw("\x04");
  assert.deepEqual(h.actions, [{ kind: "quit" }]);
});

Deno.test("editor: wide characters move the cursor two columns and delete whole", () => {
  const h = new Harness().type("a你好b");
  assert.deepEqual(h.lines(), ["> a你好b"]);
  assert.deepEqual(h.cursor(), [0, 8]);
  h.press("left");
  assert.deepEqual(h.cursor(), [0, 7]);
  h.press("left");
  assert.deepEqual(h.cursor(), [0, 5]);
  h.press("backspace");
  assert.deepEqual(h.lines(), ["> a好b"]);
  assert.deepEqual(h.cursor(), [0, 3]);
  assert.equal(h.editor.cursor, 1);
});

Deno.test("editor: emoji, ZWJ sequences and flags are one step of two columns", () => {
  const family = "👩\u200d👩\u200d👧";
  const h = new Harness().type(`x${family}🇫🇷y`);
  assert.deepEqual(h.cursor(), [0, 8]);
  h.press("left", "left");
  assert.deepEqual(h.cursor(), [0, 5]);
  h.press("backspace");
  assert.equal(h.editor.text, "x🇫🇷y");
  assert.deepEqual(h.cursor(), [0, 3]);
});

Deno.test("editor: combining marks join their letter, typed together or apart", () => {
  const h = new Harness().type("cafe").type("\u0301").type("!");
  assert.equal(h.editor.text, "cafe\u0301!");
  assert.deepEqual(h.cursor(), [0, 7]);
  h.press("left", "left");
  assert.deepEqual(h.cursor(), [0, 5]); // over "!" then over "é" as one
  h.press("end", "left", "backspace");
  assert.equal(h.editor.text, "caf!"); // the letter and its mark go together
  // A letter typed just before a lone mark takes the mark; the cursor stays after the cluster.
  const g = new Harness().type("\u0301").press("home").type("e");
  assert.equal(g.editor.text, "e\u0301");
  assert.equal(g.editor.cursor, 1);
});

Deno.test("editor: control characters in input never reach the line", () => {
  const h = new Harness().key({ kind: "text", text: "a\x1b[2Jb\u202ec\x07" });
  assert.equal(h.editor.text, "a[2Jbc");
  h.key({ kind: "text", text: "\td" });
  assert.equal(h.editor.text, "a[2Jbc    d");
});

Deno.test("editor: a long line wraps and the cursor follows across rows", () => {
  const h = new Harness(10, 6).type("abcdefghijklmnop"); // "> " + 16 = 18 columns
  assert.deepEqual(h.lines(), ["> abcdefgh", "ijklmnop"]);
  assert.deepEqual(h.cursor(), [1, 8]);
  h.press("home");
  assert.deepEqual(h.cursor(), [0, 2]);
  h.press("end", "left", "left", "left", "left", "left", "left", "left", "left", "left");
  assert.deepEqual(h.cursor(), [0, 9]); // on "h", last column of the first row
  h.type("X");
  assert.deepEqual(h.lines(), ["> abcdefgX", "hijklmnop"]);
  assert.deepEqual(h.cursor(), [1, 0]);
  h.press("backspace", "backspace");
  assert.deepEqual(h.lines(), ["> abcdefhi", "jklmnop"]);
  assert.deepEqual(h.cursor(), [0, 8]);
});

Deno.test("editor: text ending exactly at the margin puts the cursor on the next row", () => {
  const h = new Harness(10, 6).type("abcdefgh"); // exactly 10 columns
  assert.deepEqual(h.lines(), ["> abcdefgh"]);
  assert.deepEqual(h.cursor(), [1, 0]);
  h.type("i");
  assert.deepEqual(h.lines(), ["> abcdefgh", "i"]);
  assert.deepEqual(h.cursor(), [1, 1]);
  h.press("backspace");
  assert.deepEqual(h.lines(), ["> abcdefgh"]);
  h.press("backspace");
  assert.deepEqual(h.lines(), ["> abcdefg"]);
  assert.deepEqual(h.cursor(), [0, 9]);
});

Deno.test("editor: a wide character that does not fit goes to the next row", () => {
  const h = new Harness(10, 6).type("abcdefg你"); // "> abcdefg" is 9 columns: 你 wraps
  assert.deepEqual(h.lines(), ["> abcdefg", "你"]);
  assert.deepEqual(h.cursor(), [1, 2]);
  h.press("left");
  assert.deepEqual(h.cursor(), [1, 0]);
  h.press("left");
  assert.deepEqual(h.cursor(), [0, 8]);
});

Deno.test("editor: an incoming message mid-line is printed above, the line stays intact", () => {
  const h = new Harness(30, 6).type("hello wor").press("left", "left", "left");
  h.message("12:00:00 <bob> hi alice");
  assert.deepEqual(h.lines(), ["12:00:00 <bob> hi alice", "> hello wor"]);
  assert.deepEqual(h.cursor(), [1, 8]);
  h.message("12:00:01 -- carol joined", "12:00:02 <carol> yo");
  assert.deepEqual(h.lines(), [
    "12:00:00 <bob> hi alice",
    "12:00:01 -- carol joined",
    "12:00:02 <carol> yo",
    "> hello wor",
  ]);
  assert.deepEqual(h.cursor(), [3, 8]);
  h.type("_").press("end").type("ld").press("enter");
  assert.deepEqual(h.actions, [{ kind: "submit", line: "hello _world" }]);
});

Deno.test("editor: messages above a wrapped line leave no stale rows", () => {
  const h = new Harness(10, 8).type("abcdefghijklmnopqrstu"); // 3 rows
  h.press("home", "right");
  assert.deepEqual(h.cursor(), [0, 3]);
  h.message("<bob> one", "<bob> a message longer than ten"); // the second wraps on screen
  assert.deepEqual(h.lines(), [
    "<bob> one",
    "<bob> a me",
    "ssage long",
    "er than te",
    "n",
    "> abcdefgh",
    "ijklmnopqr",
    "stu",
  ]);
  assert.deepEqual(h.cursor(), [5, 3]);
  h.press("end");
  h.message("<bob> x");
  assert.equal(h.lines().filter((l) => l.startsWith(">")).length, 1);
  assert.deepEqual(h.lines().slice(-4), ["<bob> x", "> abcdefgh", "ijklmnopqr", "stu"]);
});

Deno.test("editor: a message exactly as wide as the screen takes one row", () => {
  const h = new Harness(10, 6).type("ab");
  h.message("0123456789");
  assert.deepEqual(h.lines(), ["0123456789", "> ab"]);
  assert.deepEqual(h.cursor(), [1, 4]);
});

Deno.test("editor: messages scroll the screen and the prompt stays at the bottom", () => {
  const h = new Harness(20, 4).type("typing");
  for (let i = 1; i <= 6; i++) h.message(`msg ${i}`);
  assert.deepEqual(h.screen.lines(), ["msg 4", "msg 5", "msg 6", "> typing"]);
  assert.deepEqual(h.screen.scrollback, ["msg 1", "msg 2", "msg 3"]);
  assert.deepEqual(h.cursor(), [3, 8]);
});

Deno.test("editor: resize narrower on a reflowing terminal re-wraps the line, keeps messages", () => {
  const h = new Harness(20, 8).message("msg one").type("abcdefghijklmnop").press("left", "left");
  assert.deepEqual(h.lines(), ["msg one", "> abcdefghijklmnop"]);
  h.screen.resize(8, 8, { reflow: true });
  h.screen.write(h.editor.resize(8));
  assert.deepEqual(h.lines(), ["msg one", "> abcdef", "ghijklmn", "op"]);
  assert.deepEqual(h.cursor(), [3, 0]);
  h.message("hi");
  assert.deepEqual(h.lines(), ["msg one", "hi", "> abcdef", "ghijklmn", "op"]);
  // Narrower again, from a wrapped state.
  h.screen.resize(6, 8, { reflow: true });
  h.screen.write(h.editor.resize(6));
  // The terminal re-wraps the message too.
  assert.deepEqual(h.lines(), ["msg on", "e", "hi", "> abcd", "efghij", "klmnop"]);
  assert.deepEqual(h.cursor(), [5, 4]);
  h.type("X");
  assert.deepEqual(h.lines(), ["msg on", "e", "hi", "> abcd", "efghij", "klmnXo", "p"]);
});

Deno.test("editor: resize wider on a reflowing terminal joins the rows again", () => {
  const h = new Harness(10, 8).message("msg").type("abcdefghijklmnop");
  assert.deepEqual(h.lines(), ["msg", "> abcdefgh", "ijklmnop"]);
  h.screen.resize(30, 8, { reflow: true });
  h.screen.write(h.editor.resize(30));
  assert.deepEqual(h.lines(), ["msg", "> abcdefghijklmnop"]);
  assert.deepEqual(h.cursor(), [1, 18]);
  assert.equal(h.editor.columns, 30);
});

Deno.test("editor: resize on a terminal that does not reflow, with a one-row line", () => {
  const h = new Harness(20, 6).message("msg").type("abc");
  h.screen.resize(8, 6);
  h.screen.write(h.editor.resize(8));
  assert.deepEqual(h.lines(), ["msg", "> abc"]);
  h.screen.resize(40, 6);
  h.screen.write(h.editor.resize(40));
  h.type("defghijklmnop");
  assert.deepEqual(h.lines(), ["msg", "> abcdefghijklmnop"]);
});

Deno.test("editor: wide characters re-wrap correctly on resize", () => {
  const h = new Harness(12, 8).message("m").type("你好世界和平");
  assert.deepEqual(h.lines(), ["m", "> 你好世界和", "平"]);
  h.screen.resize(7, 8, { reflow: true });
  h.screen.write(h.editor.resize(7));
  assert.deepEqual(h.lines(), ["m", "> 你好", "世界和", "平"]);
  assert.deepEqual(h.cursor(), [3, 2]);
});

Deno.test("editor: a paste with line breaks submits each complete line", () => {
  const h = new Harness().type("pre: ").key({ kind: "paste", text: "one\ntwo\r\nthr" });
  assert.deepEqual(h.actions, [
    { kind: "submit", line: "pre: one" },
    { kind: "submit", line: "two" },
  ]);
  assert.deepEqual(h.lines(), ["> thr"]);
});

Deno.test("editor: Ctrl-L clears the screen and redraws the line at the top", () => {
  const h = new Harness().message("old").type("abc").raw("\x0c");
  assert.deepEqual(h.screen.allLines(), ["> abc"]);
  assert.deepEqual(h.cursor(), [0, 5]);
});

Deno.test("editor: setPrompt redraws with the new prompt, erase clears the area", () => {
  const h = new Harness(20, 6, "name: ").type("x");
  h.screen.write(h.editor.setPrompt({ plain: "alice> ", styled: "\x1b[1malice> \x1b[0m" }));
  assert.deepEqual(h.lines(), ["alice> x"]);
  assert.deepEqual(h.cursor(), [0, 8]);
  h.screen.write(h.editor.erase());
  assert.deepEqual(h.lines(), []);
  assert.deepEqual(h.cursor(), [0, 0]);
});
