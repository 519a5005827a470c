/**
 * A real browser for the web page tests: Debian's chromium driven by puppeteer-core, launched
 * headless with a fresh profile and nothing that phones home, and always closed.
 * @module
 */

import puppeteer, { type Browser } from "puppeteer-core";
import { commandUnavailable } from "./platform.ts";

/** The browser: Debian's chromium, or another Chromium-based one named by CHAT_BROWSER. */
export const CHROMIUM = Deno.env.get("CHAT_BROWSER") ?? "/usr/bin/chromium";

/** Null when chromium can run here, else why the browser tests skip. */
export async function chromiumUnavailable(): Promise<string | null> {
  const reason = await commandUnavailable(CHROMIUM, ["--version"]);
  return reason === null ? null : `chromium (${CHROMIUM}): ${reason}`;
}

/** Runs `body` with a headless chromium and a fresh profile; both are gone afterwards. */
export async function withBrowser(body: (browser: Browser) => Promise<void>): Promise<void> {
  const profile = await Deno.makeTempDir({ prefix: "chat-chromium-" });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
    ],
  });
  try {
    await body(browser);
  } finally {
    await browser.close();
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/** Where the tests save screenshots for a person to look at (ignored by git). */
export const SCREENSHOT_DIR = new URL("../../test-output/web/", import.meta.url);
