/**
 * Capability negotiation (IRCv3 `CAP`): `CAP LS` (any version) holds registration until
 * `CAP END`; `server-time` is the one capability offered.
 * @module
 */

import { ircLine } from "./irc_line.ts";

/** The capabilities offered to `CAP LS`. */
export const IRC_CAPABILITIES: readonly string[] = ["server-time"];

/** What a CAP command leads to: lines to send, and whether negotiation just ended. */
export interface CapOutcome {
  readonly reply: string;
  readonly ended: boolean;
}

/** One client's negotiation and the capabilities it enabled. */
export class CapNegotiation {
  #negotiating = false;
  readonly #enabled = new Set<string>();

  /** True between `CAP LS` or `CAP REQ` before registration and `CAP END`. */
  get negotiating(): boolean {
    return this.#negotiating;
  }

  /** True when the client enabled `capability`. */
  has(capability: string): boolean {
    return this.#enabled.has(capability);
  }

  /** Answers `CAP params...` from `server` to `nick`. */
  answer(params: readonly string[], server: string, nick: string, registered: boolean): CapOutcome {
    const sub = (params[0] ?? "").toUpperCase();
    const said = (...words: string[]) => ({
      reply: ircLine(server, "CAP", nick, ...words),
      ended: false,
    });
    switch (sub) {
      case "LS":
        if (!registered) this.#negotiating = true;
        return said("LS", IRC_CAPABILITIES.join(" "));
      case "LIST":
        return said("LIST", [...this.#enabled].join(" "));
      case "REQ": {
        if (!registered) this.#negotiating = true;
        const asked = (params[1] ?? "").split(" ").filter((word) => word !== "");
        const known = asked.every((cap) => IRC_CAPABILITIES.includes(cap.replace(/^-/, "")));
        if (known) {
          for (const cap of asked) {
            if (cap.startsWith("-")) this.#enabled.delete(cap.slice(1));
            else this.#enabled.add(cap);
          }
        }
        return said(known ? "ACK" : "NAK", params[1] ?? "");
      }
      case "END": {
        const ended = this.#negotiating && !registered;
        this.#negotiating = false;
        return { reply: "", ended };
      }
      default:
        return { reply: ircLine(server, "410", nick, sub, "Invalid CAP command"), ended: false };
    }
  }
}
