/**
 * The real Prometheus for tests: `promtool check metrics` on a text, a throwaway `prometheus`
 * scraping given targets (a temp config and storage directory, a free port on 127.0.0.1), and
 * reading a `/metrics` text back as numbers.
 * @module
 */

import { TimeoutError } from "./timeout.ts";

/** Runs `promtool check metrics` on `text`: whether it passed, and what it printed. */
export async function promtoolCheck(text: string): Promise<{ ok: boolean; output: string }> {
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { success, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { ok: success, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

/**
 * The value of one sample in a Prometheus text, `series` written as it appears
 * (`chat_clients{transport="tcp"}`); undefined when absent.
 */
export function sampleValue(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** GETs a URL on the test's own servers; resolves with the status and the body. */
export async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

/** A port that was free a moment ago on 127.0.0.1 (for programs that cannot take port 0). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** A running `prometheus` scraping the test's targets. */
export interface TestPrometheus {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** An instant query through the HTTP API: every result's value. */
  query(expr: string): Promise<number[]>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts `prometheus` scraping `targets` (`host:port`) every second, and waits until its API
 * answers. Its output is kept in case it fails to start.
 */
export async function startPrometheus(targets: readonly string[]): Promise<TestPrometheus> {
  const dir = await Deno.makeTempDir({ prefix: "chat-prometheus-" });
  const config = [
    "global:",
    "  scrape_interval: 1s",
    "  scrape_timeout: 1s",
    "scrape_configs:",
    "  - job_name: chat",
    "    static_configs:",
    `      - targets: [${targets.map((t) => `"${t}"`).join(", ")}]`,
    "",
  ].join("\n");
  await Deno.writeTextFile(`${dir}/prometheus.yml`, config);
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = new Deno.Command("prometheus", {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    await child.status;
    await Deno.remove(dir, { recursive: true });
  };
  const query = async (expr: string): Promise<number[]> => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = await response.json() as {
      status: string;
      data?: { result: { value: [number, string] }[] };
    };
    if (body.status !== "success" || body.data === undefined) return [];
    return body.data.result.map((r) => Number(r.value[1]));
  };
  try {
    await pollUntil(
      async () => {
        try {
          const response = await fetch(`${url}/-/ready`);
          await response.body?.cancel();
          return response.ok;
        } catch {
          return false;
        }
      },
      20_000,
      "prometheus to be ready",
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, query, stop };
}

/**
 * Polls an asynchronous condition every 100 ms until it holds (a scrape that has to happen, an
 * HTTP status that has to change); rejects with a TimeoutError naming `label`.
 */
export async function pollUntil(
  condition: () => Promise<boolean>,
  ms: number,
  label: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new TimeoutError(label, ms);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
