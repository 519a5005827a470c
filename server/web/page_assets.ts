// Placeholder until the page is built.
/** The page's files by path. */
export const PAGE_ASSETS: Readonly<Record<string, { type: string; body: string }>> = {
  "/": { type: "text/html; charset=utf-8", body: "<!doctype html><title>chat</title>" },
};
