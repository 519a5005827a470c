/**
 * The few terminal control sequences the interactive client writes (ECMA-48 / xterm). Kept in
 * one place so the line editor's output can be read, and checked by a screen model in tests.
 * @module
 */

const CSI = "\x1b[";

/** Moves the cursor up `n` rows (nothing for 0). */
export function cursorUp(n: number): string {
  return n > 0 ? `${CSI}${n}A` : "";
}

/** Moves the cursor right `n` columns (nothing for 0). */
export function cursorForward(n: number): string {
  return n > 0 ? `${CSI}${n}C` : "";
}

/** Clears from the cursor to the end of the screen. */
export const CLEAR_TO_END_OF_SCREEN = `${CSI}J`;

/**
 * Clears the screen and homes the cursor (`/clear`, Ctrl-L). The scrollback is left alone: what
 * scrolled off stays there to scroll back to.
 */
export const CLEAR_SCREEN = `${CSI}H${CSI}2J`;

/** Hides / shows the cursor (hidden while a redraw is written, to avoid flicker). */
export const HIDE_CURSOR = `${CSI}?25l`;
/** Shows the cursor again. */
export const SHOW_CURSOR = `${CSI}?25h`;

/** Bracketed paste: the terminal marks pasted text, so a pasted newline is not an Enter. */
export const BRACKETED_PASTE_ON = `${CSI}?2004h`;
/** Turns bracketed paste off again (part of restoring the terminal). */
export const BRACKETED_PASTE_OFF = `${CSI}?2004l`;

/** Select Graphic Rendition: colors and attributes. */
export function sgr(...codes: number[]): string {
  return `${CSI}${codes.join(";")}m`;
}

/** Resets all colors and attributes. */
export const RESET = sgr(0);
