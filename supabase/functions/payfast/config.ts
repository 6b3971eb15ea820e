// The function's settings, from its secrets (`supabase secrets set ...`, read with Deno.env).
//
// PAYFAST_SANDBOX=1 switches to PayFast's sandbox hosts and, when no merchant is set, to PayFast's
// public sandbox merchant. The URLs can be pointed elsewhere (the local stack and the tests point them
// at a stand-in of PayFast).

export const LIVE_HOST = "https://www.payfast.co.za";
export const SANDBOX_HOST = "https://sandbox.payfast.co.za";
export const API_URL = "https://api.payfast.co.za";
export const SANDBOX_MERCHANT_ID = "10000100";
export const SANDBOX_MERCHANT_KEY = "46f0cd694581a";
export const DEFAULT_ITN_HOSTS = [
  "www.payfast.co.za",
  "sandbox.payfast.co.za",
  "w1w.payfast.co.za",
  "w2w.payfast.co.za",
];

export interface Config {
  supabaseUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  /** Empty when the merchant is not configured: checkout and the API answer 503, ITNs 503. */
  merchantId: string;
  merchantKey: string;
  passphrase: string | undefined;
  sandbox: boolean;
  processUrl: string;
  validateUrl: string;
  apiUrl: string;
  itnHosts: string[];
  /** How many proxies in front of the function append to X-Forwarded-For (1 on Supabase). */
  trustedProxyHops: number;
  returnUrl: string;
  cancelUrl: string;
  notifyUrl: string;
}

export interface Env {
  get(name: string): string | undefined;
}

const TRUE = new Set(["1", "true", "yes", "on"]);

export function loadConfig(env: Env): Config {
  const get = (name: string) => (env.get(name) ?? "").trim();
  const sandbox = TRUE.has(get("PAYFAST_SANDBOX").toLowerCase());
  const host = sandbox ? SANDBOX_HOST : LIVE_HOST;
  const supabaseUrl = get("SUPABASE_URL").replace(/\/+$/, "");
  const hosts = get("PAYFAST_ITN_HOSTS").split(",").map((h) => h.trim()).filter(Boolean);
  const hops = Number.parseInt(get("PAYFAST_TRUSTED_PROXY_HOPS") || "1", 10);
  return {
    supabaseUrl,
    anonKey: get("SUPABASE_ANON_KEY"),
    serviceRoleKey: get("SUPABASE_SERVICE_ROLE_KEY"),
    merchantId: get("PAYFAST_MERCHANT_ID") || (sandbox ? SANDBOX_MERCHANT_ID : ""),
    merchantKey: get("PAYFAST_MERCHANT_KEY") || (sandbox ? SANDBOX_MERCHANT_KEY : ""),
    passphrase: get("PAYFAST_PASSPHRASE") || undefined,
    sandbox,
    processUrl: get("PAYFAST_PROCESS_URL") || `${host}/eng/process`,
    validateUrl: get("PAYFAST_VALIDATE_URL") || `${host}/eng/query/validate`,
    apiUrl: (get("PAYFAST_API_URL") || API_URL).replace(/\/+$/, ""),
    itnHosts: hosts.length ? hosts : DEFAULT_ITN_HOSTS,
    trustedProxyHops: Number.isFinite(hops) && hops >= 0 ? hops : 1,
    returnUrl: get("PAYFAST_RETURN_URL"),
    cancelUrl: get("PAYFAST_CANCEL_URL"),
    notifyUrl: get("PAYFAST_NOTIFY_URL") || `${supabaseUrl}/functions/v1/payfast/itn`,
  };
}

/** Why the merchant cannot be used, or null when it can. */
export function merchantProblem(config: Config): string | null {
  if (!config.merchantId || !config.merchantKey) {
    return "PayFast is not configured on the server: the operator sets PAYFAST_MERCHANT_ID and " +
      "PAYFAST_MERCHANT_KEY (supabase secrets set ...)";
  }
  return null;
}
