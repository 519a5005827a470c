/**
 * A release served on 127.0.0.1 the way GitHub lays one out (`/latest/download/FILE` and
 * `/download/vX.Y.Z/FILE`), so install.sh can be run end to end against it. It records every
 * request, and answers 404 for anything it does not hold.
 * @module
 */

/** The files of one release, by name. */
export type ReleaseFiles = ReadonlyMap<string, Uint8Array<ArrayBuffer>>;

/** A running mirror; close it at the end of the test. */
export interface ReleaseMirror {
  /** The base URL install.sh takes (`--base-url`): `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The paths asked for, in order (including the ones answered 404). */
  readonly requests: string[];
  /** Stops the server and waits for its connections to end. */
  close(): Promise<void>;
}

/**
 * Serves `files` as the release `version` (`vX.Y.Z`), which is also the latest one. Files can be
 * replaced between runs through the map the caller keeps.
 */
export function serveRelease(files: ReleaseFiles, version: string): ReleaseMirror {
  const requests: string[] = [];
  const prefixes = ["/latest/download/", `/download/${version}/`];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => {
      const path = new URL(request.url).pathname;
      requests.push(path);
      const prefix = prefixes.find((p) => path.startsWith(p));
      const body = prefix === undefined ? undefined : files.get(path.slice(prefix.length));
      return body === undefined
        ? new Response("not found\n", { status: 404 })
        : new Response(body, { headers: { "content-type": "application/octet-stream" } });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    close: () => server.shutdown(),
  };
}
