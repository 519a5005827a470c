/**
 * Channel bans the IRC way: `MODE #chat +b MASK` and `-b MASK` as the room's `/ban` and `/unban`
 * through the one command table, and `MODE #chat b` (or `+b` alone) as the ban list (367, 368).
 * A mask is something the room can ban only when it names one name (`nick!*@*`, `nick`) or one
 * address or range (`*!*@1.2.3.4`, `*!*@1.2.0.0/16`, `*!*@1.2.*`, a bare IP or CIDR); any other
 * mask is refused with a notice and changes nothing.
 * @module
 */

import { looksLikeAddress } from "../moderation/address.ts";
import type { BanRecord } from "../store/moderation_store.ts";
import { errorNotice } from "../notices.ts";
import type { IrcMessage } from "./irc_line.ts";
import { numeric } from "./irc_replies.ts";
import { operatorOnly, runTableCommand, type TableAccess, type TableUser } from "./irc_table.ts";
import { IRC_USER_HOST } from "./irc_translate.ts";

/** What a ban mask stands for: the room's `/ban` target, or why the room cannot ban it. */
export type MaskTarget =
  | { readonly ok: true; readonly target: string }
  | { readonly ok: false; readonly reason: string };

const WILDCARD = /[*?]/;
const NAME_WILDCARD = "wildcards inside a name cannot be banned; give the whole name";
/** `1.2.*`, `10.*.*.*`: whole IPv4 octets given, the rest wildcards. */
const IPV4_OCTETS = /^(\d{1,3}(?:\.\d{1,3}){0,2})(?:\.\*){1,3}$/;

/** The address or range a mask's host stands for, or null. */
function hostRange(host: string): string | null {
  if (!WILDCARD.test(host)) return looksLikeAddress(host) ? host : null;
  const octets = IPV4_OCTETS.exec(host);
  if (octets === null) return null;
  const given = octets[1].split(".");
  if (given.length + (host.length - octets[1].length) / 2 > 4) return null;
  const padded = [...given, "0", "0", "0"].slice(0, 4);
  return `${padded.join(".")}/${given.length * 8}`;
}

/**
 * The room's ban target for an IRC ban mask: `nick`, `nick!*@*`, `nick!nick@chat` name one name;
 * `*!*@ADDRESS`, `*!*@CIDR`, `*!*@1.2.*` or a bare address one address range. The target is
 * checked again by `/ban` itself (a bad name or address gets its error there).
 */
export function maskTarget(mask: string): MaskTarget {
  const bang = mask.indexOf("!");
  const at = mask.lastIndexOf("@");
  if (bang < 0 && at < 0) {
    if (!WILDCARD.test(mask)) return { ok: true, target: mask };
    const range = hostRange(mask);
    return range !== null ? { ok: true, target: range } : { ok: false, reason: NAME_WILDCARD };
  }
  const nick = bang < 0 ? "*" : mask.slice(0, bang);
  const user = at < 0 ? "*" : mask.slice(bang < 0 ? 0 : bang + 1, at);
  const host = at < 0 ? "*" : mask.slice(at + 1);
  if (nick !== "*") {
    if (WILDCARD.test(nick)) return { ok: false, reason: NAME_WILDCARD };
    if ((user === "*" || user === nick) && (host === "*" || host === IRC_USER_HOST)) {
      return { ok: true, target: nick };
    }
    return { ok: false, reason: "a name ban is NAME!*@*: the user and host parts must be *" };
  }
  if (user !== "*") {
    return { ok: false, reason: "user names cannot be banned; ban a name (NAME!*@*)" };
  }
  const range = hostRange(host);
  if (range !== null) return { ok: true, target: range };
  if (host === "*") return { ok: false, reason: "*!*@* would ban everyone" };
  if (looksLikeAddress(host.replaceAll("*", "0"))) {
    return {
      ok: false,
      reason: "wildcards in an address stand for whole octets (1.2.*) or use CIDR",
    };
  }
  return {
    ok: false,
    reason: "host names cannot be banned, only addresses and ranges (*!*@1.2.3.4, *!*@1.2.0.0/16)",
  };
}

/** How a ban of the room looks in the IRC ban list: `name!*@*` or `*!*@address[/prefix]`. */
export function banMask(ban: BanRecord): string {
  if (!ban.key.startsWith("net:")) return `${ban.target}!*@*`;
  const canonical = ban.key.slice(4);
  const whole = canonical.includes(":") ? "/128" : "/32";
  return `*!*@${canonical.endsWith(whole) ? canonical.slice(0, -whole.length) : canonical}`;
}

/** A mode string of ban modes only (`b`, `+b`, `-b`, `+bb`, `-b+b`). */
const BAN_MODES = /^[+-]*b[+-b]*$/;

/**
 * `MODE #chat` with ban modes: each `+b MASK` as `/ban`, each `-b MASK` as `/unban` (482 for a
 * client that is not an operator), a `b` without a mask as the ban list (for operators, as
 * `/bans` is; anyone else gets its end, 368). False for any other MODE.
 */
export function runBanModes(user: TableUser, access: TableAccess, message: IrcMessage): boolean {
  const params = message.params;
  const door = access.door;
  if (message.command !== "MODE" || params.length < 2) return false;
  if (!door.isChannel(params[0]) || !BAN_MODES.test(params[1])) return false;
  const changes: { add: boolean; mask: string }[] = [];
  let add = true;
  let list = false;
  let next = 2;
  for (const letter of params[1]) {
    if (letter === "+" || letter === "-") {
      add = letter === "+";
      continue;
    }
    const mask = params[next++];
    if (mask !== undefined && mask !== "") changes.push({ add, mask });
    else if (add) list = true;
  }
  if (list) banList(user, access);
  if (changes.length === 0) {
    if (!list) user.numeric("461", "MODE", "Not enough parameters");
    return true;
  }
  if (operatorOnly(user, access, "ban")) return true;
  for (const { add, mask } of changes) {
    const mapped = maskTarget(mask);
    if (!mapped.ok) {
      user.reply(errorNotice(`cannot ${add ? "ban" : "unban"} ${mask}: ${mapped.reason}`));
    } else runTableCommand(user, access, add ? "ban" : "unban", mapped.target);
  }
  return true;
}

/** 367 for each ban (mask, who set it, when), then 368; only the 368 for a non-operator. */
function banList(user: TableUser, access: TableAccess): void {
  const to = { server: access.door.serverName, nick: user.name || "*" };
  const channel = access.door.channel;
  let lines = "";
  const moderation = access.moderation;
  if (moderation !== undefined && user.isOperator && access.commands.find("/bans") !== undefined) {
    for (const ban of moderation.bans()) {
      const setAt = String(Math.floor(ban.setAt / 1000));
      lines += numeric(to, "367", channel, banMask(ban), ban.setBy, setAt);
    }
  }
  user.send(lines + numeric(to, "368", channel, "End of channel ban list"));
}
