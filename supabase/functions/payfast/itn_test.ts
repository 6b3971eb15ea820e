// The ITN checks one by one: field order, fields after the signature, merchant id, amounts, the
// source address behind a proxy, and the validation postback.
import assert from "node:assert/strict";
import {
  checkAmount,
  checkMerchant,
  checkSignature,
  checkSource,
  confirmWithPayFast,
  EDGE_RUNTIME_PEER,
  fieldsOf,
  isCancellation,
  ItnRejected,
  itnSource,
  parseCents,
  parseForm,
} from "./itn.ts";
import { md5, type Pairs } from "./signature.ts";
import { ITN_PAIRS } from "./test_fixtures.ts";

const PASSPHRASE = "jt7NOE43FZPn";

function signed(pairs: Pairs, passphrase = PASSPHRASE): string {
  const body = new URLSearchParams(pairs).toString();
  return `${body}&signature=${md5(`${body}&passphrase=${passphrase}`)}`;
}

function rejects(fn: () => unknown, status: number, reason: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ItnRejected, String(error));
    assert.equal(error.status, status);
    assert.match(error.reason, reason);
    return true;
  });
}

Deno.test("a posted form keeps its order and its signature verifies", () => {
  const pairs = parseForm(signed(ITN_PAIRS));
  assert.deepEqual(pairs.slice(0, 3).map(([k]) => k), ["m_payment_id", "pf_payment_id", "payment_status"]);
  checkSignature(pairs, PASSPHRASE);
});

Deno.test("the same fields in another order do not verify", () => {
  const pairs = parseForm(signed(ITN_PAIRS));
  const swapped: Pairs = [pairs[1], pairs[0], ...pairs.slice(2)];
  rejects(() => checkSignature(swapped, PASSPHRASE), 400, /bad signature/);
});

Deno.test("a field after the signature is refused, even though the signature matches", () => {
  const body = signed(ITN_PAIRS) + "&amount_gross=1.00";
  rejects(
    () => checkSignature(parseForm(body), PASSPHRASE),
    400,
    /fields after signature are not signed: amount_gross/,
  );
});

Deno.test("no signature, or another passphrase, is refused", () => {
  rejects(() => checkSignature(ITN_PAIRS, PASSPHRASE), 400, /missing signature/);
  rejects(() => checkSignature(parseForm(signed(ITN_PAIRS, "guess")), PASSPHRASE), 400, /bad signature/);
});

Deno.test("a repeated field is refused", () => {
  rejects(() => fieldsOf([["a", "1"], ["a", "2"]]), 400, /field a is repeated/);
  assert.deepEqual(fieldsOf([["a", "1"], ["b", ""]]), { a: "1", b: "" });
});

Deno.test("merchant_id must be ours", () => {
  checkMerchant({ merchant_id: "10000100" }, "10000100");
  rejects(
    () => checkMerchant({ merchant_id: "10000101" }, "10000100"),
    400,
    /merchant_id is not this merchant/,
  );
  rejects(() => checkMerchant({}, "10000100"), 400, /merchant_id/);
});

Deno.test("amounts: plain decimals only; NaN, Infinity, exponents and blanks are 400", () => {
  assert.equal(parseCents("149.00", "x"), 14900);
  assert.equal(parseCents(" -2.28 ", "x"), -228);
  for (const bad of ["NaN", "Infinity", "1e3", "", "12,00", "0x10", "149.00.1"]) {
    rejects(() => parseCents(bad, "amount_gross"), 400, /amount_gross is not a number/);
  }
});

Deno.test("amount within 0.01 of the price", () => {
  checkAmount("149.00", "149.00");
  checkAmount("149.01", 149);
  checkAmount("148.99", "149.00");
  rejects(() => checkAmount("149.02", "149.00"), 400, /does not match the price 149.00/);
  rejects(() => checkAmount("14.90", "149.00"), 400, /does not match/);
  rejects(() => checkAmount("NaN", "149.00"), 400, /amount_gross is not a number/);
  rejects(() => checkAmount("149.00", null), 400, /unknown pack or plan/);
});

Deno.test("a subscription's cancellation notice is recognised", () => {
  assert.ok(isCancellation({ payment_status: "CANCELLED", custom_str2: "subscription" }));
  assert.ok(!isCancellation({ payment_status: "CANCELLED", custom_str2: "pack" }));
  assert.ok(!isCancellation({ payment_status: "COMPLETE", custom_str2: "subscription" }));
});

Deno.test("source: a direct connection from a public address is that address, headers ignored", () => {
  const headers = new Headers({ "x-forwarded-for": "197.97.145.144" });
  assert.deepEqual(itnSource(headers, "203.0.113.9", null), { kind: "address", address: "203.0.113.9" });
  assert.deepEqual(itnSource(headers, "203.0.113.9", 1), { kind: "address", address: "203.0.113.9" });
});

Deno.test("source on supabase/edge-runtime (peer 0.0.0.0) with no proxies declared: unknown", () => {
  // The platform documents no fixed number of proxies appending to X-Forwarded-For, so no entry
  // can be told from one the caller wrote: neither PayFast's real address nor a forged one counts.
  for (const forwarded of ["197.97.145.144", "197.97.145.144, 10.0.0.1", ""]) {
    const headers = new Headers(forwarded ? { "x-forwarded-for": forwarded } : {});
    assert.deepEqual(itnSource(headers, EDGE_RUNTIME_PEER, null), {
      kind: "unknown",
      forwardedFor: forwarded,
    });
  }
  assert.equal(itnSource(new Headers(), undefined, null).kind, "unknown");
});

Deno.test("source behind declared proxies: the entry they appended, never the caller's own", () => {
  const spoofed = new Headers({ "x-forwarded-for": "197.97.145.144, 203.0.113.9" });
  assert.deepEqual(itnSource(spoofed, EDGE_RUNTIME_PEER, 1), { kind: "address", address: "203.0.113.9" });
  assert.deepEqual(itnSource(spoofed, "127.0.0.1", 1), { kind: "address", address: "203.0.113.9" });
  const twoProxies = new Headers({ "x-forwarded-for": "203.0.113.9, 197.97.145.144, 10.1.2.3" });
  assert.deepEqual(itnSource(twoProxies, "10.0.0.4", 2), { kind: "address", address: "197.97.145.144" });
  assert.deepEqual(itnSource(new Headers(), EDGE_RUNTIME_PEER, 1), { kind: "missing" });
});

Deno.test("source address must be one PayFast's hosts resolve to", async () => {
  const resolve = (host: string) => Promise.resolve(host === "www.payfast.test" ? ["197.97.145.144"] : []);
  const hosts = ["www.payfast.test"];
  await checkSource({ kind: "address", address: "197.97.145.144" }, hosts, resolve);
  await checkSource({ kind: "address", address: "::ffff:197.97.145.144" }, hosts, resolve);
  await assert.rejects(
    checkSource({ kind: "address", address: "203.0.113.9" }, hosts, resolve),
    /203.0.113.9 is not PayFast/,
  );
  await assert.rejects(checkSource({ kind: "missing" }, hosts, resolve), /unknown source address/);
  await checkSource({ kind: "unknown", forwardedFor: "203.0.113.9" }, hosts, resolve);
});

Deno.test("validation postback sends the parameter string and needs VALID", async () => {
  const sent: string[] = [];
  const answer = (body: string) =>
    ((_url: string | URL | Request, init?: RequestInit) => {
      sent.push(String(init?.body));
      return Promise.resolve(new Response(body));
    }) as typeof fetch;
  const pairs = parseForm(signed(ITN_PAIRS));
  await confirmWithPayFast(pairs, "http://payfast.test/eng/query/validate", answer("VALID"));
  assert.ok(sent[0].startsWith("m_payment_id=01AB&pf_payment_id=1089250&"));
  assert.ok(!sent[0].includes("signature="));
  await assert.rejects(
    confirmWithPayFast(pairs, "http://payfast.test/x", answer("INVALID")),
    /answered 200 "INVALID"/,
  );
});
