// PayFast Instant Transaction Notifications: parse one and run every check PayFast asks for.
//
// In order: the signature (over the fields as received, up to `signature`; nothing may follow it),
// our merchant id, the sender's address (one PayFast's hosts resolve to, where the address can be
// known: see itnSource), the amount (against the price the database expects), and the validation
// postback to PayFast. A failed check throws
// `ItnRejected` with the HTTP status to answer; nothing is applied.
import { lookup } from "node:dns/promises";
import { itnParamString, itnSignatureValid, type Pairs, sameText, splitAtSignature } from "./signature.ts";

export const VALIDATE_TIMEOUT_MS = 10_000; // PayFast waits for our answer and retries when we are slow
const HOSTS_TTL_MS = 300_000; // how long a resolution of PayFast's host names is trusted

export class ItnRejected extends Error {
  constructor(readonly status: number, readonly reason: string) {
    super(reason);
  }
}

/** The posted form, in the order received. */
export function parseForm(body: string): Pairs {
  return [...new URLSearchParams(body)];
}

/** One value per field; a field posted twice is refused (its meaning would be ambiguous). */
export function fieldsOf(pairs: Pairs): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of pairs) {
    if (Object.hasOwn(fields, key)) throw new ItnRejected(400, `field ${key} is repeated`);
    fields[key] = value;
  }
  return fields;
}

export function checkSignature(pairs: Pairs, passphrase: string | undefined): void {
  const { signature, trailing } = splitAtSignature(pairs);
  if (signature === null) throw new ItnRejected(400, "missing signature");
  if (trailing.length) {
    throw new ItnRejected(
      400,
      `fields after signature are not signed: ${trailing.map(([k]) => k).join(", ")}`,
    );
  }
  if (!itnSignatureValid(pairs, passphrase)) throw new ItnRejected(400, "bad signature");
}

export function checkMerchant(fields: Record<string, string>, merchantId: string): void {
  if (!sameText((fields.merchant_id ?? "").trim(), merchantId)) {
    throw new ItnRejected(400, "merchant_id is not this merchant");
  }
}

const DECIMAL = /^-?\d{1,12}(\.\d{1,4})?$/;

/** A money amount in cents; anything but a plain decimal number (NaN, 1e3, empty) is refused. */
export function parseCents(text: string | undefined, name: string): number {
  const value = (text ?? "").trim();
  if (!DECIMAL.test(value)) throw new ItnRejected(400, `${name} is not a number`);
  return Math.round(Number(value) * 100);
}

/** amount_gross must be the expected price within 0.01. */
export function checkAmount(amountGross: string | undefined, expected: string | number | null): void {
  if (expected === null || expected === undefined) {
    throw new ItnRejected(400, "no expected amount for this payment (unknown pack or plan)");
  }
  const gross = parseCents(amountGross, "amount_gross");
  const price = parseCents(String(expected), "the price");
  if (Math.abs(gross - price) > 1) {
    throw new ItnRejected(
      400,
      `amount_gross ${amountGross} does not match the price ${(price / 100).toFixed(2)}`,
    );
  }
}

/** The peer supabase/edge-runtime hands every handler (ext/runtime/js/http.js): the function is
 * only ever reached through the platform's gateway, whatever the caller's address was. */
export const EDGE_RUNTIME_PEER = "0.0.0.0";

/** Where an ITN came from, as far as it can be known:
 * - `address`: the caller's address, to check against PayFast's;
 * - `missing`: behind proxies that were declared, but the entry they append is absent (refused);
 * - `unknown`: behind a proxy whose appended entries were not declared, so no entry of
 *   X-Forwarded-For can be told from what the caller wrote itself: the address is not checked. */
export type Source =
  | { kind: "address"; address: string }
  | { kind: "missing" }
  | { kind: "unknown"; forwardedFor: string };

/** The source of a request. A direct connection from a public address is that address, whatever
 * the headers say (anyone can send them). Behind a proxy (edge-runtime's placeholder peer, or a
 * loopback or private peer) the address is the X-Forwarded-For entry the proxies appended, `hops`
 * from the right; entries further left were sent by the caller. With `hops` null (not declared)
 * the source is unknown. */
export function itnSource(headers: Headers, peer: string | undefined, hops: number | null): Source {
  if (peer && !isInternal(peer)) return { kind: "address", address: peer };
  const forwardedFor = headers.get("x-forwarded-for") ?? "";
  if (hops === null) return { kind: "unknown", forwardedFor };
  const chain = forwardedFor.split(",").map((a) => a.trim()).filter(Boolean);
  return chain.length >= hops
    ? { kind: "address", address: chain[chain.length - hops] }
    : { kind: "missing" };
}

function isInternal(address: string): boolean {
  const ip = normalise(address);
  if (ip === EDGE_RUNTIME_PEER || ip === "::" || ip === "::1" || ip.startsWith("127.")) return true;
  if (/^(10\.|192\.168\.|169\.254\.)/.test(ip)) return true;
  const m = /^172\.(\d+)\./.exec(ip);
  if (m && Number(m[1]) >= 16 && Number(m[1]) <= 31) return true;
  return /^f[cd][0-9a-f]{2}:/i.test(ip);
}

export function normalise(address: string): string {
  const plain = address.replace(/^\[|\]$/g, "").split("%")[0].toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
  return mapped ? mapped[1] : plain;
}

export type Resolver = (host: string) => Promise<string[]>;

/** getaddrinfo, as PayFast's own examples use (gethostbynamel); /etc/hosts counts. */
export const resolveHost: Resolver = async (host) =>
  (await lookup(host, { all: true })).map((a) => a.address);

const resolved = new Map<string, { at: number; addresses: Set<string> }>();

/** Every address PayFast's host names resolve to, cached for a few minutes. PayFast's published
 * ranges go stale, so PayFast asks for the names to be resolved. */
export async function payfastAddresses(hosts: string[], resolve: Resolver): Promise<Set<string>> {
  const key = hosts.join(",");
  const cached = resolved.get(key);
  if (cached && Date.now() - cached.at < HOSTS_TTL_MS) return cached.addresses;
  const addresses = new Set<string>();
  for (const host of hosts) {
    try {
      for (const address of await resolve(host)) addresses.add(normalise(address));
    } catch (error) {
      console.warn(`PayFast ITN host ${host} does not resolve: ${error}`);
    }
  }
  resolved.set(key, { at: Date.now(), addresses });
  return addresses;
}

/** Refuses a source that is not one of PayFast's addresses. An unknown source passes: the
 * caller says so in its log, and the signature, the amount and PayFast's validation decide. */
export async function checkSource(source: Source, hosts: string[], resolve: Resolver): Promise<void> {
  if (source.kind === "unknown") return;
  if (source.kind === "missing") {
    throw new ItnRejected(403, "unknown source address (no X-Forwarded-For entry from the proxy)");
  }
  const ip = normalise(source.address);
  if (!(await payfastAddresses(hosts, resolve)).has(ip)) {
    throw new ItnRejected(403, `source address ${ip} is not PayFast`);
  }
}

/** PayFast's server confirmation: POST the parameter string back; the answer must be VALID. */
export async function confirmWithPayFast(
  pairs: Pairs,
  validateUrl: string,
  fetchFn: typeof fetch,
): Promise<void> {
  let response: Response;
  try {
    response = await fetchFn(validateUrl, {
      method: "POST",
      body: itnParamString(pairs),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      signal: AbortSignal.timeout(VALIDATE_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ItnRejected(400, `PayFast validation unreachable: ${(error as Error).name}`);
  }
  const text = (await response.text()).trim();
  if (response.status !== 200 || text !== "VALID") {
    throw new ItnRejected(
      400,
      `PayFast validation answered ${response.status} ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
}

/** A subscription's cancellation notice: accepted whatever its amount (PayFast sends 0.00). */
export function isCancellation(fields: Record<string, string>): boolean {
  return (fields.payment_status ?? "").trim().toUpperCase() === "CANCELLED" &&
    (fields.custom_str2 ?? "").trim() === "subscription";
}
