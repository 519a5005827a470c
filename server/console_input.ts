/**
 * The server console's input: when the server's stdin is a terminal or a pipe, each line is an
 * operator command. The end of the input is not a shutdown (a supervisor's closed pipe must not
 * stop the room); signals stop the server.
 * @module
 */

/** True when stdin is a terminal, a pipe or a socket (not /dev/null, not a file). */
export function stdinTakesCommands(): boolean {
  try {
    if (Deno.stdin.isTerminal()) return true;
  } catch {
    return false;
  }
  try {
    const info = Deno.statSync("/dev/stdin");
    return info.isFifo === true || info.isSocket === true;
  } catch {
    // No /dev/stdin (Windows): only a terminal counts.
    return false;
  }
}

/**
 * Reads lines from `input` and hands each to `line`, one at a time, in order; resolves at the end
 * of the input (or when reading fails, which is reported as its end).
 */
export async function readCommandLines(
  input: ReadableStream<Uint8Array>,
  line: (text: string) => Promise<void>,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for await (const chunk of input) {
      pending += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const text = pending.slice(0, newline).replace(/\r$/, "");
        pending = pending.slice(newline + 1);
        await line(text);
      }
    }
  } catch {
    // A read error ends the console's input like an end of file.
  }
  pending += decoder.decode();
  if (pending.trim() !== "") await line(pending);
}
