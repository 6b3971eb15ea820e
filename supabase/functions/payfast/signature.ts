// PayFast's three MD5 signatures, exactly as PayFast documents them.
//
// PayFast's servers are PHP and compare against `urlencode()` output: upper-case hex, space as `+`,
// every character but letters, digits and `-_.` escaped.
//
// - checkout: the non-empty form fields in PayFast's documented order, trimmed, `&passphrase=` last;
// - ITN: the posted fields in the order received, empty ones included, up to `signature`;
// - API: headers, query and body fields plus `passphrase`, sorted by key (PHP `ksort` +
//   `http_build_query`).
import { createHash, timingSafeEqual } from "node:crypto";

/** PayFast's redirect integration fields, in the order the checkout signature depends on. */
export const CHECKOUT_FIELD_ORDER: readonly string[] = [
  "merchant_id",
  "merchant_key",
  "return_url",
  "cancel_url",
  "notify_url",
  "name_first",
  "name_last",
  "email_address",
  "cell_number",
  "m_payment_id",
  "amount",
  "item_name",
  "item_description",
  "custom_int1",
  "custom_int2",
  "custom_int3",
  "custom_int4",
  "custom_int5",
  "custom_str1",
  "custom_str2",
  "custom_str3",
  "custom_str4",
  "custom_str5",
  "email_confirmation",
  "confirmation_address",
  "payment_method",
  "subscription_type",
  "billing_date",
  "recurring_amount",
  "frequency",
  "cycles",
];

/** Form fields in the order they were posted (repeats kept, as received). */
export type Pairs = [string, string][];

/** URL-encode one value the way PHP's `urlencode` does. */
export function pfEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, "+");
}

export function md5(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

function withPassphrase(paramString: string, passphrase: string | undefined): string {
  const phrase = passphrase?.trim();
  return phrase ? `${paramString}&passphrase=${pfEncode(phrase)}` : paramString;
}

/** The checkout parameter string (no passphrase): documented order, non-empty values, trimmed.
 * An unknown field is a programming error: PayFast would reject the signature. */
export function checkoutParamString(fields: Record<string, string>): string {
  const unknown = Object.keys(fields).filter((k) => k !== "signature" && !CHECKOUT_FIELD_ORDER.includes(k));
  if (unknown.length) throw new Error(`not a PayFast checkout field: ${unknown.sort().join(", ")}`);
  const parts: string[] = [];
  for (const key of CHECKOUT_FIELD_ORDER) {
    const value = (fields[key] ?? "").trim();
    if (value !== "") parts.push(`${key}=${pfEncode(value)}`);
  }
  return parts.join("&");
}

export function checkoutSignature(fields: Record<string, string>, passphrase: string | undefined): string {
  return md5(withPassphrase(checkoutParamString(fields), passphrase));
}

/** The posted fields before `signature`, the signature, and any fields after it. */
export function splitAtSignature(pairs: Pairs): { signed: Pairs; signature: string | null; trailing: Pairs } {
  const at = pairs.findIndex(([key]) => key === "signature");
  if (at < 0) return { signed: pairs, signature: null, trailing: [] };
  return { signed: pairs.slice(0, at), signature: pairs[at][1], trailing: pairs.slice(at + 1) };
}

/** The ITN parameter string: the fields in the order received, up to `signature`. Also the body of
 * the validation postback. */
export function itnParamString(pairs: Pairs): string {
  return splitAtSignature(pairs).signed.map(([k, v]) => `${k}=${pfEncode(v)}`).join("&");
}

/** True when `signature` is the MD5 of the fields before it (with the passphrase). */
export function itnSignatureValid(pairs: Pairs, passphrase: string | undefined): boolean {
  const { signature } = splitAtSignature(pairs);
  if (signature === null) return false;
  return sameText(md5(withPassphrase(itnParamString(pairs), passphrase)), signature.trim().toLowerCase());
}

/** Signature header of PayFast's REST API: headers (merchant-id, version, timestamp) plus query and
 * body fields; null or undefined values are left out like PHP's http_build_query. */
export function apiSignature(
  fields: Record<string, string | number | null | undefined>,
  passphrase: string | undefined,
): string {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== null && value !== undefined) data[key] = String(value);
  }
  if (passphrase) data.passphrase = passphrase;
  return md5(Object.keys(data).sort().map((key) => `${key}=${pfEncode(data[key])}`).join("&"));
}

/** Constant-time comparison of two strings. */
export function sameText(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
