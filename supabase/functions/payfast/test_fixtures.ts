// Shared by the tests: data only, no tests.
import type { Pairs } from "./signature.ts";

// An ITN as PayFast posts it: empty fields are signed too, in the order received.
export const ITN_PAIRS: Pairs = [
  ["m_payment_id", "01AB"],
  ["pf_payment_id", "1089250"],
  ["payment_status", "COMPLETE"],
  ["item_name", "Starter pack"],
  ["item_description", ""],
  ["amount_gross", "99.00"],
  ["amount_fee", "-2.28"],
  ["amount_net", "96.72"],
  ["custom_str1", "3f1c"],
  ["name_first", "Test"],
  ["email_address", "test@test.com"],
  ["merchant_id", "10000100"],
];
