"""Signature vectors, each derived by hand from PayFast's documentation: the expected parameter string
is written out literally and its MD5 is the expected signature."""

from __future__ import annotations

import hashlib

from stagefy_cli.billing.signature import (
    api_signature,
    checkout_param_string,
    checkout_signature,
    itn_param_string,
    itn_signature_valid,
    pf_encode,
)

PASSPHRASE = "jt7NOE43FZPn"  # the passphrase of PayFast's documentation examples


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


# PayFast's one-off payment example, fields deliberately given out of the documented order, with an
# empty field (dropped) and padded values (trimmed).
ONE_OFF = {
    "amount": "100.00",
    "item_name": "Order#123",
    "merchant_id": "10000100",
    "merchant_key": "46f0cd694581a",
    "cell_number": "",
    "return_url": "https://www.example.com/return",
    "cancel_url": "https://www.example.com/cancel",
    "notify_url": "https://www.example.com/notify",
    "name_first": " First Name ",
    "name_last": "Last Name",
    "email_address": "test@test.com",
    "m_payment_id": "1234",
}
ONE_OFF_STRING = (
    "merchant_id=10000100&merchant_key=46f0cd694581a"
    "&return_url=https%3A%2F%2Fwww.example.com%2Freturn"
    "&cancel_url=https%3A%2F%2Fwww.example.com%2Fcancel"
    "&notify_url=https%3A%2F%2Fwww.example.com%2Fnotify"
    "&name_first=First+Name&name_last=Last+Name&email_address=test%40test.com"
    "&m_payment_id=1234&amount=100.00&item_name=Order%23123"
)


def test_one_off_payment_signature():
    assert checkout_param_string(ONE_OFF) == ONE_OFF_STRING
    assert checkout_signature(ONE_OFF, PASSPHRASE) == md5(ONE_OFF_STRING + "&passphrase=jt7NOE43FZPn")


def test_one_off_without_passphrase_signs_the_fields_alone():
    assert checkout_signature(ONE_OFF, None) == md5(ONE_OFF_STRING)


def test_subscription_signature_keeps_zero_cycles():
    fields = {
        "merchant_id": "10000100",
        "merchant_key": "46f0cd694581a",
        "notify_url": "https://www.example.com/notify",
        "email_address": "agent@example.co.za",
        "m_payment_id": "sub-01",
        "amount": "299.00",
        "item_name": "Stagefy Pro",
        "custom_str1": "user 1",
        "subscription_type": "1",
        "billing_date": "2026-01-15",
        "recurring_amount": "299.00",
        "frequency": "3",
        "cycles": "0",
    }
    expected = (
        "merchant_id=10000100&merchant_key=46f0cd694581a"
        "&notify_url=https%3A%2F%2Fwww.example.com%2Fnotify&email_address=agent%40example.co.za"
        "&m_payment_id=sub-01&amount=299.00&item_name=Stagefy+Pro&custom_str1=user+1"
        "&subscription_type=1&billing_date=2026-01-15&recurring_amount=299.00&frequency=3&cycles=0"
        "&passphrase=jt7NOE43FZPn"
    )
    assert checkout_signature(fields, PASSPHRASE) == md5(expected)


def test_passphrase_is_url_encoded():
    fields = {"merchant_id": "10000100", "amount": "5.00"}
    assert checkout_signature(fields, "my pass/phrase") == md5(
        "merchant_id=10000100&amount=5.00&passphrase=my+pass%2Fphrase"
    )


def test_encoding_matches_php_urlencode():
    assert pf_encode("a b~c*d-e_f.g'h") == "a+b%7Ec%2Ad-e_f.g%27h"
    assert pf_encode("Ünïcode") == "%C3%9Cn%C3%AFcode"


def test_api_signature_sorts_headers_and_body_with_the_passphrase():
    fields = {
        "merchant-id": "10000100",
        "version": "v1",
        "timestamp": "2026-01-15T10:00:00+02:00",
        "cycles": 12,
        "run_date": None,
    }
    expected = (
        "cycles=12&merchant-id=10000100&passphrase=jt7NOE43FZPn"
        "&timestamp=2026-01-15T10%3A00%3A00%2B02%3A00&version=v1"
    )
    assert api_signature(fields, PASSPHRASE) == md5(expected)


# An ITN as PayFast posts it: empty fields are signed too, in the order received.
ITN_PAIRS = [
    ("m_payment_id", "01AB"),
    ("pf_payment_id", "1089250"),
    ("payment_status", "COMPLETE"),
    ("item_name", "Starter pack"),
    ("item_description", ""),
    ("amount_gross", "99.00"),
    ("amount_fee", "-2.28"),
    ("amount_net", "96.72"),
    ("custom_str1", "3f1c"),
    ("name_first", "Test"),
    ("email_address", "test@test.com"),
    ("merchant_id", "10000100"),
]
ITN_STRING = (
    "m_payment_id=01AB&pf_payment_id=1089250&payment_status=COMPLETE&item_name=Starter+pack"
    "&item_description=&amount_gross=99.00&amount_fee=-2.28&amount_net=96.72&custom_str1=3f1c"
    "&name_first=Test&email_address=test%40test.com&merchant_id=10000100"
)


def test_itn_signature_in_received_order_up_to_signature():
    signature = md5(ITN_STRING + "&passphrase=jt7NOE43FZPn")
    pairs = [*ITN_PAIRS, ("signature", signature), ("after_signature", "ignored")]
    assert itn_param_string(pairs) == ITN_STRING
    assert itn_signature_valid(pairs, PASSPHRASE)


def test_itn_signature_refused_when_tampered_reordered_or_missing():
    signature = md5(ITN_STRING + "&passphrase=jt7NOE43FZPn")
    tampered = [(k, "999.00" if k == "amount_gross" else v) for k, v in ITN_PAIRS]
    assert not itn_signature_valid([*tampered, ("signature", signature)], PASSPHRASE)
    assert not itn_signature_valid([*reversed(ITN_PAIRS), ("signature", signature)], PASSPHRASE)
    assert not itn_signature_valid([*ITN_PAIRS, ("signature", signature)], "other-passphrase")
    assert not itn_signature_valid(ITN_PAIRS, PASSPHRASE)
