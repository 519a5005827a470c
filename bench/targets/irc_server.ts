/**
 * ngIRCd and InspIRCd from Debian as benchmark targets: installed with apt-get when missing,
 * started in the foreground on 127.0.0.1 with the configs in bench/irc/ (flood limits raised),
 * each in its own temporary directory that is removed when it stops.
 * @module
 */

import { freePort, waitForPort } from "../../kit/ports.ts";
import { Subprocess } from "../../kit/process.ts";
import { aptInstall } from "./apt.ts";
import {
  type StartedTarget,
  type Target,
  type TargetName,
  TargetUnavailableError,
} from "./target.ts";

const CONFIG_DIR = new URL("../irc/", import.meta.url);

interface IrcServerSpec {
  name: TargetName;
  /** The Debian package. */
  packageName: string;
  /** The executable the package installs. */
  binary: string;
  /** The config template in bench/irc/. */
  configFile: string;
  /** Logins in progress at once at most (see Target.maxPendingLogins). */
  maxPendingLogins: number;
  /** See Target.senderSetup. */
  senderSetup: readonly string[];
  /** Command-line arguments, given the written config's path. */
  args(configPath: string): string[];
}

const NGIRCD: IrcServerSpec = {
  name: "ngircd",
  packageName: "ngircd",
  binary: "/usr/sbin/ngircd",
  configFile: "ngircd.conf",
  // ngIRCd listens with a backlog of 10 (compiled in) and accepts one connection per loop turn.
  maxPendingLogins: 8,
  // Users handle 3 commands per loop turn; user mode F ("relaxed flood protection", settable by
  // IRC operators only) raises that to 10: the senders become operators (see ngircd.conf).
  senderSetup: ["OPER bench bench", "MODE {nick} +F"],
  args: (config) => ["--nodaemon", "--config", config],
};

const INSPIRCD: IrcServerSpec = {
  name: "inspircd",
  packageName: "inspircd",
  binary: "/usr/sbin/inspircd",
  configFile: "inspircd.conf",
  // InspIRCd completes registrations once a second; its backlog is <performance:somaxconn> 4096.
  maxPendingLogins: 2000,
  // Flood limits are all in the <connect> class (inspircd.conf); no command needed.
  senderSetup: [],
  args: (config) => ["--config", config, "--nofork", "--runasroot", "--nopid"],
};

/** The `ngircd` target. */
export function ngircdTarget(install: boolean): Target {
  return ircTarget(NGIRCD, install);
}

/** The `inspircd` target. */
export function inspircdTarget(install: boolean): Target {
  return ircTarget(INSPIRCD, install);
}

function ircTarget(spec: IrcServerSpec, install: boolean): Target {
  return {
    name: spec.name,
    protocol: "irc",
    maxPendingLogins: spec.maxPendingLogins,
    senderSetup: spec.senderSetup,
    async prepare(): Promise<void> {
      if (await exists(spec.binary)) return;
      if (!install) {
        throw new TargetUnavailableError(spec.name, `${spec.binary} not installed (--no-install)`);
      }
      await aptInstall(spec.name, { ...spec, installed: () => exists(spec.binary) });
    },
    async start(_maxClients: number): Promise<StartedTarget> {
      const dir = await Deno.makeTempDir({ prefix: `bench-${spec.name}-` });
      // ngIRCd drops root privileges to "nobody", which must still reach its pid file.
      await Deno.chmod(dir, 0o755);
      await Deno.mkdir(`${dir}/conf.d`);
      await Deno.writeTextFile(`${dir}/motd.txt`, "chat benchmark\n");
      const port = freePort();
      const template = await Deno.readTextFile(new URL(spec.configFile, CONFIG_DIR));
      const configPath = `${dir}/${spec.configFile}`;
      await Deno.writeTextFile(
        configPath,
        template.replaceAll("{{PORT}}", String(port)).replaceAll("{{DIR}}", dir),
      );
      const proc = new Subprocess(spec.binary, spec.args(configPath), {
        cwd: dir,
        cleanup: () => Deno.remove(dir, { recursive: true }),
      });
      const stop = () => proc.stop();
      if (!await waitForPort("127.0.0.1", port, 15_000, proc.status)) {
        const tail = proc.tail();
        await stop();
        throw new TargetUnavailableError(spec.name, `did not start listening; output:\n${tail}`);
      }
      return { pid: proc.pid, host: "127.0.0.1", port, stop };
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
