/**
 * One worker of the workers prototype (a Deno Worker started by bench/workers/main.ts): a whole
 * chat server on its own thread, bound with `reusePort` to the port every worker shares, whose
 * room is mirrored to the other workers by a ClusterBus over a PortLink to the hub.
 *
 * The start line is left to the main thread, which prints it once every worker listens; every
 * other console line is printed as the real server prints it.
 * @module
 */

import { ClusterBus } from "../../server/bus/bus.ts";
import { DEFAULT_PRESENCE_TIMEOUT_SECONDS, presenceTiming } from "../../server/bus/presence.ts";
import { systemClock } from "../../server/clock.ts";
import { type ConsoleSink, ServerConsole, stdConsole } from "../../server/console.ts";
import { describeListenFailure, ListenError } from "../../server/listener.ts";
import type { ServerOptions } from "../../server/options.ts";
import { Room } from "../../server/room.ts";
import { type ChatServer, startServer } from "../../server/server.ts";
import type { FromWorker, ToWorker } from "./messages.ts";
import { PortLink } from "./port_link.ts";

/** The worker global as this module uses it (no DOM or worker lib needed to type-check it). */
interface WorkerScope {
  onmessage: ((message: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
  close(): void;
}

const START_LINE = "chat server listening on ";

/** Console lines as the real server prints them, but for the start line (the main thread's). */
const workerConsole: ConsoleSink = {
  log: (line) => {
    if (!line.startsWith(START_LINE)) stdConsole.log(line);
  },
  error: (line) => stdConsole.error(line),
};

/**
 * Binds like `listenTcp`, with SO_REUSEPORT so every worker can bind the same port and the
 * kernel spreads new connections over them. Needs `--unstable-net`.
 */
export function listenReusePort(hostname: string, port: number): Deno.TcpListener {
  const address = hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  try {
    return Deno.listen({ hostname, port, transport: "tcp", reusePort: true });
  } catch (error) {
    throw new ListenError(address, describeListenFailure(error), { cause: error });
  }
}

/** Starts this worker's bus, then its server; resolves once it listens. */
async function serve(
  instanceId: string,
  options: ServerOptions,
  port: MessagePort,
): Promise<ChatServer> {
  const clock = systemClock;
  const console = new ServerConsole(workerConsole, clock);
  const timing = presenceTiming(
    (options.presenceTimeoutSeconds ?? DEFAULT_PRESENCE_TIMEOUT_SECONDS) * 1000,
  );
  const room = new Room({ joinBatching: { clock } });
  const link = new PortLink(instanceId, port);
  const bus = new ClusterBus({ room, link, clock, console, timing });
  await bus.start();
  try {
    return await startServer(options, {
      clock,
      console: workerConsole,
      room,
      claims: bus,
      onlineDetail: () => bus.onlineDetail(),
      afterShutdown: () => bus.close(),
      listen: listenReusePort,
    });
  } catch (error) {
    await bus.close();
    throw error;
  }
}

const scope = globalThis as unknown as WorkerScope;
let server: ChatServer | null = null;
/** The start in progress (settled once the server listens or failed). */
let starting: Promise<void> = Promise.resolve();
let shutdownAsked = false;

async function start(instanceId: string, options: ServerOptions, port: MessagePort): Promise<void> {
  try {
    server = await serve(instanceId, options, port);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    scope.postMessage({ kind: "failed", message: text });
    return;
  }
  scope.postMessage({ kind: "listening", hostname: server.addr.hostname, port: server.addr.port });
}

/** Shuts the server down (after its start, if one is in progress), then ends the worker. */
async function shutdown(): Promise<void> {
  if (shutdownAsked) return;
  shutdownAsked = true;
  await starting;
  if (server !== null) await server.shutdown();
  scope.postMessage({ kind: "finished" });
  scope.onmessage = null;
  scope.close();
}

scope.onmessage = (message: MessageEvent<ToWorker>) => {
  const data = message.data;
  switch (data.kind) {
    case "start":
      starting = start(data.instanceId, data.options, data.port);
      return;
    case "shutdown":
      void shutdown();
      return;
  }
};
