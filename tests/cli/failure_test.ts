/** The one line `chat` prints for a runtime failure (cli/failure.ts). */

import assert from "node:assert/strict";
import { describeFailure } from "../../cli/failure.ts";

Deno.test("an address in use names the address the server tried to listen on", () => {
  const error = new Deno.errors.AddrInUse("Address already in use (os error 98)");
  assert.equal(
    describeFailure(error, { action: "listen", host: "0.0.0.0", port: 5000 }),
    "cannot listen on 0.0.0.0:5000: address already in use",
  );
  assert.equal(
    describeFailure(error, { action: "listen", host: "::1", port: 80 }),
    "cannot listen on [::1]:80: address already in use",
  );
});

Deno.test("a refused connection names the address the client tried", () => {
  const error = new Deno.errors.ConnectionRefused("Connection refused (os error 111)");
  assert.equal(
    describeFailure(error, { action: "connect", host: "example.test", port: 5000 }),
    "cannot connect to example.test:5000: connection refused",
  );
});

Deno.test("an unavailable address to listen on is named", () => {
  const error = new Deno.errors.AddrNotAvailable("Cannot assign requested address (os error 99)");
  assert.equal(
    describeFailure(error, { action: "listen", host: "10.255.0.1", port: 5000 }),
    "cannot listen on 10.255.0.1:5000: address not available",
  );
});

Deno.test("other errors keep only their first line", () => {
  assert.equal(describeFailure(new Error("  broken pipe\n    at somewhere:1:2  ")), "broken pipe");
  const reset = new Deno.errors.ConnectionReset("Connection reset by peer (os error 104)");
  assert.equal(
    describeFailure(reset, { action: "connect", host: "h", port: 1 }),
    "Connection reset by peer (os error 104)",
  );
  assert.equal(describeFailure(new Error("")), "Error");
});

Deno.test("a JavaScript error type is reported as an internal error", () => {
  assert.equal(
    describeFailure(new TypeError("x is undefined")),
    "internal error: TypeError: x is undefined",
  );
});

Deno.test("something thrown that is not an Error is printed as text", () => {
  assert.equal(describeFailure("plain\nsecond"), "plain");
  assert.equal(describeFailure(42), "42");
});
