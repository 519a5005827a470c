/**
 * The server console's input: each line of the server's stdin (a terminal or a pipe) is an
 * operator command. The end of the input is not a shutdown (a supervisor's closed pipe must not
 * stop the room); signals stop the server. A stdin of /dev/null simply ends at once.
 *
 * Whether stdin is a pipe cannot be asked under the binary's permissions (stat of /dev/stdin
 * needs them all), so stdin is always read: what is not a terminal or a pipe ends at once.
 * @module
 */

/**
 * Reads lines from `input` and hands each to `line`, one at a time, in order; resolves at the end
 * of the input (or when reading fails, which counts as its end) with how many bytes were read.
 */
export async function readCommandLines(
  input: ReadableStream<Uint8Array>,
  line: (text: string) => Promise<void>,
): Promise<number> {
  let bytes = 0;
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for await (const chunk of input) {
      bytes += chunk.length;
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
  return bytes;
}
