/**
 * The chat page: a name prompt, the message list, the input line, the connection's state and
 * the number online. Served by `chat server --web` from the bundle built of this folder.
 * @module
 */

import { splitMessage } from "../protocol/mod.ts";
import { ChatLink, type LinkState } from "./connection.ts";
import { InputHistory } from "./input_history.ts";
import { type Line, lineOf, mentions, onlineChange } from "./lines.ts";
import { MessageList } from "./view.ts";

const NAME_KEY = "chat.name";
const TITLE = "chat";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

const joinForm = element<HTMLFormElement>("join");
const nameInput = element<HTMLInputElement>("name");
const joinError = element<HTMLElement>("join-error");
const status = element<HTMLElement>("status");
const onlineCount = element<HTMLElement>("online");
const leaveButton = element<HTMLButtonElement>("leave");
const logElement = element<HTMLElement>("log");
const compose = element<HTMLFormElement>("compose");
const messageInput = element<HTMLInputElement>("message");

const list = new MessageList(logElement);
const inputHistory = new InputHistory();
let link: ChatLink | null = null;
let me = "";
let online: number | null = null;
let unread = 0;

function wsUrl(): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}

function showChat(visible: boolean): void {
  joinForm.hidden = visible;
  logElement.hidden = !visible;
  compose.hidden = !visible;
  leaveButton.hidden = !visible;
  if (visible) messageInput.focus();
  else nameInput.focus();
}

function join(name: string): void {
  me = name;
  localStorage.setItem(NAME_KEY, name);
  joinError.textContent = "";
  showChat(true);
  link = new ChatLink(wsUrl(), name, { frame: onFrame, state: onState });
  link.start();
}

function onState(state: LinkState): void {
  document.body.dataset.state = state.kind;
  switch (state.kind) {
    case "connecting":
      status.textContent = "Connecting…";
      return;
    case "online":
      status.textContent = `Online as ${me}`;
      return;
    case "waiting":
      status.textContent = `Offline (${state.reason}); retrying in ${
        Math.ceil(state.retryInMs / 1000)
      } s`;
      setOnline(null);
      return;
    case "refused":
      status.textContent = `Refused: ${state.reason}`;
      joinError.textContent = `Refused: ${state.reason}`;
      setOnline(null);
      link = null;
      showChat(false);
      // What was said before a kick stays readable below the prompt.
      logElement.hidden = logElement.childElementCount === 0;
      return;
    case "left":
      status.textContent = "Not connected";
      setOnline(null);
      return;
  }
}

function setOnline(count: number | null): void {
  online = count;
  onlineCount.textContent = count === null ? "" : `${count} online`;
}

function onFrame(frame: Parameters<typeof lineOf>[0]): void {
  const line = lineOf(frame, new Date(), me);
  if (line.kind === "notice" && !line.history) {
    const change = onlineChange(line.text);
    if (change !== null) {
      setOnline("set" in change ? change.set : Math.max(1, (online ?? 1) + change.add));
    }
  }
  show(line);
}

function show(line: Line): void {
  const mentioned = (line.kind === "chat" || line.kind === "action" || line.kind === "private") &&
    !("own" in line && line.own) && !("history" in line && line.history) &&
    (line.kind === "private" || mentions(line.text, me));
  list.add(line, mentioned);
  if (mentioned && document.hidden) {
    unread++;
    document.title = `(${unread}) ${TITLE}`;
  }
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden) {
    unread = 0;
    document.title = TITLE;
  }
});

joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  if (name !== "") join(name);
});

leaveButton.addEventListener("click", () => {
  link?.stop();
  link = null;
  localStorage.removeItem(NAME_KEY);
  showChat(false);
});

compose.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = messageInput.value;
  if (text.trim() === "" || link === null) return;
  if (!link.send(text)) {
    status.textContent = "Offline: the message was not sent";
    return;
  }
  inputHistory.add(text);
  messageInput.value = "";
  // The server does not echo chat back to its sender: show it here (commands answer themselves).
  const parsed = splitMessage(text);
  if (parsed.kind === "chat") {
    show({
      kind: "chat",
      time: new Date(),
      from: me,
      text: parsed.text,
      history: false,
      own: true,
    });
  }
});

messageInput.addEventListener("keydown", (event) => {
  if (event.key === "ArrowUp") {
    event.preventDefault();
    messageInput.value = inputHistory.up(messageInput.value);
  } else if (event.key === "ArrowDown") {
    event.preventDefault();
    messageInput.value = inputHistory.down(messageInput.value);
  }
});

const remembered = localStorage.getItem(NAME_KEY);
if (remembered !== null && remembered !== "") {
  nameInput.value = remembered;
  join(remembered);
} else {
  showChat(false);
}
