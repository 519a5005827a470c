/**
 * The operations endpoint of `--metrics HOST:PORT`: `/metrics` (Prometheus text format),
 * `/healthz` (200 while the process serves) and `/readyz` (200 when it should get new clients,
 * 503 with the reason when not), 404 for anything else. Meant for an internal address.
 * @module
 */

import { formatAddress } from "../console.ts";
import { describeListenFailure, ListenError } from "../listener.ts";
import type { Readiness } from "./health.ts";
import { METRICS_CONTENT_TYPE, type MetricsRegistry } from "./registry.ts";

const TEXT = { "content-type": "text/plain; charset=utf-8" };

/** Answers one request of the operations endpoint. */
export function handleOpsRequest(
  request: Request,
  registry: MetricsRegistry,
  readiness: Readiness,
): Response {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("method not allowed\n", {
      status: 405,
      headers: { ...TEXT, allow: "GET, HEAD" },
    });
  }
  switch (new URL(request.url).pathname) {
    case "/metrics":
      return new Response(registry.render(), { headers: { "content-type": METRICS_CONTENT_TYPE } });
    case "/healthz":
      return new Response("ok\n", { headers: TEXT });
    case "/readyz": {
      const reason = readiness.notReady();
      return reason === null
        ? new Response("ready\n", { headers: TEXT })
        : new Response(`not ready: ${reason}\n`, { status: 503, headers: TEXT });
    }
    default:
      return new Response("not found: try /metrics, /healthz or /readyz\n", {
        status: 404,
        headers: TEXT,
      });
  }
}

/** A running operations endpoint. */
export interface OpsEndpoint {
  /** The bound address (the real port when 0 was asked for). */
  readonly addr: Deno.NetAddr;
  /** Stops listening and waits for requests in progress. */
  close(): Promise<void>;
}

/** Binds the endpoint; throws ListenError (naming it the metrics address) when it cannot. */
export function serveOps(
  hostname: string,
  port: number,
  registry: MetricsRegistry,
  readiness: Readiness,
): OpsEndpoint {
  const address = hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      { hostname, port, onListen: () => {} },
      (request) => handleOpsRequest(request, registry, readiness),
    );
  } catch (error) {
    throw new ListenError(`${address} (--metrics)`, describeListenFailure(error), {
      cause: error,
    });
  }
  let closing: Promise<void> | null = null;
  return {
    addr: server.addr,
    close: () => closing ??= server.shutdown(),
  };
}

/** `http://HOST:PORT`, for the console line that says where the endpoint is. */
export function opsUrl(addr: Deno.NetAddr): string {
  return `http://${formatAddress(addr)}`;
}
