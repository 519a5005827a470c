/**
 * Drawing the message list. Every text a user or the server wrote goes in with `textContent`,
 * never as HTML, so a message such as `<img src=x onerror=...>` is shown, not run.
 * @module
 */

import type { Line } from "./lines.ts";
import { nameColor } from "./name_color.ts";

/** Most lines kept on the page; older ones are removed. */
export const MAX_LINES = 1000;

/** Appends lines to the list and keeps it scrolled to the end while the reader is there. */
export class MessageList {
  readonly #list: HTMLElement;

  constructor(list: HTMLElement) {
    this.#list = list;
  }

  /** Adds one line; `mention` highlights it. */
  add(line: Line, mention: boolean): void {
    const list = this.#list;
    const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const item = document.createElement("li");
    item.className = `line ${line.kind}`;
    if ("history" in line && line.history) item.classList.add("history");
    if (mention) item.classList.add("mention");
    if ("own" in line && line.own) item.classList.add("own");
    item.append(timeElement(line.time, "history" in line && line.history));
    if (line.kind === "chat" || line.kind === "action" || line.kind === "private") {
      const name = document.createElement("span");
      name.className = `name name-${nameColor(line.from)}`;
      name.textContent = line.kind === "action"
        ? `* ${line.from}`
        : line.kind === "private"
        ? `${line.from} (private)`
        : line.from;
      item.append(name, " ");
    }
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = line.text;
    item.append(text);
    list.append(item);
    while (list.childElementCount > MAX_LINES) list.firstElementChild?.remove();
    if (atEnd) list.scrollTop = list.scrollHeight;
  }
}

function timeElement(time: Date, withDay: boolean): HTMLElement {
  const element = document.createElement("time");
  element.dateTime = time.toISOString();
  element.title = time.toLocaleString();
  const today = new Date().toDateString() === time.toDateString();
  element.textContent = withDay && !today
    ? time.toLocaleString([], {
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
    })
    : time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return element;
}
