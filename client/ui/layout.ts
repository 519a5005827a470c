/**
 * Where text lands on a terminal that wraps long lines. The line editor must know the row and
 * column of every character of the prompt and the typed line to put the cursor back where the
 * user expects, and to find the top of the prompt area when it redraws. This mirrors what a
 * terminal with automatic margins does: a character that does not fit in the columns left on a
 * row goes to the start of the next row (a wide character leaves the last column empty), and
 * after the last column is filled the cursor waits at the margin until the next character.
 * @module
 */

/** A cell position relative to the first row of the laid-out text. */
export interface Position {
  row: number;
  col: number;
}

/** The positions of the clusters of a text, laid out from column 0 of row 0. */
export interface Layout {
  /** Where each cluster starts (a cluster that wrapped starts at column 0 of the next row). */
  starts: Position[];
  /**
   * Where the cursor is after writing everything. `col` equals the width when the last row is
   * exactly full: the terminal cursor is then waiting at the right margin.
   */
  end: Position;
}

/** Lays out clusters of the given display widths on a screen `columns` wide. */
export function layout(widths: readonly number[], columns: number): Layout {
  const starts: Position[] = [];
  let row = 0;
  let col = 0;
  for (const width of widths) {
    if (width > 0 && col + width > columns && col > 0) {
      row++;
      col = 0;
    }
    starts.push({ row, col });
    col += width;
  }
  return { starts, end: { row, col } };
}

/**
 * Where the terminal cursor can actually be shown for a position: a position at the right
 * margin is shown at the start of the next row (the editor moves it there with CR LF).
 */
export function visible(position: Position, columns: number): Position {
  return position.col >= columns ? { row: position.row + 1, col: 0 } : position;
}
