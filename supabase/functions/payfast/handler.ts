// The function's routes, under /payfast (the path the platform hands the function):
//
//   POST /payfast/checkout       {"kind": "pack"|"subscription", "code": "starter"}   (user's JWT)
//   POST /payfast/subscription   {"action": "cancel"|"pause"|"resume"}                (user's JWT)
//   POST /payfast/itn            PayFast's notification (form-encoded; no JWT: PayFast signs it)
//   GET  /payfast/health         which settings are missing (names only), for `stagefy doctor`
//                                (a secret or service_role key of the project in `apikey`)
//
// The function is deployed with --no-verify-jwt because PayFast cannot send a JWT; the user routes
// verify the caller's token with the auth server themselves.
import { buildCheckout, type Buyer, type Item, type Kind, newPaymentId } from "./checkout.ts";
import { type Config, merchantProblem, missingSecrets } from "./config.ts";
import { Database, HttpError } from "./database.ts";
import {
  checkAmount,
  checkMerchant,
  checkSignature,
  checkSource,
  confirmWithPayFast,
  fieldsOf,
  isCancellation,
  ItnRejected,
  itnSource,
  parseCents,
  parseForm,
  resolveHost,
  type Resolver,
  type Source,
} from "./itn.ts";
import { changeSubscription } from "./payfast_api.ts";
import { sameText } from "./signature.ts";

export interface Deps {
  fetch: typeof fetch;
  resolve: Resolver;
}

export interface ConnInfo {
  remoteAddr?: { hostname?: string };
}

const LIVE_STATUSES = new Set(["active", "paused", "past_due"]);
const CODE = /^[a-z0-9_-]{1,40}$/;

interface Subscription {
  id: string;
  plan_id: string;
  status: string;
  ended_at: string | null;
  resume_requested_at: string | null;
  payfast_subscription_id: string;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function text(body: string, status = 200): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

function liveSubscription(state: { subscription?: Subscription | null }): Subscription | null {
  const sub = state.subscription;
  return sub && sub.ended_at === null && LIVE_STATUSES.has(sub.status) ? sub : null;
}

/** Why `action` cannot apply to `sub` (the database refuses the same), or null. */
function actionProblem(sub: Subscription, action: string): string | null {
  if (action === "cancel" && sub.status === "cancelled") return "the subscription is already cancelled";
  const resumeRequested = sub.resume_requested_at !== null;
  if (action === "pause" && !(sub.status === "active" || (sub.status === "paused" && resumeRequested))) {
    return `only an active subscription can be paused (this one is ${sub.status})`;
  }
  if (action === "resume" && (sub.status !== "paused" || resumeRequested)) {
    return `only a paused subscription can be resumed (this one is ${sub.status})`;
  }
  return null;
}

async function jsonBody(request: Request): Promise<Record<string, unknown>> {
  const body = await request.json().catch(() => null);
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new HttpError(400, "send a JSON object");
  }
  return body as Record<string, unknown>;
}

export function createHandler(config: Config, deps: Partial<Deps> = {}) {
  const fetchFn = deps.fetch ?? fetch;
  const resolve = deps.resolve ?? resolveHost;
  const db = new Database(config.supabaseUrl, config.publicKey, config.serviceKey, fetchFn);

  function requireMerchant(): void {
    const problem = merchantProblem(config);
    if (problem) throw new HttpError(503, problem);
  }

  async function checkout(request: Request): Promise<Response> {
    const user = await db.user(request.headers.get("Authorization"));
    const body = await jsonBody(request);
    const kind = body.kind as Kind;
    const code = String(body.code ?? "");
    if (kind !== "pack" && kind !== "subscription") {
      throw new HttpError(400, "kind must be pack or subscription");
    }
    requireMerchant();
    if (kind === "subscription" && !config.passphrase) {
      throw new HttpError(
        503,
        "PayFast subscriptions need a passphrase: the operator sets PAYFAST_PASSPHRASE",
      );
    }
    let item: Item | undefined;
    if (kind === "pack") {
      const packs = await db.select<Item>(
        "credit_packs",
        "active=eq.true&select=code,name,credits,price_zar&order=price_zar",
      );
      item = packs.find((p) => p.code === code);
      if (!item) {
        const available = packs.map((p) => p.code).join(", ");
        throw new HttpError(
          404,
          `no credit pack '${code}'. Available: ${available}. See: stagefy credits packs`,
        );
      }
    } else {
      const live = liveSubscription(
        await db.rpc("subscription_status", {}, request.headers.get("Authorization")!),
      );
      if (live) {
        throw new HttpError(
          409,
          `you already have the ${live.plan_id} plan (${live.status}). Cancel it first: stagefy subscription cancel`,
        );
      }
      const plans = CODE.test(code)
        ? await db.select<Item & { monthly_credits: number }>(
          "plans",
          `code=eq.${code}&active=eq.true&select=code,name,monthly_credits,price_zar`,
        )
        : [];
      if (!plans.length) throw new HttpError(404, `the ${code} plan is not on sale. See: stagefy plans`);
      item = { ...plans[0], credits: plans[0].monthly_credits };
    }
    const [buyer] = await db.select<Buyer>("users", `id=eq.${user.id}&select=id,email,full_name`);
    if (!buyer) throw new HttpError(404, "your profile was not found");
    const mPaymentId = newPaymentId(kind);
    const { url, fields } = buildCheckout(kind, buyer, item, mPaymentId, config);
    await db.insert("payfast_checkouts", {
      m_payment_id: mPaymentId,
      user_id: buyer.id,
      kind,
      item_code: item.code,
      amount: fields.amount,
    });
    return json({
      kind,
      item_code: item.code,
      item_name: item.name,
      credits: item.credits,
      amount: fields.amount,
      m_payment_id: mPaymentId,
      url,
    });
  }

  async function subscription(request: Request): Promise<Response> {
    const authorization = request.headers.get("Authorization");
    await db.user(authorization);
    const action = String((await jsonBody(request)).action ?? "");
    if (!["cancel", "pause", "resume"].includes(action)) {
      throw new HttpError(400, "action must be cancel, pause or resume");
    }
    requireMerchant();
    const sub = liveSubscription(await db.rpc("subscription_status", {}, authorization!));
    if (!sub) throw new HttpError(404, "you have no subscription to change. See: stagefy plans");
    const problem = actionProblem(sub, action);
    if (problem) throw new HttpError(409, problem);
    await changeSubscription(
      config,
      sub.payfast_subscription_id,
      action === "resume" ? "unpause" : action as "cancel" | "pause",
      fetchFn,
    );
    return json(
      await db.rpc(
        "record_subscription_change",
        { p_subscription_id: sub.id, p_action: action },
        authorization!,
      ),
    );
  }

  /** Names of missing settings and how ITNs are checked; for operators holding a service key
   * (in `apikey`, or as the bearer the gateway put there), never any value. */
  function health(request: Request): Response {
    const bearer = (request.headers.get("Authorization") ?? "").replace(/^Bearer\s+/i, "");
    const presented = [request.headers.get("apikey") ?? "", bearer].filter(Boolean);
    if (!presented.some((key) => config.serviceKeys.some((own) => sameText(key, own)))) {
      return json({ error: "send a secret key of this project in the apikey header" }, 401);
    }
    return json({
      function: "payfast",
      missing: missingSecrets(config),
      sandbox: config.sandbox,
      itn_source_check: config.trustedProxyHops === null ? "off" : `${config.trustedProxyHops} proxies`,
    });
  }

  function describe(source: Source): string {
    if (source.kind === "address") return source.address;
    return source.kind === "missing" ? "an unknown address" : `X-Forwarded-For "${source.forwardedFor}"`;
  }

  async function itn(request: Request, info: ConnInfo | undefined): Promise<Response> {
    const pairs = parseForm(await request.text());
    const reference = pairs.find(([key]) => key === "pf_payment_id")?.[1] ?? "?";
    const source = itnSource(request.headers, info?.remoteAddr?.hostname, config.trustedProxyHops);
    let fields: Record<string, string>;
    try {
      const problem = merchantProblem(config);
      if (problem) throw new ItnRejected(503, problem);
      checkSignature(pairs, config.passphrase);
      fields = fieldsOf(pairs);
      checkMerchant(fields, config.merchantId);
      if (!(fields.pf_payment_id ?? "").trim()) throw new ItnRejected(400, "missing pf_payment_id");
      await checkSource(source, config.itnHosts, resolve);
      if (isCancellation(fields)) {
        if ((fields.amount_gross ?? "").trim()) parseCents(fields.amount_gross, "amount_gross");
      } else {
        const expected = await db.rpc<string | number | null>("payfast_expected_amount", {
          p_kind: fields.custom_str2 ?? "",
          p_item_code: fields.custom_str3 ?? "",
          p_token: fields.token || null,
        });
        checkAmount(fields.amount_gross, expected);
      }
      await confirmWithPayFast(pairs, config.validateUrl, fetchFn);
    } catch (error) {
      if (!(error instanceof ItnRejected)) throw error;
      console.warn(
        `PayFast ITN ${reference} from ${describe(source)} refused (${error.status}): ${error.reason}`,
      );
      return text(error.reason, error.status);
    }
    try {
      const result = await db.rpc<{ outcome?: string; replay?: boolean }>("apply_payfast_itn", {
        p_itn: fields,
      });
      console.log(
        `PayFast ITN ${reference} ${fields.payment_status}: ${result?.outcome}${
          result?.replay ? " (replay)" : ""
        }${
          source.kind === "unknown"
            ? ` (source address not checked: ${describe(source)}; see PAYFAST_TRUSTED_PROXY_HOPS)`
            : ""
        }`,
      );
      return text("OK");
    } catch (error) {
      console.error(`PayFast ITN ${reference} passed every check but could not be applied: ${error}`);
      return text("could not apply the payment", 500);
    }
  }

  return async (request: Request, info?: ConnInfo): Promise<Response> => {
    const path = new URL(request.url).pathname.replace(/^\/payfast(?=\/|$)/, "").replace(/\/+$/, "") || "/";
    try {
      if (request.method === "POST" && path === "/itn") return await itn(request, info);
      if (request.method === "GET" && path === "/health") return health(request);
      if (request.method === "POST" && path === "/checkout") return await checkout(request);
      if (request.method === "POST" && path === "/subscription") return await subscription(request);
      return json({ error: `no such route: ${request.method} ${path}` }, 404);
    } catch (error) {
      if (error instanceof HttpError) return json({ error: error.message }, error.status);
      console.error(`payfast ${request.method} ${path} failed: ${(error as Error).stack ?? error}`);
      return json({ error: "the payment function failed; try again later" }, 500);
    }
  };
}
