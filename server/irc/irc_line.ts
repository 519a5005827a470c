/**
 * IRC lines (RFC 1459 / the modern client protocol): parsing what a client sends, and building
 * what the server sends so that no text, whatever it holds, can break the framing or pass the
 * 512-byte limit.
 * @module
 */

/** Most bytes of a line, its CR LF included, not counting message tags. */
export const IRC_LINE_BYTES = 512;
/** Most bytes of a line's tags (the `@...` part and its space) a client may send. */
export const IRC_TAG_BYTES = 8191;

/** One parsed client line: `[@tags] [:prefix] COMMAND params... [:trailing]`. */
export interface IrcMessage {
  /** The command, upper-cased (`PRIVMSG`, `NICK`, a numeric...). */
  readonly command: string;
  /** The parameters, the trailing one last (with its spaces, without its colon). */
  readonly params: readonly string[];
}

/**
 * Parses one line (without CR LF); null when it holds no command. Tags and a prefix from a
 * client are read past and ignored, as servers do.
 */
export function parseIrcLine(line: string): IrcMessage | null {
  let rest = line;
  if (rest.startsWith("@")) rest = afterWord(rest);
  rest = rest.replace(/^ +/, "");
  if (rest.startsWith(":")) rest = afterWord(rest);
  const params: string[] = [];
  let command = "";
  while (rest.length > 0) {
    rest = rest.replace(/^ +/, "");
    if (rest.length === 0) break;
    if (command !== "" && rest.startsWith(":")) {
      params.push(rest.slice(1));
      break;
    }
    const space = rest.indexOf(" ");
    const word = space < 0 ? rest : rest.slice(0, space);
    rest = space < 0 ? "" : rest.slice(space + 1);
    if (command === "") command = word.toUpperCase();
    else params.push(word);
  }
  return command === "" ? null : { command, params };
}

function afterWord(text: string): string {
  const space = text.indexOf(" ");
  return space < 0 ? "" : text.slice(space + 1);
}

const encoder = new TextEncoder();

/**
 * Splits `text` into pieces of at most `maxBytes` bytes of UTF-8 each, never inside a
 * character (a surrogate pair stays whole). `maxBytes` must be at least 4.
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let width: number;
    let units = 1;
    if (code < 0x80) width = 1;
    else if (code < 0x800) width = 2;
    else if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
      width = 4;
      units = 2;
    } else width = 3;
    if (bytes + width > maxBytes) {
      pieces.push(text.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += width;
    i += units - 1;
  }
  if (start < text.length || pieces.length === 0) pieces.push(text.slice(start));
  return pieces;
}

/**
 * The lines of a text for IRC: a binary client's message may hold CR, LF or NUL, which IRC
 * cannot carry, so it is split at every line break (CR LF, CR or LF; empty lines dropped) and
 * each NUL becomes U+FFFD. Never empty: a text of nothing but line breaks is one space.
 */
export function ircTextLines(text: string): string[] {
  const lines = text.replaceAll("\0", "\ufffd").split(/\r\n|\r|\n/).filter((line) =>
    line.length > 0
  );
  return lines.length === 0 ? [" "] : lines;
}

/**
 * `:source COMMAND target :text` lines carrying all of `text`: split at line breaks (see
 * {@link ircTextLines}) and at UTF-8 boundaries so that each line, CR LF included, fits in 512
 * bytes. `tags` (`@time=...`), when given, go first and do not count.
 */
export function textLines(
  source: string,
  command: string,
  target: string,
  text: string,
  tags = "",
): string {
  const head = `${tags === "" ? "" : `${tags} `}:${source} ${command} ${target} :`;
  const room = IRC_LINE_BYTES - 2 - (encoder.encode(head).length - tagBytes(tags));
  let out = "";
  for (const line of ircTextLines(text)) {
    for (const piece of splitUtf8(line, Math.max(room, 4))) out += `${head}${piece}\r\n`;
  }
  return out;
}

/**
 * A CTCP ACTION (`/me`) as `:source PRIVMSG target :\x01ACTION text\x01` lines: like
 * {@link textLines}, each piece of the text keeps its own delimiters, so a long or multi-line
 * action stays an action on every line.
 */
export function actionLines(source: string, target: string, text: string, tags = ""): string {
  const head = `${tags === "" ? "" : `${tags} `}:${source} PRIVMSG ${target} :\u0001ACTION `;
  const room = IRC_LINE_BYTES - 3 - (encoder.encode(head).length - tagBytes(tags));
  let out = "";
  for (const line of ircTextLines(text)) {
    for (const piece of splitUtf8(line, Math.max(room, 4))) out += `${head}${piece}\u0001\r\n`;
  }
  return out;
}

function tagBytes(tags: string): number {
  return tags === "" ? 0 : encoder.encode(tags).length + 1;
}

/**
 * One line from the server: `:source COMMAND params... :last\r\n`. The last parameter always
 * gets its colon; no parameter may hold CR, LF or NUL (they are replaced by spaces here, a
 * safety net for text that did not come through {@link textLines}).
 */
export function ircLine(source: string, command: string, ...params: string[]): string {
  let line = `:${source} ${command}`;
  for (let i = 0; i < params.length; i++) {
    const param = params[i].replace(/[\r\n\0]/g, " ");
    line += i === params.length - 1 ? ` :${param}` : ` ${param}`;
  }
  return `${line}\r\n`;
}

/**
 * {@link ircLine} with its last parameter cut at a character boundary, when need be, so that the
 * line fits in 512 bytes: for text one line must carry (a topic), where a second line would mean
 * something else.
 */
export function fittedLine(source: string, command: string, ...params: string[]): string {
  const line = ircLine(source, command, ...params);
  const over = encoder.encode(line).length - IRC_LINE_BYTES;
  if (over <= 0 || params.length === 0) return line;
  const last = params[params.length - 1];
  const keep = Math.max(4, encoder.encode(last).length - over);
  return ircLine(source, command, ...params.slice(0, -1), splitUtf8(last, keep)[0]);
}
