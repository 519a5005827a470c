/**
 * Colors: whether to use them, and which color a name gets. A name's color comes from a hash
 * of the name, so the same person has the same color in every session and on every machine.
 * @module
 */

import { usernameKey } from "../../protocol/mod.ts";
import type { ColorMode } from "../options.ts";
import { RESET, sgr } from "./ansi.ts";

/** What the color decision depends on, gathered by the caller (no Deno APIs here). */
export interface ColorEnvironment {
  /** `--color auto|always|never` (`--no-color` is `never`). */
  mode: ColorMode;
  /** The value of the `NO_COLOR` environment variable, if set. */
  noColor: string | undefined;
  /** Whether stdout is a terminal. */
  isTerminal: boolean;
}

/**
 * Decides whether to color the output, following the usual conventions: `--color always`
 * forces colors, `never` (or `--no-color`) turns them off; in `auto`, colors are off when
 * `NO_COLOR` is set to a non-empty value (https://no-color.org) or stdout is not a terminal.
 */
export function shouldUseColor(env: ColorEnvironment): boolean {
  if (env.mode === "always") return true;
  if (env.mode === "never") return false;
  if (env.noColor !== undefined && env.noColor !== "") return false;
  return env.isTerminal;
}

/**
 * Foreground colors for names, readable on both dark and light backgrounds: the basic and
 * bright colors without black, white, gray and dark blue (hard to read on black).
 */
export const NAME_PALETTE: readonly number[] = [31, 32, 33, 35, 36, 91, 92, 93, 94, 95, 96];

/** 32-bit FNV-1a of some bytes: small, fast, and the same everywhere. */
export function fnv1a32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const encoder = new TextEncoder();

/**
 * The SGR color code of a name: FNV-1a of its case-insensitive key (the server treats `Alice`
 * and `alice` as the same name) into {@link NAME_PALETTE}.
 */
export function nameColor(name: string): number {
  return NAME_PALETTE[fnv1a32(encoder.encode(usernameKey(name))) % NAME_PALETTE.length];
}

/** Text styles; every function returns its input unchanged when colors are off. */
export interface Styles {
  /** A name in its own color. */
  name(name: string, text?: string): string;
  /** Less important text: times, notices. */
  dim(text: string): string;
  /** Emphasis: your own lines, the prompt. */
  bold(text: string): string;
  /** Private messages, to and from you: a style no name color uses. */
  private(text: string): string;
  /** A line that mentions your name: another style of its own. */
  mention(text: string): string;
  /** Errors from the server or the client. */
  error(text: string): string;
}

/** Styles that color, or that do nothing when `enabled` is false. */
export function styles(enabled: boolean): Styles {
  if (!enabled) {
    const plain = (text: string) => text;
    return {
      name: (name, text) => text ?? name,
      dim: plain,
      bold: plain,
      private: plain,
      mention: plain,
      error: plain,
    };
  }
  return {
    name: (name, text) => sgr(nameColor(name)) + (text ?? name) + RESET,
    dim: (text) => sgr(2) + text + RESET,
    bold: (text) => sgr(1) + text + RESET,
    // Backgrounds: names are colored foregrounds only, so neither can be mistaken for a name.
    private: (text) => sgr(1, 97, 45) + text + RESET,
    mention: (text) => sgr(1, 30, 43) + text + RESET,
    error: (text) => sgr(31) + text + RESET,
  };
}
