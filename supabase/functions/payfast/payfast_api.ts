// Client of PayFast's subscriptions API (`/subscriptions/{token}/...`), with its signed headers.
//
// Every request carries `merchant-id`, `version: v1`, `timestamp` (ISO-8601) and `signature` (see
// apiSignature). In sandbox mode `?testing=true` is appended; it selects PayFast's sandbox and is not
// one of the signed fields (PayFast's own SDK adds it after signing).
import type { Config } from "./config.ts";
import { HttpError } from "./database.ts";
import { apiSignature } from "./signature.ts";

export const API_VERSION = "v1";
const TIMEOUT_MS = 20_000;

export type Action = "cancel" | "pause" | "unpause";

/** `2026-01-15T10:00:00+00:00`: seconds, with the offset, as PayFast's examples show. */
export function timestamp(now: Date = new Date()): string {
  return `${now.toISOString().slice(0, 19)}+00:00`;
}

export async function changeSubscription(
  config: Config,
  token: string,
  action: Action,
  fetchFn: typeof fetch = fetch,
): Promise<unknown> {
  const headers: Record<string, string> = {
    "merchant-id": config.merchantId,
    version: API_VERSION,
    timestamp: timestamp(),
  };
  headers.signature = apiSignature(headers, config.passphrase);
  const query = config.sandbox ? "?testing=true" : "";
  const url = `${config.apiUrl}/subscriptions/${encodeURIComponent(token)}/${action}${query}`;
  let response: Response;
  try {
    response = await fetchFn(url, { method: "PUT", headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new HttpError(502, `PayFast's API is unreachable (${(error as Error).name}); try again later`);
  }
  const payload = await response.json().catch(() => null);
  const data = payload && typeof payload.data === "object" && payload.data ? payload.data : {};
  if (response.ok && payload?.status === "success") return data;
  const message = [data.message, data.response, payload?.status].find((m) => typeof m === "string") ??
    `HTTP ${response.status}`;
  throw new HttpError(502, `PayFast ${action} failed: ${message}`);
}
