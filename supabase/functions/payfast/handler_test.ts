// The routes in process, with `fetch` answered by a stand-in of the project's REST/auth API and
// PayFast: what the function asks the database, and what it answers.
import assert from "node:assert/strict";
import { loadConfig } from "./config.ts";
import { createHandler } from "./handler.ts";
import { md5 } from "./signature.ts";

const PASSPHRASE = "jt7NOE43FZPn";
const USER = "5b0e7a4c-1111-4c2e-9a55-0a1b2c3d4e5f";
const PAYFAST_IP = "197.97.145.144";

interface Call {
  url: string;
  method: string;
  body: string;
  authorization: string | null;
  apikey: string | null;
}

function backend(overrides: Record<string, unknown> = {}, env: Record<string, string> = {}) {
  const calls: Call[] = [];
  const answers: Record<string, unknown> = {
    "/auth/v1/user": { id: USER, email: "thandi@example.co.za" },
    "/rest/v1/credit_packs": [{ code: "starter", name: "Starter pack", credits: 100, price_zar: 149 }],
    "/rest/v1/users": [{ id: USER, email: "thandi@example.co.za", full_name: "Thandi Nkosi" }],
    "/rest/v1/payfast_checkouts": null,
    "/rest/v1/rpc/payfast_expected_amount": 149,
    "/rest/v1/rpc/apply_payfast_itn": { outcome: "credited", replay: false },
    "/eng/query/validate": "VALID",
    ...overrides,
  };
  const fetchFn = ((input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    calls.push({
      url: String(input),
      method: init?.method ?? "GET",
      body: String(init?.body ?? ""),
      authorization: headers.get("Authorization"),
      apikey: headers.get("apikey"),
    });
    if (url.pathname === "/auth/v1/user" && headers.get("Authorization") !== "Bearer user-jwt") {
      return Promise.resolve(new Response(JSON.stringify({ msg: "invalid JWT" }), { status: 401 }));
    }
    const answer = answers[url.pathname];
    if (answer === undefined) return Promise.resolve(new Response("not found", { status: 404 }));
    const body = typeof answer === "string" ? answer : JSON.stringify(answer);
    return Promise.resolve(new Response(body, { status: answer === null ? 201 : 200 }));
  }) as typeof fetch;
  const config = loadConfig(
    new Map(Object.entries({
      SUPABASE_URL: "http://project.test",
      SUPABASE_ANON_KEY: "anon",
      SUPABASE_SERVICE_ROLE_KEY: "service",
      PAYFAST_SANDBOX: "1",
      PAYFAST_PASSPHRASE: PASSPHRASE,
      PAYFAST_VALIDATE_URL: "http://payfast.test/eng/query/validate",
      PAYFAST_ITN_HOSTS: "www.payfast.test",
      ...env,
    })),
  );
  const handler = createHandler(config, { fetch: fetchFn, resolve: () => Promise.resolve([PAYFAST_IP]) });
  return { calls, handler };
}

function post(path: string, body: unknown, authorization?: string): Request {
  return new Request(`http://localhost${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: {
      "Content-Type": "application/json",
      ...(authorization ? { Authorization: authorization } : {}),
    },
  });
}

function itnRequest(fields: [string, string][]): Request {
  const body = new URLSearchParams(fields).toString();
  return new Request("http://localhost/payfast/itn", {
    method: "POST",
    body: `${body}&signature=${md5(`${body}&passphrase=${PASSPHRASE}`)}`,
    headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": PAYFAST_IP },
  });
}

// What supabase/edge-runtime hands every handler (ext/runtime/js/http.js).
const EDGE_RUNTIME = { remoteAddr: { hostname: "0.0.0.0" } };

Deno.test("checkout without a valid session is 401 and reads nothing", async () => {
  const { calls, handler } = backend();
  for (const authorization of [undefined, "Bearer forged"]) {
    const response = await handler(
      post("/payfast/checkout", { kind: "pack", code: "starter" }, authorization),
    );
    assert.equal(response.status, 401);
  }
  assert.ok(calls.every((c) => !c.url.includes("/rest/v1/")));
});

Deno.test("checkout prices from the database and ignores a price in the request", async () => {
  const { calls, handler } = backend();
  const response = await handler(
    post("/payfast/checkout", { kind: "pack", code: "starter", amount: "1.00" }, "Bearer user-jwt"),
  );
  assert.equal(response.status, 200);
  const link = await response.json();
  assert.equal(link.amount, "149.00");
  assert.equal(link.credits, 100);
  assert.match(link.m_payment_id, /^pack-[0-9a-f]{20}$/);
  const query = new URL(link.url).searchParams;
  assert.equal(query.get("amount"), "149.00");
  assert.equal(query.get("custom_str1"), USER);
  assert.equal(query.get("notify_url"), "http://project.test/functions/v1/payfast/itn");
  const recorded = calls.find((c) => c.url.endsWith("/rest/v1/payfast_checkouts"))!;
  assert.equal(recorded.authorization, "Bearer service");
  assert.deepEqual(JSON.parse(recorded.body), {
    m_payment_id: link.m_payment_id,
    user_id: USER,
    kind: "pack",
    item_code: "starter",
    amount: "149.00",
  });
});

Deno.test("an unknown pack is 404 naming the packs for sale", async () => {
  const { handler } = backend();
  const response = await handler(
    post("/payfast/checkout", { kind: "pack", code: "gold" }, "Bearer user-jwt"),
  );
  assert.equal(response.status, 404);
  assert.match((await response.json()).error, /no credit pack 'gold'. Available: starter/);
});

Deno.test("an ITN with NaN as its amount is 400, and nothing is applied", async () => {
  const { calls, handler } = backend();
  const response = await handler(
    itnRequest([
      ["pf_payment_id", "1"],
      ["payment_status", "COMPLETE"],
      ["amount_gross", "NaN"],
      ["custom_str1", USER],
      ["custom_str2", "pack"],
      ["custom_str3", "starter"],
      ["merchant_id", "10000100"],
    ]),
    EDGE_RUNTIME,
  );
  assert.equal(response.status, 400);
  assert.equal(await response.text(), "amount_gross is not a number");
  assert.ok(!calls.some((c) => c.url.includes("apply_payfast_itn")));
});

Deno.test("a checked ITN is validated with PayFast, then applied with the service role", async () => {
  const { calls, handler } = backend();
  const response = await handler(
    itnRequest([
      ["pf_payment_id", "2"],
      ["payment_status", "COMPLETE"],
      ["amount_gross", "149.00"],
      ["custom_str1", USER],
      ["custom_str2", "pack"],
      ["custom_str3", "starter"],
      ["merchant_id", "10000100"],
    ]),
    EDGE_RUNTIME,
  );
  assert.equal(response.status, 200);
  const order = calls.map((c) => new URL(c.url).pathname);
  assert.deepEqual(order, [
    "/rest/v1/rpc/payfast_expected_amount",
    "/eng/query/validate",
    "/rest/v1/rpc/apply_payfast_itn",
  ]);
  const applied = calls.at(-1)!;
  assert.equal(applied.authorization, "Bearer service");
  assert.equal(JSON.parse(applied.body).p_itn.pf_payment_id, "2");
});

Deno.test("a subscription's cancellation notice of 0.00 is applied without a price check", async () => {
  const { calls, handler } = backend();
  const response = await handler(
    itnRequest([
      ["pf_payment_id", "3"],
      ["payment_status", "CANCELLED"],
      ["amount_gross", "0.00"],
      ["custom_str1", USER],
      ["custom_str2", "subscription"],
      ["custom_str3", "pro"],
      ["token", "t-1"],
      ["merchant_id", "10000100"],
    ]),
    EDGE_RUNTIME,
  );
  assert.equal(response.status, 200);
  assert.deepEqual(calls.map((c) => new URL(c.url).pathname), [
    "/eng/query/validate",
    "/rest/v1/rpc/apply_payfast_itn",
  ]);
});

Deno.test("an ITN sent straight to the function with a forged X-Forwarded-For is 403", async () => {
  const { calls, handler } = backend();
  const response = await handler(
    itnRequest([
      ["pf_payment_id", "4"],
      ["payment_status", "COMPLETE"],
      ["amount_gross", "149.00"],
      ["custom_str2", "pack"],
      ["custom_str3", "starter"],
      ["merchant_id", "10000100"],
    ]),
    { remoteAddr: { hostname: "203.0.113.9" } },
  );
  assert.equal(response.status, 403);
  assert.equal(await response.text(), "source address 203.0.113.9 is not PayFast");
  assert.equal(calls.length, 0);
});

const PACK_ITN: [string, string][] = [
  ["pf_payment_id", "6"],
  ["payment_status", "COMPLETE"],
  ["amount_gross", "149.00"],
  ["custom_str1", USER],
  ["custom_str2", "pack"],
  ["custom_str3", "starter"],
  ["merchant_id", "10000100"],
];

Deno.test("on edge-runtime, a notice PayFast did not send is refused whatever X-Forwarded-For says", async () => {
  // PayFast's validation answers INVALID for a notice it did not send; with no proxies declared
  // the address is not what decides, so a forged X-Forwarded-For naming PayFast changes nothing.
  const { calls, handler } = backend({ "/eng/query/validate": "INVALID" });
  const response = await handler(itnRequest(PACK_ITN), EDGE_RUNTIME);
  assert.equal(response.status, 400);
  assert.match(await response.text(), /PayFast validation answered 200 "INVALID"/);
  assert.ok(!calls.some((c) => c.url.includes("apply_payfast_itn")));
});

Deno.test("with the proxies declared, the entry they appended decides, not the caller's", async () => {
  const { calls, handler } = backend({}, { PAYFAST_TRUSTED_PROXY_HOPS: "1" });
  const request = itnRequest(PACK_ITN);
  request.headers.set("X-Forwarded-For", `${PAYFAST_IP}, 203.0.113.9`);
  const refused = await handler(request, EDGE_RUNTIME);
  assert.equal(refused.status, 403);
  assert.equal(await refused.text(), "source address 203.0.113.9 is not PayFast");
  assert.equal(calls.length, 0);
  const genuine = itnRequest(PACK_ITN);
  genuine.headers.set("X-Forwarded-For", `203.0.113.9, ${PAYFAST_IP}`);
  assert.equal((await handler(genuine, EDGE_RUNTIME)).status, 200);
});

Deno.test("with the new API keys, the function calls the project with its secret key in apikey", async () => {
  const { calls, handler } = backend({}, {
    SUPABASE_SECRET_KEYS: JSON.stringify({ ci: "sb_secret_other", default: "sb_secret_default" }),
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: "sb_publishable_default" }),
  });
  const response = await handler(
    post("/payfast/checkout", { kind: "pack", code: "starter" }, "Bearer user-jwt"),
  );
  assert.equal(response.status, 200);
  const user = calls.find((c) => c.url.endsWith("/auth/v1/user"))!;
  assert.deepEqual([user.apikey, user.authorization], ["sb_publishable_default", "Bearer user-jwt"]);
  const recorded = calls.find((c) => c.url.endsWith("/rest/v1/payfast_checkouts"))!;
  assert.deepEqual([recorded.apikey, recorded.authorization], ["sb_secret_default", null]);
});

Deno.test("health names the missing settings, only for a holder of a service key", async () => {
  const { handler } = backend({}, { SUPABASE_SECRET_KEYS: JSON.stringify({ default: "sb_secret_x" }) });
  const health = (headers: HeadersInit) =>
    handler(new Request("http://localhost/payfast/health", { headers }));
  const refused: HeadersInit[] = [{}, { apikey: "anon" }, { apikey: "sb_secret_y" }, {
    Authorization: "Bearer anon",
  }];
  for (const headers of refused) assert.equal((await health(headers)).status, 401);
  const accepted: HeadersInit[] = [{ apikey: "sb_secret_x" }, { Authorization: "Bearer service" }];
  for (const headers of accepted) {
    const answer = await health(headers);
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), {
      function: "payfast",
      missing: ["PAYFAST_RETURN_URL", "PAYFAST_CANCEL_URL"],
      sandbox: true,
      itn_source_check: "off",
    });
  }
});

Deno.test("unknown routes are 404", async () => {
  const { handler } = backend();
  assert.equal((await handler(new Request("http://localhost/payfast/nope"))).status, 404);
});

Deno.test("without the merchant's secrets, links and notices are 503 and nothing is read", async () => {
  const calls: string[] = [];
  const fetchFn = ((input: string | URL | Request) => {
    calls.push(String(input));
    return Promise.resolve(new Response(JSON.stringify({ id: USER, email: "x@example.com" })));
  }) as typeof fetch;
  const config = loadConfig(
    new Map([["SUPABASE_URL", "http://project.test"], ["SUPABASE_ANON_KEY", "anon"]]),
  );
  const handler = createHandler(config, { fetch: fetchFn, resolve: () => Promise.resolve([PAYFAST_IP]) });
  const link = await handler(post("/payfast/checkout", { kind: "pack", code: "starter" }, "Bearer user-jwt"));
  assert.equal(link.status, 503);
  assert.match((await link.json()).error, /PayFast is not configured on the server/);
  const notice = await handler(
    itnRequest([["pf_payment_id", "5"], ["merchant_id", "10000100"]]),
    EDGE_RUNTIME,
  );
  assert.equal(notice.status, 503);
  assert.ok(calls.every((url) => url.endsWith("/auth/v1/user")));
});
