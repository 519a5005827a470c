/**
 * The chat page in a real browser (chromium through puppeteer-core) against a real server: a
 * browser user and a terminal user talk both ways, markup in a message stays text and runs
 * nothing, a refused user sees why, and the page reconnects by itself after a server restart.
 * Screenshots at 360 and 1280 pixels wide go to test-output/web/ for review.
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { type ChatServer, startServer } from "../../server/mod.ts";
import type { ServerOptions } from "../../server/options.ts";
import { chromiumUnavailable, SCREENSHOT_DIR, withBrowser } from "../helpers/browser.ts";
import { skipWhen } from "../helpers/platform.ts";
import { CapturedConsole, testServerOptions } from "../helpers/server.ts";
import { TestClient } from "../helpers/wire.ts";

const unavailable = await chromiumUnavailable();
/** Long enough for a loaded machine; every wait is for an event, never a sleep. */
const WAIT_MS = 15_000;

// The sanitizers stay on: withBrowser closes the browser (its pipe, its WebSocket, its child
// process) before the test ends.
const browserTest = {
  ignore: skipWhen("the web page tests", unavailable),
  sanitizeOps: true,
  sanitizeResources: true,
};

async function start(options: Partial<ServerOptions>): Promise<ChatServer> {
  return await startServer(
    testServerOptions({ webHost: "127.0.0.1", webPort: 0, ...options }),
    { console: new CapturedConsole() },
  );
}

function webPort(server: ChatServer): number {
  const web = server.listeners.find((l) => l.kind === "web");
  assert.ok(web, "a web listener");
  return web.addr.port;
}

// The functions that run in the page are written as strings: they use the DOM, which the
// server's type-check program does not include.

/** Waits until the element `#id` has text containing `text`. */
async function waitForText(page: Page, id: string, text: string): Promise<void> {
  await page.waitForFunction(
    `document.getElementById(${JSON.stringify(id)})?.textContent?.includes(${
      JSON.stringify(text)
    })`,
    { timeout: WAIT_MS },
  );
}

/** Waits until the page's status line contains `text`. */
function waitForStatus(page: Page, text: string): Promise<void> {
  return waitForText(page, "status", text);
}

/** Waits until the message list has a line whose text is exactly `text`; returns its classes. */
async function waitForLine(page: Page, text: string): Promise<string> {
  const handle = await page.waitForFunction(
    `[...document.querySelectorAll("#log .line")].find((li) =>
      li.querySelector(".text")?.textContent === ${JSON.stringify(text)})?.className`,
    { timeout: WAIT_MS },
  );
  return String(await handle.jsonValue());
}

/** Evaluates `expression` in the page. */
async function evaluate<T>(page: Page, expression: string): Promise<T> {
  return await page.evaluate(expression) as T;
}

async function openPage(browser: Browser, url: string, width: number): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width, height: 640 });
  await page.goto(url, { waitUntil: "load", timeout: WAIT_MS });
  return page;
}

async function join(page: Page, name: string): Promise<void> {
  await page.waitForSelector("#name", { visible: true, timeout: WAIT_MS });
  await page.type("#name", name);
  await page.keyboard.press("Enter");
}

async function say(page: Page, text: string): Promise<void> {
  await page.waitForSelector("#message", { visible: true, timeout: WAIT_MS });
  await page.type("#message", text);
  await page.keyboard.press("Enter");
}

Deno.test("browser and terminal users talk both ways; markup stays text", browserTest, async () => {
  let server = await start({});
  const clients: TestClient[] = [];
  try {
    await withBrowser(async (browser) => {
      const url = `http://127.0.0.1:${webPort(server)}/`;
      const page = await openPage(browser, url, 1280);
      const dialogs: string[] = [];
      const requests: string[] = [];
      page.on("dialog", (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      page.on("request", (request) => requests.push(request.url()));
      const pageProblems: string[] = [];
      page.on("pageerror", (error) => pageProblems.push(String(error)));
      page.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) pageProblems.push(message.text());
      });

      await join(page, "webby");
      await waitForStatus(page, "Online as webby");
      const bob = await TestClient.connect(server.addr);
      clients.push(bob);
      await bob.login("bob");
      await waitForLine(page, "bob joined");
      await waitForText(page, "online", "2 online");

      await bob.say("hello webby, welcome");
      assert.match(await waitForLine(page, "hello webby, welcome"), /\bmention\b/);
      await say(page, "hi bob");
      await bob.waitForMessage("webby", "hi bob");
      await waitForLine(page, "hi bob");

      // Up recalls the last line sent, down comes back to the empty draft.
      await page.focus("#message");
      await page.keyboard.press("ArrowUp");
      assert.equal(await evaluate(page, `document.getElementById("message").value`), "hi bob");
      await page.keyboard.press("ArrowDown");
      assert.equal(await evaluate(page, `document.getElementById("message").value`), "");

      // While the tab is hidden, mentions count in the title; showing it clears the count.
      await evaluate(
        page,
        `Object.defineProperty(document, "hidden", { configurable: true, get: () => true })`,
      );
      await bob.say("webby: are you there?");
      await page.waitForFunction(`document.title === "(1) chat"`, { timeout: WAIT_MS });
      await evaluate(
        page,
        `Object.defineProperty(document, "hidden", { configurable: true, get: () => false });
        document.dispatchEvent(new Event("visibilitychange"))`,
      );
      await page.waitForFunction(`document.title === "chat"`, { timeout: WAIT_MS });

      const markup = "<img src=x onerror=alert(1)>";
      await bob.say(markup);
      await waitForLine(page, markup);
      assert.equal(
        await evaluate(page, `document.querySelectorAll("#log img, #log script").length`),
        0,
      );
      // A command goes to the server as typed; its answer is a notice, shown apart from chat.
      await say(page, "/users");
      assert.match(await waitForLine(page, "Online (2): bob, webby"), /\bnotice\b/);
      await bob.say("after the markup");
      await waitForLine(page, "after the markup");
      assert.deepEqual(dialogs, [], "no dialog opened");
      assert.deepEqual(pageProblems, [], "no script error, nothing the CSP had to block");
      assert.deepEqual(
        requests.filter((r) => new URL(r).pathname === "/x"),
        [],
        "the image was never requested",
      );

      await Deno.mkdir(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: new URL("chat-1280.png", SCREENSHOT_DIR).pathname });
      await page.setViewport({ width: 360, height: 640 });
      await page.screenshot({ path: new URL("chat-360.png", SCREENSHOT_DIR).pathname });
      await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
      await page.screenshot({ path: new URL("chat-360-dark.png", SCREENSHOT_DIR).pathname });
      const overflow = await evaluate(
        page,
        "document.documentElement.scrollWidth > document.documentElement.clientWidth",
      );
      assert.equal(overflow, false, "nothing wider than a 360-pixel screen");

      // The server restarts on the same ports: the page comes back by itself.
      const ports = { port: server.addr.port, webPort: webPort(server) };
      await server.shutdown();
      await waitForStatus(page, "Offline");
      server = await start(ports);
      await waitForStatus(page, "Online as webby");
      const carol = await TestClient.connect(server.addr);
      clients.push(carol);
      await carol.login("carol");
      await say(page, "back again");
      await carol.waitForMessage("webby", "back again");
      await page.close();
    });
  } finally {
    await server.shutdown();
    await Promise.all(clients.map((c) => c.close()));
  }
});

Deno.test("a refused browser user sees why", browserTest, async () => {
  const server = await start({});
  const bob = await TestClient.connect(server.addr);
  try {
    await bob.login("bob");
    await withBrowser(async (browser) => {
      const page = await openPage(browser, `http://127.0.0.1:${webPort(server)}/`, 360);
      await join(page, "Bob");
      await waitForText(page, "join-error", "Refused: error:");
      const text = await evaluate<string>(
        page,
        `document.getElementById("join-error").textContent`,
      );
      assert.match(text, /taken/);
      assert.equal(
        await evaluate(page, `document.getElementById("name").offsetParent !== null`),
        true,
        "the name prompt is back",
      );
      await page.close();
    });
  } finally {
    await server.shutdown();
    await bob.close();
  }
});

Deno.test("a browser user sent away sees why, above what was said", browserTest, async () => {
  // The idle timeout sends a silent user away with an error notice, as a kick does.
  const server = await start({ idleTimeoutSeconds: 1 });
  try {
    await withBrowser(async (browser) => {
      const page = await openPage(browser, `http://127.0.0.1:${webPort(server)}/`, 360);
      await join(page, "sleepy");
      await waitForStatus(page, "Online as sleepy");
      await waitForText(page, "join-error", "Refused: error:");
      assert.equal(
        await evaluate(page, `document.getElementById("log").hidden`),
        false,
        "the conversation stays on the page",
      );
      await page.close();
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test(
  "the page shows the replay on load, dimmed, with its own times",
  browserTest,
  async () => {
    const server = await start({});
    const carol = await TestClient.connect(server.addr);
    try {
      await carol.login("carol");
      await carol.say("said before webby came");
      await carol.say("/me waves");
      await carol.waitForNotice("* carol waves");
      await withBrowser(async (browser) => {
        const page = await openPage(browser, `http://127.0.0.1:${webPort(server)}/`, 360);
        await join(page, "webby");
        const said = await waitForLine(page, "said before webby came");
        assert.match(said, /\bchat\b/);
        assert.match(said, /\bhistory\b/);
        const waved = await waitForLine(page, "waves");
        assert.match(waved, /\baction\b/);
        assert.match(waved, /\bhistory\b/);
        assert.match(
          await evaluate<string>(page, `document.querySelector("#log .history time").dateTime`),
          /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
        );
        await page.close();
      });
    } finally {
      await server.shutdown();
      await carol.close();
    }
  },
);
