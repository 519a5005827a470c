import assert from "node:assert/strict";
import {
  DEFAULT_SEND_BURST,
  DEFAULT_SEND_RATE,
  sendBurstFor,
  SendPacer,
} from "../../client/pacer.ts";
import { DEFAULT_SERVER_OPTIONS } from "../../server/mod.ts";

Deno.test("a burst goes at once, then one message per 1/rate seconds", () => {
  let now = 1000;
  const pacer = new SendPacer(2, 3, () => now);
  for (let i = 0; i < 3; i++) {
    assert.equal(pacer.delay(), 0);
    pacer.take();
  }
  assert.equal(pacer.delay(), 500);
  now += 250;
  assert.equal(pacer.delay(), 250);
  now += 250;
  assert.equal(pacer.delay(), 0);
  pacer.take();
  assert.equal(pacer.delay(), 500);
  now += 60_000; // a long pause refills only up to the burst
  for (let i = 0; i < 3; i++) {
    assert.equal(pacer.delay(), 0);
    pacer.take();
  }
  assert.equal(pacer.delay(), 500);
});

Deno.test("reset gives a full burst again; rate 0 never waits", () => {
  const now = 0;
  const pacer = new SendPacer(1, 2, () => now);
  pacer.take();
  pacer.take();
  assert.equal(pacer.delay(), 1000);
  pacer.reset();
  assert.equal(pacer.delay(), 0);
  const off = new SendPacer(0, 1, () => now);
  for (let i = 0; i < 100; i++) off.take();
  assert.equal(off.delay(), 0);
});

Deno.test("the defaults stay under the server's default flood limit", () => {
  assert.ok(DEFAULT_SEND_RATE < DEFAULT_SERVER_OPTIONS.floodRate);
  assert.ok(DEFAULT_SEND_BURST < DEFAULT_SERVER_OPTIONS.floodBurst);
});

Deno.test("the burst that goes with a rate: the default at 8/s and above, less below", () => {
  assert.equal(sendBurstFor(8), DEFAULT_SEND_BURST);
  assert.equal(sendBurstFor(100), DEFAULT_SEND_BURST);
  assert.equal(sendBurstFor(2), 5);
  assert.equal(sendBurstFor(1), 3);
  assert.equal(sendBurstFor(0), DEFAULT_SEND_BURST);
});
