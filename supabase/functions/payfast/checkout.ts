// Signed PayFast checkout links for a credit pack (one-off) or a plan (recurring billing).
//
// The custom fields carry who pays for what, so the ITN can be applied without state kept between
// the link and the notification: custom_str1 = user id, custom_str2 = kind ('pack' or
// 'subscription'), custom_str3 = the pack or plan code.
import type { Config } from "./config.ts";
import { checkoutParamString, checkoutSignature } from "./signature.ts";

export const MONTHLY = "3"; // PayFast frequency codes: 3 monthly, 4 quarterly, 5 biannual, 6 annual
export const UNTIL_CANCELLED = "0"; // cycles

export type Kind = "pack" | "subscription";

export interface Buyer {
  id: string;
  email: string;
  full_name: string | null;
}

export interface Item {
  code: string;
  name: string;
  credits: number;
  price_zar: string | number;
}

/** Rands with two decimals, as PayFast expects (`299.00`). */
export function formatAmount(price: string | number): string {
  const cents = Math.round(Number(price) * 100);
  if (!Number.isFinite(cents) || cents <= 0) throw new Error(`not a price: ${price}`);
  return (cents / 100).toFixed(2);
}

export function newPaymentId(kind: Kind): string {
  return `${kind}-${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
}

/** The process URL with the signed query, and the signed form fields. */
export function buildCheckout(
  kind: Kind,
  buyer: Buyer,
  item: Item,
  mPaymentId: string,
  config: Config,
  today: Date = new Date(),
): { url: string; fields: Record<string, string> } {
  const [first, ...rest] = (buyer.full_name ?? "").trim().split(/\s+/);
  const amount = formatAmount(item.price_zar);
  const per = kind === "subscription" ? " a month" : "";
  const fields: Record<string, string> = {
    merchant_id: config.merchantId,
    merchant_key: config.merchantKey,
    return_url: config.returnUrl,
    cancel_url: config.cancelUrl,
    notify_url: config.notifyUrl,
    name_first: first ?? "",
    name_last: rest.join(" "),
    email_address: buyer.email,
    m_payment_id: mPaymentId,
    amount,
    item_name: item.name,
    item_description: `${item.credits} Stagefy credits${per}`,
    custom_str1: buyer.id,
    custom_str2: kind,
    custom_str3: item.code,
  };
  if (kind === "subscription") {
    Object.assign(fields, {
      subscription_type: "1",
      billing_date: today.toISOString().slice(0, 10),
      recurring_amount: amount,
      frequency: MONTHLY,
      cycles: UNTIL_CANCELLED,
    });
  }
  const signature = checkoutSignature(fields, config.passphrase);
  const signed: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) if (value.trim()) signed[key] = value.trim();
  signed.signature = signature;
  return {
    url: `${config.processUrl}?${checkoutParamString(fields)}&signature=${signature}`,
    fields: signed,
  };
}
