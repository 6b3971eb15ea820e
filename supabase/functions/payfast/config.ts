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
  /** The project's publishable key (or legacy anon key): the function's calls made as the user. */
  publicKey: string;
  /** A secret key (or the legacy service_role key): the function's own reads and writes. */
  serviceKey: string;
  /** Every secret and service_role key the project gave the function: what the health route
   * accepts from an operator. */
  serviceKeys: string[];
  /** Empty when the merchant is not configured: checkout and the API answer 503, ITNs 503. */
  merchantId: string;
  merchantKey: string;
  passphrase: string | undefined;
  sandbox: boolean;
  processUrl: string;
  validateUrl: string;
  apiUrl: string;
  itnHosts: string[];
  /** How many proxies in front of the function append to X-Forwarded-For, when the operator
   * declared it; null otherwise (the address of an ITN is then not checked: see itnSource). */
  trustedProxyHops: number | null;
  returnUrl: string;
  cancelUrl: string;
  notifyUrl: string;
}

export interface Env {
  get(name: string): string | undefined;
}

const TRUE = new Set(["1", "true", "yes", "on"]);

/** The keys of a `SUPABASE_SECRET_KEYS` / `SUPABASE_PUBLISHABLE_KEYS` value, a JSON object of
 * named keys (`{"default": "sb_secret_..."}`), the `default` one first. */
export function namedKeys(json: string): string[] {
  try {
    const keys = JSON.parse(json);
    if (!keys || typeof keys !== "object" || Array.isArray(keys)) return [];
    const values = Object.entries(keys)
      .sort(([a], [b]) => Number(b === "default") - Number(a === "default"))
      .map(([, value]) => value);
    return values.filter((value): value is string => typeof value === "string" && value.length > 0);
  } catch {
    return [];
  }
}

/** Hosted projects set the new keys as JSON objects (SUPABASE_PUBLISHABLE_KEYS,
 * SUPABASE_SECRET_KEYS), self-hosted setups may export one (SUPABASE_PUBLISHABLE_KEY,
 * SUPABASE_SECRET_KEY), and the legacy JWT keys stay until a project disables them: the new keys
 * come first, since a project that disabled the legacy ones still sets their variables. */
function projectKeys(
  get: (name: string) => string,
  kind: "PUBLISHABLE" | "SECRET",
  legacy: string,
): string[] {
  const keys = [...namedKeys(get(`SUPABASE_${kind}_KEYS`)), get(`SUPABASE_${kind}_KEY`), get(legacy)];
  return [...new Set(keys.filter(Boolean))];
}

/** `PAYFAST_TRUSTED_PROXY_HOPS`: a whole number from 1 up, else not declared (null). */
function proxyHops(text: string): number | null {
  return /^[1-9]\d?$/.test(text) ? Number(text) : null;
}

export function loadConfig(env: Env): Config {
  const get = (name: string) => (env.get(name) ?? "").trim();
  const sandbox = TRUE.has(get("PAYFAST_SANDBOX").toLowerCase());
  const host = sandbox ? SANDBOX_HOST : LIVE_HOST;
  const supabaseUrl = get("SUPABASE_URL").replace(/\/+$/, "");
  const hosts = get("PAYFAST_ITN_HOSTS").split(",").map((h) => h.trim()).filter(Boolean);
  const serviceKeys = projectKeys(get, "SECRET", "SUPABASE_SERVICE_ROLE_KEY");
  return {
    supabaseUrl,
    publicKey: projectKeys(get, "PUBLISHABLE", "SUPABASE_ANON_KEY")[0] ?? "",
    serviceKey: serviceKeys[0] ?? "",
    serviceKeys,
    merchantId: get("PAYFAST_MERCHANT_ID") || (sandbox ? SANDBOX_MERCHANT_ID : ""),
    merchantKey: get("PAYFAST_MERCHANT_KEY") || (sandbox ? SANDBOX_MERCHANT_KEY : ""),
    passphrase: get("PAYFAST_PASSPHRASE") || undefined,
    sandbox,
    processUrl: get("PAYFAST_PROCESS_URL") || `${host}/eng/process`,
    validateUrl: get("PAYFAST_VALIDATE_URL") || `${host}/eng/query/validate`,
    apiUrl: (get("PAYFAST_API_URL") || API_URL).replace(/\/+$/, ""),
    itnHosts: hosts.length ? hosts : DEFAULT_ITN_HOSTS,
    trustedProxyHops: proxyHops(get("PAYFAST_TRUSTED_PROXY_HOPS")),
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

/** The names of the settings the function lacks to take payments (never their values). */
export function missingSecrets(config: Config): string[] {
  const required: [string, string | undefined][] = [
    ["SUPABASE_URL", config.supabaseUrl],
    ["SUPABASE_PUBLISHABLE_KEYS", config.publicKey],
    ["SUPABASE_SECRET_KEYS", config.serviceKey],
    ["PAYFAST_MERCHANT_ID", config.merchantId],
    ["PAYFAST_MERCHANT_KEY", config.merchantKey],
    ["PAYFAST_PASSPHRASE", config.passphrase],
    ["PAYFAST_RETURN_URL", config.returnUrl],
    ["PAYFAST_CANCEL_URL", config.cancelUrl],
  ];
  return required.filter(([, value]) => !value).map(([name]) => name);
}
