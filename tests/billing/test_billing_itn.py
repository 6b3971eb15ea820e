"""PayFast ITNs through the payment function (Deno, behind the gateway at /functions/v1/payfast/itn,
as the local stack serves it) into the real database: every check, then `apply_payfast_itn` with the
service role; the stand-in PayFast answers the validation postback."""

from __future__ import annotations

import hashlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
import web
from billing_support import PASSPHRASE, itn_url, merchant_settings, post_itn
from stagefy_testing import balance, sql

from stagefy_cli.local.ephemeral import gateway

STARTER = {"code": "starter", "credits": 100, "price": "149.00"}


def itn_body(user_id: str, *, passphrase: str = PASSPHRASE, **overrides) -> str:
    """A pack ITN as PayFast posts it: the fields in PayFast's order, then their signature."""
    fields = {
        "m_payment_id": "pack-test",
        "pf_payment_id": str(uuid.uuid4().int)[:10],
        "payment_status": "COMPLETE",
        "item_name": "Starter pack",
        "item_description": "100 Stagefy credits",
        "amount_gross": STARTER["price"],
        "amount_fee": "-3.43",
        "amount_net": "145.57",
        "custom_str1": user_id,
        "custom_str2": "pack",
        "custom_str3": STARTER["code"],
        "custom_str4": "",
        "custom_str5": "",
        "name_first": "Thandi",
        "name_last": "Nkosi",
        "email_address": "thandi@example.co.za",
        "merchant_id": "10000100",
        **overrides,
    }
    return sign(list(fields.items()), passphrase)


def sign(pairs: list[tuple[str, str]], passphrase: str = PASSPHRASE) -> str:
    """The body PayFast posts: the fields, then their signature (PayFast's documented algorithm)."""
    param_string = urlencode(pairs)
    signature = hashlib.md5(f"{param_string}&passphrase={passphrase}".encode()).hexdigest()
    return f"{param_string}&signature={signature}"


@pytest.fixture
def itn(pay_stack, fake_payfast):
    """Post an ITN body to the payment function, as PayFast does (its stand-in reset first)."""
    return lambda body, **headers: post_itn(pay_stack, body, **headers)


def assert_ledger_matches(stack, user_id) -> None:
    [(credits, total)] = sql(
        stack,
        "select u.credits, (select coalesce(sum(amount), 0)::int from public.credit_transactions t "
        "where t.user_id = u.id) from public.users u where u.id = %s",
        user_id,
    )
    assert credits == total


def test_pack_itn_credits_the_pack_once_and_notifies(itn, make_agent, stack):
    agent = make_agent()
    body = itn_body(agent.id, pf_payment_id="7000001")
    response = itn(body)
    assert (response.status_code, response.text) == (200, "OK")
    assert balance(stack, agent.id) == 50 + STARTER["credits"]

    [purchase] = sql(
        stack,
        "select amount, type::text, reference_id from public.credit_transactions "
        "where user_id = %s and type = 'purchase'",
        agent.id,
    )
    assert purchase == (100, "purchase", "payfast:7000001")
    [payment] = sql(
        stack,
        "select status, kind, item_code, amount::text, credits, outcome, raw ->> 'm_payment_id' "
        "from public.payments where pf_payment_id = '7000001'",
    )
    assert payment == ("COMPLETE", "pack", "starter", "149.00", 100, "credited", "pack-test")
    [notice] = sql(
        stack,
        "select title, message from public.notifications where user_id = %s and type = 'payment_success'",
        agent.id,
    )
    assert notice == ("Payment received", "100 credits added (Starter pack). Balance: 150.")
    assert_ledger_matches(stack, agent.id)


def test_replayed_itn_is_credited_once(itn, make_agent, stack):
    agent = make_agent()
    body = itn_body(agent.id)
    assert itn(body).status_code == 200
    # PayFast retries; ten more deliveries, five of them at the same time.
    for _ in range(5):
        assert itn(body).status_code == 200
    with ThreadPoolExecutor(5) as pool:
        statuses = list(pool.map(lambda _: itn(body).status_code, range(5)))
    assert statuses == [200] * 5

    assert balance(stack, agent.id) == 150
    assert sql(stack, "select count(*) from public.payments where user_id = %s", agent.id) == [(1,)]
    purchases = sql(
        stack,
        "select count(*) from public.credit_transactions where user_id = %s and type = 'purchase'",
        agent.id,
    )
    assert purchases == [(1,)]
    assert_ledger_matches(stack, agent.id)


def test_replay_answer_says_nothing_changed(stack, make_agent):
    agent = make_agent()
    service = stack.service_client()
    payload = {
        "pf_payment_id": f"direct-{uuid.uuid4().hex[:8]}",
        "payment_status": "COMPLETE",
        "amount_gross": "149.00",
        "custom_str1": agent.id,
        "custom_str2": "pack",
        "custom_str3": "starter",
    }
    first = service.rpc("apply_payfast_itn", {"p_itn": payload}).execute().data
    again = service.rpc("apply_payfast_itn", {"p_itn": payload}).execute().data
    assert (first["replay"], first["outcome"], first["credits"], first["balance"]) == (
        False,
        "credited",
        100,
        150,
    )
    assert (again["replay"], again["outcome"], again["credits"]) == (True, "credited", 0)
    assert balance(stack, agent.id) == 150


@pytest.mark.parametrize(
    "make_body, status, reason",
    [
        (lambda uid: itn_body(uid, passphrase="wrong"), 400, "bad signature"),
        (lambda uid: itn_body(uid, amount_gross="14.90"), 400, "does not match the price 149.00"),
        (lambda uid: itn_body(uid, custom_str3="agency"), 400, "does not match the price 1199.00"),
        (lambda uid: itn_body(uid, custom_str3="no-such-pack"), 400, "unknown pack or plan"),
        (lambda uid: itn_body(uid, merchant_id="10000101"), 400, "merchant_id is not this merchant"),
        (lambda uid: itn_body(uid, amount_gross="NaN"), 400, "amount_gross is not a number"),
        (lambda uid: itn_body(uid) + "&amount_gross=1.00", 400, "fields after signature are not signed"),
        (
            lambda uid: itn_body(uid) + f"&custom_str1={uuid.uuid4()}",
            400,
            "fields after signature are not signed: custom_str1",
        ),
    ],
    ids=[
        "bad-signature",
        "wrong-amount",
        "cheaper-price-for-a-bigger-pack",
        "unknown-pack",
        "wrong-merchant",
        "nan-amount",
        "trailing-field",
        "trailing-field-for-another-user",
    ],
)
def test_refused_itns_credit_nothing(itn, make_agent, stack, fake_payfast, make_body, status, reason):
    agent = make_agent()
    response = itn(make_body(agent.id))
    assert response.status_code == status
    assert reason in response.text
    assert fake_payfast.requests == []
    assert balance(stack, agent.id) == 50
    assert sql(stack, "select count(*) from public.payments where user_id = %s", agent.id) == [(0,)]


def test_failed_validation_credits_nothing(itn, make_agent, stack, fake_payfast):
    agent = make_agent()
    fake_payfast.validate_answer = "INVALID"
    response = itn(itn_body(agent.id))
    assert response.status_code == 400
    assert "INVALID" in response.text
    assert len(fake_payfast.requests) == 1
    assert balance(stack, agent.id) == 50
    assert sql(stack, "select count(*) from public.payments where user_id = %s", agent.id) == [(0,)]


def test_spoofed_forwarded_for_credits_nothing(pay_stack, stack, fake_payfast, make_agent, tmp_path):
    """With the proxies in front of the function declared (the gateway is one), only the entry the
    gateway appended counts: a caller's own X-Forwarded-For naming PayFast's address is not
    believed, so an ITN from anywhere else is refused however it is dressed."""
    agent = make_agent()
    payfast_only = merchant_settings(
        fake_payfast.url, PAYFAST_ITN_HOSTS="192.0.2.10", PAYFAST_TRUSTED_PROXY_HOPS="1"
    )
    with gateway(stack.dsn, tmp_path / "storage", keys=stack.ctx.keys, functions=payfast_only) as other:
        for forwarded in ("192.0.2.10", "192.0.2.10, 192.0.2.10", "127.0.0.1, 192.0.2.10"):
            response = post_itn(other, itn_body(agent.id), **{"X-Forwarded-For": forwarded})
            assert response.status_code == 403, forwarded
            assert response.text == "source address 127.0.0.1 is not PayFast"
    assert fake_payfast.requests == []
    assert balance(stack, agent.id) == 50
    assert sql(stack, "select count(*) from public.payments where user_id = %s", agent.id) == [(0,)]


def test_on_hosted_settings_a_forged_notice_naming_payfast_credits_nothing(
    itn, make_agent, stack, fake_payfast
):
    """As deployed on Supabase (no proxies declared: the platform documents none), the address is
    not what decides: a notice PayFast did not send is answered INVALID by its validation, so
    X-Forwarded-For naming PayFast's address gets the forger nothing."""
    agent = make_agent()
    fake_payfast.validate_answer = "INVALID"
    response = itn(itn_body(agent.id), **{"X-Forwarded-For": "197.97.145.144"})
    assert response.status_code == 400
    assert "PayFast validation answered" in response.text
    assert balance(stack, agent.id) == 50
    assert sql(stack, "select count(*) from public.payments where user_id = %s", agent.id) == [(0,)]


def test_fifty_concurrent_notices_for_one_user_all_succeed(itn, make_agent, stack):
    """A burst of distinct payments for one user: every one answered 200 on first delivery (no
    deadlock, so PayFast need not retry), each credited once, the balance its ledger's sum."""
    agent = make_agent()
    bodies = [itn_body(agent.id, pf_payment_id=f"burst-{uuid.uuid4().hex[:12]}") for _ in range(50)]
    with ThreadPoolExecutor(25) as pool:
        answers = list(pool.map(lambda body: itn(body).status_code, bodies))
    assert answers == [200] * 50
    assert balance(stack, agent.id) == 50 + 50 * 100
    assert sql(stack, "select count(*) from public.payments where user_id = %s", agent.id) == [(50,)]
    assert_ledger_matches(stack, agent.id)


def test_the_bare_function_path_is_not_redirected(itn, pay_stack, make_agent):
    """PayFast posts to notify_url exactly; a redirect to the slash form would lose the payment."""
    agent = make_agent()
    bare = itn(itn_body(agent.id))
    slash = web.post(
        itn_url(pay_stack) + "/",
        content=itn_body(agent.id),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (bare.status_code, slash.status_code) == (200, 200)


def test_failed_one_off_payment_notifies_and_credits_nothing(itn, make_agent, stack):
    agent = make_agent()
    assert itn(itn_body(agent.id, payment_status="FAILED")).status_code == 200
    assert balance(stack, agent.id) == 50
    assert sql(
        stack,
        "select count(*) from public.notifications where user_id = %s and type = 'payment_failed'",
        agent.id,
    ) == [(1,)]


def test_agents_cannot_apply_payments_or_write_billing_tables(make_agent):
    agent = make_agent()
    client = agent.client
    payload = {
        "pf_payment_id": "x",
        "payment_status": "COMPLETE",
        "custom_str1": agent.id,
        "custom_str2": "pack",
        "custom_str3": "agency",
        "amount_gross": "1199.00",
    }
    for call in (
        lambda: client.rpc("apply_payfast_itn", {"p_itn": payload}).execute(),
        lambda: client.rpc("expire_subscriptions", {}).execute(),
        lambda: (
            client.table("payments")
            .insert(
                {"pf_payment_id": "x", "status": "COMPLETE", "kind": "pack", "outcome": "credited", "raw": {}}
            )
            .execute()
        ),
        lambda: client.table("credit_packs").update({"price_zar": 1}).eq("code", "agency").execute(),
        lambda: (
            client.table("plans")
            .insert({"code": "pro", "name": "x", "monthly_credits": 1, "price_zar": 1})
            .execute()
        ),
    ):
        with pytest.raises(Exception) as excinfo:
            call()
        assert getattr(excinfo.value, "code", None) == "42501", excinfo.value


def test_agents_read_their_payments_but_never_what_signs_them(itn, make_agent):
    agent, other = make_agent(), make_agent()
    assert itn(itn_body(agent.id)).status_code == 200
    assert itn(itn_body(other.id)).status_code == 200
    rows = agent.client.table("payments").select("item_code,amount,status,created_at").execute().data
    assert [(r["item_code"], r["amount"], r["status"]) for r in rows] == [("starter", 149.0, "COMPLETE")]
    for columns in ("raw", "*", "m_payment_id", "pf_payment_id", "user_id,amount"):
        with pytest.raises(Exception) as excinfo:
            agent.client.table("payments").select(columns).execute()
        assert getattr(excinfo.value, "code", None) == "42501", columns
    with pytest.raises(Exception) as excinfo:
        agent.client.table("payfast_checkouts").select("m_payment_id").execute()
    assert getattr(excinfo.value, "code", None) == "42501"
