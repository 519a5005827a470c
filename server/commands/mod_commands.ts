/**
 * The moderation commands as entries of the one command table: `/topic` and `/oper` for
 * everyone, `/kick`, `/ban`, `/unban`, `/bans`, `/mute`, `/unmute` for operators and the console,
 * `/say` for the console. Every refusal is an error notice and changes nothing; every action is
 * a console line.
 * @module
 */

import {
  checkUsername,
  MODERATION_COMMANDS,
  usernameKey,
  utf8ByteLength,
} from "../../protocol/mod.ts";
import type { Clock } from "../clock.ts";
import type { ServerConsole } from "../console.ts";
import { LOOPBACK_RANGES, rangeContains, rangesOverlap } from "../moderation/address.ts";
import { DurationError, looksLikeDuration, parseDuration } from "../moderation/duration.ts";
import type { Moderation } from "../moderation/moderation.ts";
import { banLine, kickedNotice, kickReason, topicNotice } from "../moderation/notices.ts";
import type { OperatorRegistry } from "../moderation/operators.ts";
import { type BanTarget, BanTargetError, parseBanTarget } from "../moderation/targets.ts";
import { errorNotice, notOnlineNotice } from "../notices.ts";
import type { Room } from "../room.ts";
import type { RoomUser } from "./room_commands.ts";
import { type Command, type CommandCall, mayUse } from "./table.ts";

/** Longest reason of a kick or ban, in UTF-8 bytes. */
export const MAX_REASON_BYTES = 300;
/** Longest topic, in UTF-8 bytes. */
export const MAX_TOPIC_BYTES = 512;
/** Wrong `/oper` passwords before the connection is closed. */
export const OPER_STRIKES = 3;

/** A user of the moderation commands: a session or the console. */
export interface ModerationUser extends RoomUser {
  /** The peer's IP address; null for the console. */
  readonly address: string | null;
  /** The peer's `host:port` for console lines (`console` for the console). */
  readonly remote: string;
  /** True on TLS or loopback: a password typed here does not cross the network in clear. */
  readonly secureChannel: boolean;
  /** Makes the user an operator until its connection ends. */
  grantOperator(): void;
  /** Counts a wrong `/oper` password; returns how many so far. */
  operFailed(): number;
  /** Ends the user's connection with a notice; `reason` is what the room is told. */
  kick(notice: string, reason: string): void;
}

/** A logged-in user of this instance, as moderation sees it. */
export interface LocalUser {
  readonly name: string;
  readonly isOperator: boolean;
  kick(notice: string, reason: string): void;
}

/** What the moderation commands work on. */
export interface ModerationServices {
  readonly room: Room;
  readonly moderation: Moderation;
  readonly operators: OperatorRegistry;
  readonly console: ServerConsole;
  readonly clock: Clock;
  /** A logged-in user of this instance by name key. */
  localUser(key: string): LocalUser | undefined;
  /** The console's `/users`: every local connection with its address and connect time. */
  consoleUserList(): string[];
}

function info(name: string): { name: string; usage: string; summary: string } {
  const found = MODERATION_COMMANDS.find((command) => command.name === name);
  if (found === undefined) throw new Error(`${name} is not in the protocol's moderation list`);
  return { ...found };
}

/** The text after the first `count` words of `rest`, trimmed (a reason, a topic). */
function after(rest: string, count: number): string {
  let text = rest.trimStart();
  for (let i = 0; i < count; i++) text = text.replace(/^\S+\s*/, "");
  return text.trim();
}

/** A refusal for a reason that is too long, or null. */
function reasonProblem(reason: string): string | null {
  return textProblem("reason", reason, MAX_REASON_BYTES);
}

/** Control characters (line breaks, escapes): a reason or topic is one printable line. */
const CONTROL = /\p{Cc}/u;

/** A refusal for a reason or topic that is too long or not one printable line, or null. */
function textProblem(what: string, text: string, max: number): string | null {
  const bytes = utf8ByteLength(text);
  if (bytes > max) return errorNotice(`${what} too long (${bytes} bytes; at most ${max})`);
  if (CONTROL.test(text)) return errorNotice(`a ${what} must not hold control characters`);
  return null;
}

/** The entries of the moderation commands, in the order `/help` lists them. */
export function moderationCommands(services: ModerationServices): Command<ModerationUser>[] {
  const { room, moderation, operators, console, clock } = services;

  /** Refuses to act on an operator, unless the console does it. */
  const protectedOperator = (user: ModerationUser, key: string, verb: string): string | null => {
    const target = services.localUser(key);
    if (target === undefined || !target.isOperator || user.isConsole) return null;
    return errorNotice(`${target.name} is an operator: only the server console can ${verb} one`);
  };

  const oper = async ({ user, rest }: CommandCall<ModerationUser>) => {
    if (user.isConsole || user.isOperator) {
      user.reply(errorNotice("you are an operator already"));
      return;
    }
    if (!user.secureChannel) {
      console.operAttempt(user.name, user.remote, "refused: neither TLS nor loopback");
      user.reply(errorNotice(
        "/oper needs a TLS or loopback connection (a password must not cross the network in clear)",
      ));
      return;
    }
    const matched = await operators.verify(usernameKey(user.name), rest);
    if (matched) {
      user.grantOperator();
      console.operAttempt(user.name, user.remote, "accepted");
      user.reply(`You are now an operator (${user.name})`);
      return;
    }
    const strikes = user.operFailed();
    console.operAttempt(user.name, user.remote, `wrong password (${strikes} of ${OPER_STRIKES})`);
    if (strikes >= OPER_STRIKES) {
      user.kick(
        errorNotice(`wrong password ${OPER_STRIKES} times; closing`),
        "wrong /oper password",
      );
    } else {
      user.reply(errorNotice(`wrong password (${strikes} of ${OPER_STRIKES})`));
    }
  };

  return [
    {
      ...info("/topic"),
      access: "anyone",
      minArgs: 0,
      run: ({ user, rest }) => {
        const text = rest.trim();
        if (text === "") {
          user.reply(topicNotice(moderation.topic));
          return;
        }
        if (!mayUse("operator", user)) {
          user.reply(errorNotice("only operators set the topic"));
          return;
        }
        const problem = textProblem("topic", text, MAX_TOPIC_BYTES);
        if (problem !== null) return user.reply(problem);
        moderation.setTopic({ text, setBy: user.name, setAt: clock.now() });
        console.topicSet(user.name, text);
      },
    },
    { ...info("/oper"), access: "anyone", minArgs: 1, run: oper },
    {
      ...info("/kick"),
      access: "operator",
      minArgs: 1,
      run: ({ user, args, rest }) => {
        const reason = after(rest, 1);
        const problem = reasonProblem(reason);
        if (problem !== null) return user.reply(problem);
        const key = usernameKey(args[0]);
        const member = room.find(key);
        if (member === undefined) return user.reply(notOnlineNotice(args[0]));
        if (member === user.member) return user.reply(errorNotice("you cannot kick yourself"));
        const guarded = protectedOperator(user, key, "kick");
        if (guarded !== null) return user.reply(guarded);
        const local = services.localUser(key);
        if (local !== undefined) {
          local.kick(kickedNotice(user.name, reason), kickReason(user.name, reason));
        } else {
          moderation.kickElsewhere(key, user.name, reason, user.isConsole);
        }
        console.kicked(user.name, member.name, reason);
      },
    },
    {
      ...info("/ban"),
      access: "operator",
      minArgs: 1,
      run: ({ user, args, rest }) => {
        let target: BanTarget;
        let durationMs: number | null = null;
        let words = 1;
        try {
          target = parseBanTarget(args[0]);
          if (args.length > 1 && looksLikeDuration(args[1])) {
            durationMs = parseDuration(args[1]);
            words = 2;
          }
        } catch (error) {
          if (error instanceof BanTargetError || error instanceof DurationError) {
            return user.reply(errorNotice(error.message));
          }
          throw error;
        }
        const reason = after(rest, words);
        const problem = reasonProblem(reason);
        if (problem !== null) return user.reply(problem);
        if (target.kind === "name") {
          if (user.member !== null && user.member.key === usernameKey(target.name)) {
            return user.reply(errorNotice("you cannot ban yourself"));
          }
          const guarded = protectedOperator(user, usernameKey(target.name), "ban");
          if (guarded !== null) return user.reply(guarded);
        } else if (user.address !== null && rangeContains(target.range, user.address)) {
          return user.reply(
            errorNotice(`that would ban your own address (${user.address})`),
          );
        } else if (user.isConsole && LOOPBACK_RANGES.some((r) => rangesOverlap(r, target.range))) {
          return user.reply(errorNotice(
            "that would ban this machine's own loopback addresses, where the console's operators connect",
          ));
        }
        const now = clock.now();
        const ban = {
          key: target.key,
          target: target.kind === "name" ? target.name : args[0],
          setBy: user.name,
          reason,
          setAt: now,
          until: durationMs === null ? null : now + durationMs,
        };
        moderation.ban(ban);
        console.banned(ban);
      },
    },
    {
      ...info("/unban"),
      access: "operator",
      minArgs: 1,
      run: ({ user, args }) => {
        let key: string;
        try {
          key = parseBanTarget(args[0]).key;
        } catch (error) {
          if (error instanceof BanTargetError) return user.reply(errorNotice(error.message));
          throw error;
        }
        const ban = moderation.banByKey(key);
        if (ban === null || !moderation.unban(key)) {
          return user.reply(errorNotice(`${args[0]} is not banned`));
        }
        console.unbanned(user.name, ban.target);
        user.reply(`Ban on ${ban.target} lifted`);
      },
    },
    {
      ...info("/bans"),
      access: "operator",
      minArgs: 0,
      run: ({ user }) => {
        const bans = moderation.bans();
        if (bans.length === 0) return user.reply("No bans");
        const now = clock.now();
        user.reply(`Bans (${bans.length}):`);
        for (const ban of bans) user.reply(banLine(ban, now));
      },
    },
    {
      ...info("/mute"),
      access: "operator",
      minArgs: 1,
      run: ({ user, args }) => {
        const check = checkUsername(args[0]);
        if (!check.ok) {
          return user.reply(errorNotice(`bad name '${args[0]}': ${check.error.message}`));
        }
        if (args.length > 2) return user.reply(errorNotice(`usage: ${info("/mute").usage}`));
        let durationMs: number | null = null;
        if (args.length === 2) {
          try {
            durationMs = parseDuration(args[1]);
          } catch (error) {
            if (error instanceof DurationError) return user.reply(errorNotice(error.message));
            throw error;
          }
        }
        if (user.member !== null && user.member.key === check.key) {
          return user.reply(errorNotice("you cannot mute yourself"));
        }
        const guarded = protectedOperator(user, check.key, "mute");
        if (guarded !== null) return user.reply(guarded);
        const now = clock.now();
        const name = room.find(check.key)?.name ?? check.name;
        const until = durationMs === null ? null : now + durationMs;
        moderation.mute({ key: check.key, name, setBy: user.name, setAt: now, until });
        console.muted(user.name, name, durationMs);
        user.reply(`${name} is muted ${durationMs === null ? "until lifted" : `for ${args[1]}`}`);
      },
    },
    {
      ...info("/unmute"),
      access: "operator",
      minArgs: 1,
      run: ({ user, args }) => {
        const key = usernameKey(args[0]);
        if (!moderation.unmute(key)) return user.reply(errorNotice(`${args[0]} is not muted`));
        console.unmuted(user.name, args[0]);
        user.reply(`${args[0]} may speak again`);
      },
    },
    {
      ...info("/say"),
      access: "console",
      minArgs: 1,
      run: ({ user, rest }) => {
        moderation.announce(rest.trim());
        console.said(user.name, rest.trim());
      },
    },
  ];
}
