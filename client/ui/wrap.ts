/**
 * Word wrap for the conversation: a formatted line (which may hold SGR color sequences) cut into
 * rows that fit the terminal, at spaces where there are any, every continuation row indented
 * under the text and carrying the colors that were active where it was cut. The terminal's own
 * wrapping would cut in the middle of words and start continuation rows at column 0.
 * @module
 */

import { clusterWidth, graphemes } from "./width.ts";

// deno-lint-ignore no-control-regex -- finding the color sequences is the point
const SGR = /\x1b\[[0-9;]*m/y;
// deno-lint-ignore no-control-regex -- as above
const RESET_SGR = /^\x1b\[0?m$/;

/** One piece of a line: a color sequence (no width) or a grapheme cluster. */
type Piece = { sgr: string } | { text: string; width: number };

function pieces(line: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let plain = "";
  const flush = () => {
    for (const cluster of graphemes(plain)) {
      out.push({ text: cluster, width: clusterWidth(cluster) });
    }
    plain = "";
  };
  while (i < line.length) {
    SGR.lastIndex = i;
    const match = SGR.exec(line);
    if (match !== null) {
      flush();
      out.push({ sgr: match[0] });
      i += match[0].length;
    } else {
      plain += line[i];
      i++;
    }
  }
  flush();
  return out;
}

/**
 * Cuts `line` into rows of at most `columns` cells. A row breaks after the last space that fits
 * (the space itself is dropped); a word longer than a row is cut where the row ends. Every row
 * after the first starts with `indent` spaces (at most half the width) and the colors active at
 * the cut.
 */
export function wrapLine(line: string, columns: number, indent: number): string[] {
  const width = Math.max(1, Math.floor(columns));
  const pad = Math.max(0, Math.min(Math.floor(indent), Math.floor(width / 2)));
  const rows: string[] = [];
  let row: Piece[] = [];
  let rowStart: string[] = [];
  let rowWidth = 0;
  const hasText = () => row.some((p) => "text" in p);
  const emit = (items: Piece[]) => {
    const lead = rows.length === 0 ? "" : " ".repeat(pad) + rowStart.join("");
    rows.push(lead + render(items));
    rowStart = activeAfter(rowStart, items);
  };
  for (const piece of pieces(line)) {
    if ("sgr" in piece) {
      row.push(piece);
      continue;
    }
    if (piece.text === " " && rowWidth + piece.width > width && hasText()) {
      // The row is full up to a space: cut there.
      emit(row);
      row = [];
      rowWidth = pad;
      continue;
    }
    while (rowWidth + piece.width > width && hasText()) {
      const space = lastSpace(row);
      const head = space > 0 ? row.slice(0, space) : row;
      const tail = space > 0 ? row.slice(space + 1) : [];
      emit(head);
      row = tail;
      rowWidth = pad + tail.reduce((sum, p) => sum + ("text" in p ? p.width : 0), 0);
    }
    // A continuation row does not start with the space it was cut at.
    if (piece.text === " " && rows.length > 0 && !hasText()) continue;
    row.push(piece);
    rowWidth += piece.width;
  }
  emit(row);
  return rows;
}

function render(items: Piece[]): string {
  return items.map((p) => ("sgr" in p ? p.sgr : p.text)).join("");
}

/** The index of the last space of a row (not its first piece), or -1. */
function lastSpace(row: Piece[]): number {
  for (let i = row.length - 1; i > 0; i--) {
    const piece = row[i];
    if ("text" in piece && piece.text === " ") return i;
  }
  return -1;
}

/** The active colors after applying the sequences among `items` to `start`. */
function activeAfter(start: string[], items: Piece[]): string[] {
  let active = [...start];
  for (const item of items) {
    if (!("sgr" in item)) continue;
    active = RESET_SGR.test(item.sgr) ? [] : [...active, item.sgr];
  }
  return active;
}
