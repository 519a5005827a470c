/**
 * CIDR ranges and the web client's address: X-Forwarded-For is believed only from a trusted
 * proxy, and only as far as the first hop that is not one.
 */

import assert from "node:assert/strict";
import { cidrContains, CidrError, parseCidr } from "../../../server/web/cidr.ts";
import { clientAddress } from "../../../server/web/client_address.ts";

Deno.test("CIDR ranges hold exactly their addresses, IPv4 and IPv6", () => {
  const cases: [string, string, boolean][] = [
    ["10.0.0.0/8", "10.200.3.4", true],
    ["10.0.0.0/8", "11.0.0.1", false],
    ["192.168.1.7", "192.168.1.7", true],
    ["192.168.1.7", "192.168.1.8", false],
    ["0.0.0.0/0", "203.0.113.9", true],
    ["127.0.0.0/8", "::ffff:127.0.0.1", true],
    ["::1/128", "::1", true],
    ["2001:db8::/32", "2001:db8:ffff::1", true],
    ["2001:db8::/32", "2001:db9::1", false],
    ["10.0.0.0/8", "::1", false],
    ["10.0.0.0/8", "not an address", false],
  ];
  for (const [range, address, inside] of cases) {
    assert.equal(cidrContains(parseCidr(range), address), inside, `${address} in ${range}`);
  }
});

Deno.test("malformed ranges are refused", () => {
  for (
    const text of [
      "10.0.0.0/33",
      "10.0.0/8",
      "::1/129",
      "1:2:3:4:5:6:7:8:9",
      "x/8",
      "1.2.3.4/8/1",
      "",
    ]
  ) {
    assert.throws(() => parseCidr(text), CidrError, text);
  }
});

Deno.test("X-Forwarded-For: trusted peers only, rightmost untrusted hop, junk ignored", () => {
  const trusted = [parseCidr("10.0.0.0/8")];
  const cases: [string, string | null, string][] = [
    ["10.0.0.2", "203.0.113.5", "203.0.113.5"],
    ["10.0.0.2", "198.51.100.1, 203.0.113.5, 10.0.0.9", "203.0.113.5"],
    ["10.0.0.2", null, "10.0.0.2"],
    ["10.0.0.2", "10.0.0.3", "10.0.0.2"],
    ["10.0.0.2", "evil", "10.0.0.2"],
    ["192.0.2.1", "203.0.113.5", "192.0.2.1"],
  ];
  for (const [peer, header, expected] of cases) {
    assert.equal(clientAddress(peer, header, trusted), expected, `${peer} / ${header}`);
  }
  assert.equal(clientAddress("10.0.0.2", "203.0.113.5", []), "10.0.0.2");
});
