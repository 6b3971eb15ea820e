// PayFast Instant Transaction Notifications: parse one and run every check PayFast asks for.
//
// In order: the signature (over the fields as received, up to `signature`; nothing may follow it),
// our merchant id, the sender's address (one PayFast's hosts resolve to), the amount (against the
// price the database expects), and the validation postback to PayFast. A failed check throws
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

/** The address the request came from. A connection from the platform's proxy (a loopback or
 * private address) carries the client's address as the entry that proxy appended to
 * X-Forwarded-For, `hops` from the right; entries further left were sent by the client and are not
 * trusted. On a direct connection the header is ignored: anyone can send it. */
export function clientAddress(headers: Headers, peer: string | undefined, hops: number): string | undefined {
  if (!peer || !isInternal(peer) || hops < 1) return peer;
  const chain = (headers.get("x-forwarded-for") ?? "").split(",").map((a) => a.trim()).filter(Boolean);
  return chain.length >= hops ? chain[chain.length - hops] : undefined;
}

function isInternal(address: string): boolean {
  const ip = normalise(address);
  if (ip === "::1" || ip.startsWith("127.")) return true;
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

export async function checkSource(
  address: string | undefined,
  hosts: string[],
  resolve: Resolver,
): Promise<void> {
  if (!address) throw new ItnRejected(403, "unknown source address");
  const ip = normalise(address);
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
