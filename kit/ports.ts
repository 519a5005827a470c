/**
 * Ports on 127.0.0.1 for the servers the instruments start: a free one for a program that cannot
 * bind port 0 itself, and waiting until a program accepts connections on one.
 * @module
 */

/** A free TCP port on 127.0.0.1 (bound and released: good enough on a test machine). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/**
 * Waits until `host:port` accepts a TCP connection; false after `timeoutMs`, or as soon as
 * `exited` settles (the program died: waiting longer is pointless).
 */
export async function waitForPort(
  host: string,
  port: number,
  timeoutMs: number,
  exited: Promise<unknown>,
): Promise<boolean> {
  let gone = false;
  void exited.then(() => gone = true, () => gone = true);
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && !gone) {
    try {
      const conn = await Deno.connect({ hostname: host, port });
      conn.close();
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return false;
}
