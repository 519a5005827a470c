/**
 * A server's metrics and health: the registry and readiness checks every subsystem can add to
 * (always there, so registering costs nothing when `--metrics` is off), and, with `--metrics`,
 * the chat_ metrics, the event-loop lag meter and the HTTP endpoint.
 * @module
 */

import config from "../../deno.json" with { type: "json" };
import type { Room } from "../room.ts";
import { processCounters } from "./counters.ts";
import { Readiness } from "./health.ts";
import { type OpsEndpoint, serveOps } from "./http.ts";
import { LoopLagMeter } from "./loop_lag.ts";
import { processSources } from "./process_metrics.ts";
import { type MetricSource, MetricsRegistry, type Sample } from "./registry.ts";
import { RoomCounters } from "./room_counters.ts";

/** What the server tells its metrics about itself. */
export interface ServerGauges {
  /** Logged-in clients of this instance, by transport (`tcp`, `tls`, ...). */
  clientsByTransport(): readonly Sample[];
  /** Open connections, logged in or not. */
  connections(): number;
}

/** The chat_ metrics that need no room: the process counters and the build. */
function coreSources(gauges: ServerGauges): MetricSource[] {
  return [
    {
      name: "chat_clients",
      help: "Clients logged in to this instance, by transport.",
      type: "gauge",
      read: () => gauges.clientsByTransport(),
    },
    {
      name: "chat_connections",
      help: "Open client connections of this instance, logged in or not.",
      type: "gauge",
      read: () => gauges.connections(),
    },
    {
      name: "chat_deliveries_total",
      help: "Frames handed to local clients' send queues (a broadcast counts once per recipient).",
      type: "counter",
      read: () => processCounters.deliveries,
    },
    {
      name: "chat_sent_bytes_total",
      help: "Bytes written to client sockets.",
      type: "counter",
      read: () => processCounters.bytesSent,
    },
    {
      name: "chat_flood_drops_total",
      help: "Messages dropped by flood control.",
      type: "counter",
      read: () => processCounters.floodDrops,
    },
    {
      name: "chat_store_write_errors_total",
      help: "History batches the store failed to write (a failing disk or Redis; retried).",
      type: "counter",
      read: () => processCounters.storeWriteErrors,
    },
    {
      name: "chat_build_info",
      help: "Always 1; the labels say which build runs.",
      type: "gauge",
      read: () => [{ labels: { version: config.version, deno: Deno.version.deno }, value: 1 }],
    },
  ];
}

/** The metrics and health of one server. */
export class ServerMetrics {
  /** Where subsystems register what `/metrics` shows (see docs/operations.md). */
  readonly registry: MetricsRegistry = new MetricsRegistry();
  /** What `/readyz` asks. */
  readonly readiness: Readiness = new Readiness();
  #roomCounters: RoomCounters | null = null;
  #lag: LoopLagMeter | null = null;
  #endpoint: OpsEndpoint | null = null;

  /**
   * Registers the chat_ and process metrics, starts the lag meter and binds the endpoint.
   * Throws ListenError when the address cannot be bound (nothing is left running).
   */
  serve(hostname: string, port: number, room: Room, gauges: ServerGauges): Deno.NetAddr {
    const endpoint = serveOps(hostname, port, this.registry, this.readiness);
    this.#endpoint = endpoint;
    this.#roomCounters = new RoomCounters(room);
    this.#lag = new LoopLagMeter();
    this.registry.registerAll([
      ...coreSources(gauges),
      ...this.#roomCounters.sources(),
      this.#lag.source(),
      ...processSources(),
    ]);
    return endpoint.addr;
  }

  /** Stops the endpoint, the meter and the counting. */
  async close(): Promise<void> {
    this.#lag?.stop();
    this.#roomCounters?.close();
    await this.#endpoint?.close();
  }
}
