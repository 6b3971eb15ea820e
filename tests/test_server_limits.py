"""Limits the server enforces, tried through the API directly (bypassing the CLI's checks):
Storage's bucket settings, length and range CHECKs, request body limits, and welcome credits
granted once, on e-mail confirmation."""

from __future__ import annotations

import pytest
import web
from postgrest.exceptions import APIError
from stagefy_testing import PASSWORD, balance, make_photo, run_cli, sql
from storage3.exceptions import StorageApiError

from stagefy_cli.backend.client import UserContext
from stagefy_cli.services import edits


def test_the_media_bucket_refuses_oversized_files_and_foreign_types(make_agent):
    agent = make_agent()
    media = agent.client.storage.from_("media")
    with pytest.raises(StorageApiError) as too_big:
        media.upload(
            f"{agent.id}/uploads/huge.jpg", b"\xff" * (50 * 1024 * 1024 + 1), {"content-type": "image/jpeg"}
        )
    assert str(too_big.value.status) == "413"
    with pytest.raises(StorageApiError) as wrong_type:
        media.upload(f"{agent.id}/uploads/page.html", b"<html></html>", {"content-type": "text/html"})
    assert str(wrong_type.value.status) == "415" and "text/html" in wrong_type.value.message
    assert media.list(f"{agent.id}/uploads") == []


@pytest.mark.parametrize("size", [100, 5 * 1024 * 1024], ids=["read-at-once", "streamed"])
def test_an_upload_whose_bytes_are_not_its_declared_image_type_is_refused(make_agent, tmp_path, size):
    agent = make_agent()
    media = agent.client.storage.from_("media")
    page = b"<html><script>alert(document.cookie)</script>" + b" " * size + b"</html>"
    with pytest.raises(StorageApiError) as refused:
        media.upload(f"{agent.id}/uploads/page.jpg", page, {"content-type": "image/jpeg"})
    assert str(refused.value.status) == "415" and "not image/jpeg" in refused.value.message
    assert media.list(f"{agent.id}/uploads") == []

    photo = make_photo(tmp_path / "hall.jpg").read_bytes()
    with pytest.raises(StorageApiError) as mislabelled:
        media.upload(f"{agent.id}/uploads/hall.png", photo, {"content-type": "image/png"})
    assert "(it is image/jpeg)" in mislabelled.value.message
    media.upload(f"{agent.id}/uploads/hall.jpg", photo, {"content-type": "image/jpeg"})
    url = media.create_signed_url(f"{agent.id}/uploads/hall.jpg", 60)["signedURL"]
    downloaded = web.get(url)
    assert downloaded.content == photo
    assert downloaded.headers["content-type"] == "image/jpeg"
    assert downloaded.headers["x-content-type-options"] == "nosniff"


def test_an_overlong_address_or_a_nan_price_is_refused_by_the_database(make_agent):
    agent = make_agent()
    listings = agent.client.table("crm_listings")
    with pytest.raises(APIError) as long_address:
        listings.insert({"user_id": agent.id, "address": "12 Oak Street " * 1600}).execute()
    assert (
        long_address.value.code == "23514" and "address: at most 300 characters" in long_address.value.message
    )
    with pytest.raises(APIError) as nan_price:
        listings.insert({"user_id": agent.id, "address": "12 Oak Street", "price": "NaN"}).execute()
    assert nan_price.value.code == "23514" and "price: a number from 0" in nan_price.value.message
    assert listings.select("id").execute().data == []


def test_an_overlong_prompt_is_refused_and_charges_nothing(signed_in_agent, cli_stack, tmp_path):
    from stagefy_cli.services.photos import check_photo
    from stagefy_cli.services.uploads import upload_sources

    agent = signed_in_agent
    ctx = UserContext(agent.client, agent.id, agent.email)
    [uploaded] = upload_sources(ctx, [check_photo(make_photo(tmp_path / "den.jpg"))])
    with pytest.raises(APIError) as caught:
        edits.submit(ctx, [uploaded], edits.EditOptions("custom", prompt="paint it gold " * 400))
    assert "prompt: at most 4000 characters" in caught.value.message
    with pytest.raises(APIError) as caught:
        edits.submit(ctx, [uploaded], edits.EditOptions("enhance", style="modern " * 3000))
    assert "options: at most 10000 characters in all" in caught.value.message
    assert balance(cli_stack, agent.id) == 50
    assert sql(cli_stack, "select count(*) from public.projects where user_id = %s", agent.id) == [(0,)]


def test_auth_and_rest_refuse_oversized_json_bodies_in_their_own_shapes(stack, make_agent):
    headers = {"apikey": stack.anon_key, "Content-Type": "application/json"}
    padding = "x" * (100 * 1024)
    signup = web.post(
        f"{stack.url}/auth/v1/signup",
        headers=headers,
        json={"email": "big-body@example.com", "password": PASSWORD, "data": {"full_name": padding}},
    )
    assert signup.status_code == 413
    assert signup.json()["code"] == "request_too_large"
    assert sql(stack, "select count(*) from auth.users where email = 'big-body@example.com'") == [(0,)]

    agent = make_agent()
    token = agent.client.auth.get_session().access_token
    rest = web.post(
        f"{stack.url}/rest/v1/crm_contacts",
        headers={**headers, "Authorization": f"Bearer {token}"},
        content=b'[{"name": "' + b"y" * (11 * 1024 * 1024) + b'"}]',
    )
    assert rest.status_code == 413
    body = rest.json()
    assert body["code"] == "PGRST413" and set(body) == {"code", "message", "details", "hint"}


def test_welcome_credits_arrive_on_email_confirmation_once(stack):
    admin = stack.service_client().auth.admin
    email = "confirm-later@example.com"
    created = admin.create_user({"email": email, "password": PASSWORD})  # as sign-up with confirmation on
    assert created.user.email_confirmed_at is None
    assert balance(stack, created.user.id) == 0
    admin.update_user_by_id(created.user.id, {"email_confirm": True})
    assert balance(stack, created.user.id) == 50

    # confirmed again (e.g. after an address change): no second grant
    sql(stack, "update auth.users set email_confirmed_at = null where id = %s", created.user.id)
    sql(stack, "update auth.users set email_confirmed_at = now() where id = %s", created.user.id)
    grants = sql(
        stack,
        "select amount, description from public.credit_transactions where user_id = %s",
        created.user.id,
    )
    assert grants == [(50, "Welcome credits")]
    assert balance(stack, created.user.id) == 50


def test_the_cli_reports_a_refused_listing_in_one_line(signed_in_agent):
    result = run_cli(["crm", "listings", "add", "--address", "1 Long Road " * 40])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_submission_the_quote_would_refuse_is_refused_without_the_quote(
    signed_in_agent, cli_stack, tmp_path
):
    from stagefy_cli.services.photos import check_photo
    from stagefy_cli.services.uploads import upload_sources

    agent = signed_in_agent
    ctx = UserContext(agent.client, agent.id, agent.email)
    [uploaded] = upload_sources(ctx, [check_photo(make_photo(tmp_path / "hall.jpg"))])
    with pytest.raises(APIError) as caught:
        edits.submit(ctx, [uploaded], edits.EditOptions("declutter", provider="local"))
    assert "the local provider cannot do declutter" in caught.value.message
    assert balance(cli_stack, agent.id) == 50
