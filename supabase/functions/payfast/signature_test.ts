// Signature vectors derived by hand from PayFast's documentation: the expected parameter string is
// written out literally and its MD5 is the expected signature.
import assert from "node:assert/strict";
import {
  apiSignature,
  checkoutParamString,
  checkoutSignature,
  itnParamString,
  itnSignatureValid,
  md5,
  type Pairs,
  pfEncode,
} from "./signature.ts";
import { ITN_PAIRS } from "./test_fixtures.ts";

const PASSPHRASE = "jt7NOE43FZPn"; // the passphrase of PayFast's documentation examples

// PayFast's one-off payment example, fields given out of the documented order, with an empty field
// (dropped) and padded values (trimmed).
const ONE_OFF = {
  amount: "100.00",
  item_name: "Order#123",
  merchant_id: "10000100",
  merchant_key: "46f0cd694581a",
  cell_number: "",
  return_url: "https://www.example.com/return",
  cancel_url: "https://www.example.com/cancel",
  notify_url: "https://www.example.com/notify",
  name_first: " First Name ",
  name_last: "Last Name",
  email_address: "test@test.com",
  m_payment_id: "1234",
};
const ONE_OFF_STRING = "merchant_id=10000100&merchant_key=46f0cd694581a" +
  "&return_url=https%3A%2F%2Fwww.example.com%2Freturn" +
  "&cancel_url=https%3A%2F%2Fwww.example.com%2Fcancel" +
  "&notify_url=https%3A%2F%2Fwww.example.com%2Fnotify" +
  "&name_first=First+Name&name_last=Last+Name&email_address=test%40test.com" +
  "&m_payment_id=1234&amount=100.00&item_name=Order%23123";

Deno.test("md5 is MD5 (RFC 1321 test vector)", () => {
  assert.equal(md5("abc"), "900150983cd24fb0d6963f7d28e17f72");
});

Deno.test("one-off payment: documented order, empty dropped, trimmed, passphrase last", () => {
  assert.equal(checkoutParamString(ONE_OFF), ONE_OFF_STRING);
  assert.equal(checkoutSignature(ONE_OFF, PASSPHRASE), md5(ONE_OFF_STRING + "&passphrase=jt7NOE43FZPn"));
  assert.equal(checkoutSignature(ONE_OFF, undefined), md5(ONE_OFF_STRING));
});

Deno.test("subscription signature keeps zero cycles", () => {
  const fields = {
    merchant_id: "10000100",
    merchant_key: "46f0cd694581a",
    notify_url: "https://www.example.com/notify",
    email_address: "agent@example.co.za",
    m_payment_id: "sub-01",
    amount: "299.00",
    item_name: "Stagefy Pro",
    custom_str1: "user 1",
    subscription_type: "1",
    billing_date: "2026-01-15",
    recurring_amount: "299.00",
    frequency: "3",
    cycles: "0",
  };
  const expected = "merchant_id=10000100&merchant_key=46f0cd694581a" +
    "&notify_url=https%3A%2F%2Fwww.example.com%2Fnotify&email_address=agent%40example.co.za" +
    "&m_payment_id=sub-01&amount=299.00&item_name=Stagefy+Pro&custom_str1=user+1" +
    "&subscription_type=1&billing_date=2026-01-15&recurring_amount=299.00&frequency=3&cycles=0" +
    "&passphrase=jt7NOE43FZPn";
  assert.equal(checkoutSignature(fields, PASSPHRASE), md5(expected));
});

Deno.test("an unknown checkout field is refused", () => {
  assert.throws(
    () => checkoutParamString({ merchant_id: "1", bogus: "x" }),
    /not a PayFast checkout field: bogus/,
  );
});

Deno.test("passphrase is url-encoded", () => {
  assert.equal(
    checkoutSignature({ merchant_id: "10000100", amount: "5.00" }, "my pass/phrase"),
    md5("merchant_id=10000100&amount=5.00&passphrase=my+pass%2Fphrase"),
  );
});

Deno.test("encoding matches PHP urlencode", () => {
  assert.equal(pfEncode("a b~c*d-e_f.g'h!(x)"), "a+b%7Ec%2Ad-e_f.g%27h%21%28x%29");
  assert.equal(pfEncode("Ünïcode"), "%C3%9Cn%C3%AFcode");
});

Deno.test("API signature sorts headers and body with the passphrase", () => {
  const fields = {
    "merchant-id": "10000100",
    version: "v1",
    timestamp: "2026-01-15T10:00:00+02:00",
    cycles: 12,
    run_date: null,
  };
  const expected = "cycles=12&merchant-id=10000100&passphrase=jt7NOE43FZPn" +
    "&timestamp=2026-01-15T10%3A00%3A00%2B02%3A00&version=v1";
  assert.equal(apiSignature(fields, PASSPHRASE), md5(expected));
});

const ITN_STRING = "m_payment_id=01AB&pf_payment_id=1089250&payment_status=COMPLETE&item_name=Starter+pack" +
  "&item_description=&amount_gross=99.00&amount_fee=-2.28&amount_net=96.72&custom_str1=3f1c" +
  "&name_first=Test&email_address=test%40test.com&merchant_id=10000100";

Deno.test("ITN signature: fields in the order received, up to signature", () => {
  const signature = md5(ITN_STRING + "&passphrase=jt7NOE43FZPn");
  const pairs: Pairs = [...ITN_PAIRS, ["signature", signature]];
  assert.equal(itnParamString(pairs), ITN_STRING);
  assert.ok(itnSignatureValid(pairs, PASSPHRASE));
  assert.ok(itnSignatureValid([...ITN_PAIRS, ["signature", signature.toUpperCase()]], PASSPHRASE));
});

Deno.test("ITN signature refused when tampered, reordered, another passphrase or missing", () => {
  const signature = md5(ITN_STRING + "&passphrase=jt7NOE43FZPn");
  const tampered: Pairs = ITN_PAIRS.map(([k, v]) => [k, k === "amount_gross" ? "999.00" : v]);
  assert.ok(!itnSignatureValid([...tampered, ["signature", signature]], PASSPHRASE));
  assert.ok(!itnSignatureValid([...ITN_PAIRS].reverse().concat([["signature", signature]]), PASSPHRASE));
  assert.ok(!itnSignatureValid([...ITN_PAIRS, ["signature", signature]], "other-passphrase"));
  assert.ok(!itnSignatureValid(ITN_PAIRS, PASSPHRASE));
});
