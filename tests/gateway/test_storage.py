"""The gateway's Storage subset, driven by the unmodified supabase-py client over real HTTP.

A module fixture adds a private `probe` bucket whose policies give every user their own folder
(`<uid>/...`), the way Stagefy's `media` bucket works, so RLS decisions are PostgreSQL's own.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid

import httpx
import jwt
import psycopg
import pytest
import web
from storage3.exceptions import StorageApiError

BUCKET = "probe"
PNG = b"\x89PNG\r\n\x1a\n"  # the gateway refuses an image whose bytes are not of its type
OWN_FOLDER = f"bucket_id = '{BUCKET}' and (storage.foldername(name))[1] = (select auth.uid()::text)"
POLICIES = {
    "probe: read own folder": f"for select to authenticated using ({OWN_FOLDER})",
    "probe: upload to own folder": f"for insert to authenticated with check ({OWN_FOLDER})",
    "probe: update own folder": f"for update to authenticated using ({OWN_FOLDER}) with check ({OWN_FOLDER})",
    "probe: delete own folder": f"for delete to authenticated using ({OWN_FOLDER})",
}


@pytest.fixture(scope="module")
def probe_bucket(stack):
    # As supabase_admin: on hosted, supautils lets postgres manage storage.objects' policies; locally
    # only migrations get that stand-in (stagefy_cli.local.migrate.policy_grants).
    with psycopg.connect(stack.dsn, user="supabase_admin", autocommit=True) as conn:
        conn.execute(
            "insert into storage.buckets (id, name) values (%s, %s) on conflict do nothing", (BUCKET, BUCKET)
        )
        for name, body in POLICIES.items():
            conn.execute(f'drop policy if exists "{name}" on storage.objects')
            conn.execute(f'create policy "{name}" on storage.objects {body}')
    return BUCKET


@pytest.fixture
def agent(make_agent, probe_bucket):
    return make_agent()


def files(agent):
    return agent.client.storage.from_(BUCKET)


def blob_path(stack, name: str, bucket: str = BUCKET):
    return stack.ctx.storage_root / bucket / name


def test_upload_download_info_and_list(stack, agent):
    key = f"{agent.id}/docs/hello.txt"
    options = {"content-type": "text/plain", "cache-control": "60", "metadata": {"room": "kitchen"}}
    response = files(agent).upload(key, b"hello world", options)
    assert response.full_path == f"{BUCKET}/{key}"

    assert files(agent).download(key) == b"hello world"
    assert blob_path(stack, key).read_bytes() == b"hello world"
    assert list((stack.ctx.storage_root / ".tmp").iterdir()) == []

    info = files(agent).info(key)
    assert info["size"] == 11 and info["content_type"] == "text/plain"
    assert info["cache_control"] == "max-age=60" and info["metadata"] == {"room": "kitchen"}
    assert info["etag"] == '"' + hashlib.md5(b"hello world").hexdigest() + '"'
    assert files(agent).exists(key) is True

    root = files(agent).list(agent.id)
    assert [(entry["name"], entry["id"], entry["metadata"]) for entry in root] == [("docs", None, None)]
    (entry,) = files(agent).list(f"{agent.id}/docs")
    assert entry["name"] == "hello.txt" and entry["id"] and entry["metadata"]["size"] == 11
    assert entry["metadata"]["mimetype"] == "text/plain"

    with psycopg.connect(stack.dsn) as conn:
        owner, owner_id = conn.execute(
            "select owner::text, owner_id from storage.objects where bucket_id = %s and name = %s",
            (BUCKET, key),
        ).fetchone()
    assert owner == owner_id == agent.id


def test_list_pages_sorts_and_searches(agent):
    for name in ("b.txt", "a.txt", "c.png", "sub/deeper.txt"):
        files(agent).upload(f"{agent.id}/many/{name}", name.encode())
    names = [e["name"] for e in files(agent).list(f"{agent.id}/many", {"limit": 2, "offset": 1})]
    assert names == ["b.txt", "c.png"]
    descending = files(agent).list(f"{agent.id}/many", {"sortBy": {"column": "name", "order": "desc"}})
    assert [e["name"] for e in descending] == ["sub", "c.png", "b.txt", "a.txt"]
    assert [e["name"] for e in files(agent).list(f"{agent.id}/many", {"search": "c"})] == ["c.png"]


def test_large_upload_from_a_path_streams_through(stack, agent, tmp_path):
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    key = f"{agent.id}/big.bin"
    files(agent).upload(key, source, {"content-type": "application/octet-stream"})
    assert files(agent).info(key)["size"] == source.stat().st_size
    assert blob_path(stack, key).read_bytes() == source.read_bytes()


def test_raw_body_upload(stack, agent):
    key = f"{agent.id}/raw.png"
    token = agent.client.auth.get_session().access_token

    def body():
        yield b"\x89PNG"
        yield b"rest-of-image"

    response = web.post(
        f"{stack.url}/storage/v1/object/{BUCKET}/{key}",
        content=body(),
        headers={"apiKey": stack.anon_key, "Authorization": f"Bearer {token}", "Content-Type": "image/png"},
    )
    assert response.status_code == 200 and response.json()["Key"] == f"{BUCKET}/{key}"
    download = web.get(
        f"{stack.url}/storage/v1/object/authenticated/{BUCKET}/{key}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert download.content == b"\x89PNGrest-of-image" and download.headers["content-type"] == "image/png"


def test_upload_to_an_existing_key_conflicts_unless_upsert(agent):
    key = f"{agent.id}/again.txt"
    files(agent).upload(key, b"one")
    with pytest.raises(StorageApiError) as caught:
        files(agent).upload(key, b"two")
    assert caught.value.status == "409" and caught.value.code == "Duplicate"

    files(agent).upload(key, b"three", {"upsert": "true"})
    assert files(agent).download(key) == b"three"
    files(agent).update(key, b"four")
    assert files(agent).download(key) == b"four"


def test_missing_object_and_bucket(agent):
    with pytest.raises(StorageApiError) as caught:
        files(agent).download(f"{agent.id}/nothing-here.txt")
    assert caught.value.status == "404" and caught.value.code == "not_found"
    assert files(agent).exists(f"{agent.id}/nothing-here.txt") is False

    with pytest.raises(StorageApiError) as caught:
        agent.client.storage.from_("no-such-bucket").download("x.txt")
    assert caught.value.status == "404" and caught.value.code == "Bucket not found"


def test_other_users_cannot_read_write_or_delete(stack, make_agent, probe_bucket):
    owner, intruder = make_agent(), make_agent()
    key = f"{owner.id}/private.txt"
    files(owner).upload(key, b"secret")

    with pytest.raises(StorageApiError) as caught:
        files(intruder).download(key)
    assert caught.value.status == "404"
    with pytest.raises(StorageApiError) as caught:
        files(intruder).create_signed_url(key, 60)
    assert caught.value.status == "404"
    assert files(intruder).remove([key]) == []
    assert files(intruder).list(owner.id) == []

    with pytest.raises(StorageApiError) as caught:
        files(intruder).upload(f"{owner.id}/planted.txt", b"x")
    assert caught.value.status == "403" and caught.value.code == "Unauthorized"
    with pytest.raises(StorageApiError) as caught:
        files(intruder).upload(key, b"overwrite", {"upsert": "true"})
    assert caught.value.status == "403"

    assert files(owner).download(key) == b"secret"
    assert blob_path(stack, key).read_bytes() == b"secret"
    assert not blob_path(stack, f"{owner.id}/planted.txt").exists()

    with pytest.raises(StorageApiError) as caught:
        stack.client().storage.from_(BUCKET).download(key)
    assert caught.value.status == "404"


def test_signed_urls(stack, agent):
    key = f"{agent.id}/signed file.txt"
    files(agent).upload(key, b"signed bytes")

    signed = files(agent).create_signed_url(key, 60)["signedURL"]
    assert signed.startswith(f"{stack.url}/storage/v1/object/sign/{BUCKET}/")
    response = web.get(signed)
    assert response.status_code == 200 and response.content == b"signed bytes"

    attachment = web.get(files(agent).create_signed_url(key, 60, {"download": True})["signedURL"])
    assert attachment.headers["content-disposition"].startswith("attachment")

    token = signed.split("token=")[1]
    other = web.get(
        f"{stack.url}/storage/v1/object/sign/{BUCKET}/{agent.id}/other.txt", params={"token": token}
    )
    assert other.status_code == 400 and other.json()["error"] == "InvalidSignature"

    expired = jwt.encode(
        {"url": f"{BUCKET}/{key}", "iat": int(time.time()) - 120, "exp": int(time.time()) - 60},
        stack.ctx.keys.jwt_secret,
        algorithm="HS256",
    )
    response = web.get(f"{stack.url}/storage/v1/object/sign/{BUCKET}/{key}", params={"token": expired})
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": "403",
        "code": "AccessDenied",
        "error": "Unauthorized",
        "message": "jwt expired",
    }

    many = files(agent).create_signed_urls([key, f"{agent.id}/missing.txt"], 60)
    assert many[0]["error"] is None and web.get(many[0]["signedURL"]).content == b"signed bytes"
    assert many[1]["signedURL"] is None and "does not exist" in many[1]["error"]


def test_signed_upload_url(agent):
    key = f"{agent.id}/via-signed-upload.txt"
    signed = files(agent).create_signed_upload_url(key)
    files(agent).upload_to_signed_url(key, signed["token"], b"uploaded by link")
    assert files(agent).download(key) == b"uploaded by link"


def test_remove_move_and_copy(stack, agent):
    first, moved, copied = (f"{agent.id}/{name}.txt" for name in ("first", "moved", "copied"))
    files(agent).upload(first, b"payload")

    assert files(agent).move(first, moved) == {"message": "Successfully moved"}
    assert not blob_path(stack, first).exists()
    assert files(agent).download(moved) == b"payload"

    assert files(agent).copy(moved, copied)["Key"] == f"{BUCKET}/{copied}"
    assert files(agent).download(copied) == b"payload"
    with pytest.raises(StorageApiError) as caught:
        files(agent).copy(moved, copied)
    assert caught.value.status == "409"
    with pytest.raises(StorageApiError) as caught:
        files(agent).move(first, copied)
    assert caught.value.status == "404"

    removed = files(agent).remove([moved, copied, f"{agent.id}/never-existed.txt"])
    assert sorted(row["name"] for row in removed) == [copied, moved]
    assert not blob_path(stack, moved).exists() and not blob_path(stack, copied).exists()
    with pytest.raises(StorageApiError):
        files(agent).download(moved)


def test_move_into_another_users_folder_is_refused(make_agent, probe_bucket):
    owner, other = make_agent(), make_agent()
    files(owner).upload(f"{owner.id}/mine.txt", b"m")
    with pytest.raises(StorageApiError) as caught:
        files(owner).move(f"{owner.id}/mine.txt", f"{other.id}/stolen.txt")
    assert caught.value.status == "403"
    assert files(owner).download(f"{owner.id}/mine.txt") == b"m"


def test_invalid_jwt_is_access_denied(stack):
    forged = jwt.encode({"role": "service_role"}, "a-different-secret-that-is-long-enough-for-hs256", "HS256")
    with pytest.raises(StorageApiError) as caught:
        stack.client(forged).storage.from_(BUCKET).list()
    assert caught.value.status == "403" and caught.value.code == "Unauthorized"


def test_bucket_lifecycle_and_public_urls(stack, agent):
    admin = stack.service_client().storage
    bucket = f"pub-{uuid.uuid4().hex[:8]}"
    assert admin.create_bucket(bucket, options={"public": True}) == {"name": bucket}
    got = admin.get_bucket(bucket)
    assert got.public is True and got.owner == "" and got.file_size_limit is None
    assert bucket in {b.id for b in admin.list_buckets()}
    with pytest.raises(StorageApiError) as caught:
        admin.create_bucket(bucket)
    assert caught.value.status == "409"

    admin.from_(bucket).upload("logo.txt", b"public bytes")
    public_url = admin.from_(bucket).get_public_url("logo.txt")
    assert web.get(public_url).content == b"public bytes"

    admin.update_bucket(bucket, {"public": False})
    response = web.get(public_url)
    assert response.status_code == 400 and response.json()["error"] == "Bucket not found"

    with pytest.raises(StorageApiError) as caught:
        admin.delete_bucket(bucket)
    assert caught.value.status == "409"
    admin.empty_bucket(bucket)
    assert not blob_path(stack, "logo.txt", bucket).exists()
    assert admin.delete_bucket(bucket) == {"message": "Successfully deleted"}
    with pytest.raises(StorageApiError) as caught:
        admin.get_bucket(bucket)
    assert caught.value.status == "404"

    with pytest.raises(StorageApiError) as caught:
        agent.client.storage.create_bucket(f"mine-{uuid.uuid4().hex[:8]}")
    assert caught.value.status == "403"


def test_bucket_limits(stack):
    admin = stack.service_client().storage
    bucket = f"limits-{uuid.uuid4().hex[:8]}"
    admin.create_bucket(bucket, options={"file_size_limit": 10, "allowed_mime_types": ["image/*"]})

    with pytest.raises(StorageApiError) as caught:
        admin.from_(bucket).upload("big.png", b"x" * 11, {"content-type": "image/png"})
    assert caught.value.status == "413"
    with pytest.raises(StorageApiError) as caught:
        admin.from_(bucket).upload("note.txt", b"x", {"content-type": "text/plain"})
    assert caught.value.status == "415"
    admin.from_(bucket).upload("ok.png", PNG + b"xx", {"content-type": "image/png"})
    assert admin.from_(bucket).info("ok.png")["size"] == 10
    assert sorted(p.name for p in (stack.ctx.storage_root / bucket).iterdir()) == ["ok.png"]


def test_a_key_that_clashes_with_a_folder_is_refused_cleanly(stack, agent):
    files(agent).upload(f"{agent.id}/clash/inner.txt", b"inner")
    with pytest.raises(StorageApiError) as caught:
        files(agent).upload(f"{agent.id}/clash", b"outer")
    assert caught.value.status == "400" and caught.value.code == "InvalidKey"
    assert files(agent).exists(f"{agent.id}/clash") is False
    assert files(agent).download(f"{agent.id}/clash/inner.txt") == b"inner"


def raw_upload(stack, token: str, bucket: str, key: str, data: bytes, content_type: str) -> httpx.Response:
    """A raw body with its Content-Length, as the CLI and the worker upload (held in memory when small)."""
    return web.post(
        f"{stack.url}/storage/v1/object/{bucket}/{key}",
        content=data,
        headers={"apiKey": stack.anon_key, "Authorization": f"Bearer {token}", "Content-Type": content_type},
    )


def leftover_parts(stack) -> list:
    return sorted((stack.ctx.storage_root / ".tmp").glob("*.part"))


def test_small_raw_uploads_meet_the_same_checks(stack, make_agent, probe_bucket):
    owner, intruder = make_agent(), make_agent()
    token = intruder.client.auth.get_session().access_token
    refused = raw_upload(stack, token, BUCKET, f"{owner.id}/planted.jpg", b"\xff\xd8\xff photo", "image/jpeg")
    assert refused.status_code == 400 and refused.json()["statusCode"] == "403"
    assert not blob_path(stack, f"{owner.id}/planted.jpg").exists()

    bucket = f"limits-{uuid.uuid4().hex[:8]}"
    stack.service_client().storage.create_bucket(
        bucket, options={"file_size_limit": 10, "allowed_mime_types": ["image/*"]}
    )
    service = stack.service_role_key
    too_big = raw_upload(stack, service, bucket, "big.png", b"x" * 11, "image/png")
    assert too_big.status_code == 400 and too_big.json()["statusCode"] == "413"
    wrong_type = raw_upload(stack, service, bucket, "note.txt", b"x", "text/plain")
    assert wrong_type.status_code == 400 and wrong_type.json()["statusCode"] == "415"
    assert raw_upload(stack, service, bucket, "ok.png", PNG + b"xx", "image/png").status_code == 200
    assert sorted(p.name for p in (stack.ctx.storage_root / bucket).iterdir()) == ["ok.png"]
    assert leftover_parts(stack) == []


def test_small_and_large_downloads_carry_the_same_headers(stack, agent):
    token = agent.client.auth.get_session().access_token
    small, large = os.urandom(1000), os.urandom(5 * 1024 * 1024)  # either side of what is held in memory
    for name, data in (("small.bin", small), ("large.bin", large)):
        key = f"{agent.id}/{name}"
        assert raw_upload(stack, token, BUCKET, key, data, "application/octet-stream").status_code == 200
        answer = web.get(
            f"{stack.url}/storage/v1/object/authenticated/{BUCKET}/{key}?download=report.bin",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200 and answer.content == data
        assert answer.headers["content-length"] == str(len(data))
        assert answer.headers["content-disposition"] == 'attachment; filename="report.bin"'
        assert answer.headers["etag"] == f'"{hashlib.md5(data).hexdigest()}"'
        assert answer.headers["content-type"] == "application/octet-stream"
        assert "last-modified" in answer.headers
