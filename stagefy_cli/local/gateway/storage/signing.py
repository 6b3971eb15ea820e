"""Signed URLs: download links (`/object/sign/..`) and upload links (`/object/upload/sign/..`).

A token is an HS256 JWT over the stack's secret whose `url` claim is `<bucket>/<key>`; the URLs are
relative to the storage root, as storage3 expects. A signed GET needs no other credential and reads
the object as superuser, like Storage; the object had to be visible to whoever signed it.
"""

from __future__ import annotations

import time
from urllib.parse import quote

import jwt
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stagefy_cli.local.gateway.context import GatewayContext
from stagefy_cli.local.gateway.storage import queries
from stagefy_cli.local.gateway.storage.blobs import BlobStore, check_key
from stagefy_cli.local.gateway.storage.errors import StorageError, access_denied, invalid_request
from stagefy_cli.local.gateway.storage.http import Caller, async_endpoint, endpoint, superuser
from stagefy_cli.local.gateway.storage.objects import file_response
from stagefy_cli.local.gateway.storage.uploads import store_upload, test_permission

UPLOAD_URL_TTL_S = 2 * 3600  # Storage's signed upload URLs last two hours
NOT_ACCESSIBLE = "Either the object does not exist or you do not have access to it"


def _expires_in(body: dict) -> int:
    """`expiresIn` arrives as a string ("60"); Storage coerces it and requires an integer >= 1."""
    try:
        value = int(str(body.get("expiresIn")))
    except ValueError as exc:
        raise invalid_request("body/expiresIn must be integer") from exc
    if value < 1:
        raise invalid_request("body/expiresIn must be >= 1")
    return value


def _relative_url(kind: str, bucket_id: str, name: str, token: str) -> str:
    return f"/object/{kind}/{quote(bucket_id)}/{quote(name)}?token={token}"


def signing_routes(ctx: GatewayContext, blobs: BlobStore) -> list[Route]:
    secret = ctx.keys.jwt_secret

    def sign(url: str, ttl: int, **claims) -> str:
        issued_at = int(time.time())
        return jwt.encode({"url": url, **claims, "iat": issued_at, "exp": issued_at + ttl}, secret, "HS256")

    def verify(request: Request, bucket_id: str, name: str) -> dict:
        token = request.query_params.get("token")
        if not token:
            raise invalid_request("querystring must have required property 'token'")
        try:
            payload = jwt.decode(token, secret, algorithms=["HS256"])
        except jwt.ExpiredSignatureError as exc:
            raise access_denied("jwt expired") from exc
        except jwt.PyJWTError as exc:
            raise access_denied(str(exc) or "invalid signature") from exc
        if payload.get("url") != f"{bucket_id}/{name}":
            raise StorageError(
                400, "InvalidSignature", "InvalidSignature", "The url do not match the signature"
            )
        return payload

    def sign_one(request: Request, body: dict) -> Response:
        bucket_id, name = request.path_params["bucket"], check_key(request.path_params["key"])
        ttl = _expires_in(body)
        with Caller.of(ctx, request).in_bucket(bucket_id, read_only=True) as (conn, _):
            queries.find_object(conn, bucket_id, name)
        token = sign(f"{bucket_id}/{name}", ttl)
        return JSONResponse({"signedURL": _relative_url("sign", bucket_id, name, token)})

    def sign_many(request: Request, body: dict) -> Response:
        bucket_id, names = request.path_params["bucket"], body.get("paths")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise invalid_request("body/paths must be a non-empty array of strings")
        ttl = _expires_in(body)
        with Caller.of(ctx, request).in_bucket(bucket_id, read_only=True) as (conn, _):
            visible = queries.visible_names(conn, bucket_id, names)
        results = []
        for name in names:
            if name in visible:
                url = _relative_url("sign", bucket_id, name, sign(f"{bucket_id}/{name}", ttl))
                results.append({"error": None, "path": name, "signedURL": url})
            else:
                results.append({"error": NOT_ACCESSIBLE, "path": name, "signedURL": None})
        return JSONResponse(results)

    def signed_download(request: Request, body: dict) -> Response:
        bucket_id, name = request.path_params["bucket"], check_key(request.path_params["key"])
        verify(request, bucket_id, name)
        with superuser(ctx) as conn:
            queries.find_bucket(conn, bucket_id)
            row = queries.find_object(conn, bucket_id, name)
        return file_response(blobs, row, request)

    def sign_upload(request: Request, body: dict) -> Response:
        bucket_id, name = request.path_params["bucket"], check_key(request.path_params["key"])
        caller = Caller.of(ctx, request)
        upsert = request.headers.get("x-upsert", "").lower() == "true"
        test_permission(caller, bucket_id, name, upsert)
        token = sign(f"{bucket_id}/{name}", UPLOAD_URL_TTL_S, owner=caller.owner_id, upsert=upsert)
        return JSONResponse({"url": _relative_url("upload/sign", bucket_id, name, token), "token": token})

    async def signed_upload(request: Request) -> Response:
        bucket_id, name = request.path_params["bucket"], check_key(request.path_params["key"])
        payload = verify(request, bucket_id, name)
        # The signer's permission was tested when the URL was made; the write itself bypasses RLS.
        signer = Caller(
            ctx, {"role": "service_role", "sub": payload.get("owner")}, "PUT", request.url.path, {}
        )
        return await store_upload(signer, blobs, request, bucket_id, name, bool(payload.get("upsert")))

    return [
        Route("/object/sign/{bucket}/{key:path}", endpoint(signed_download), methods=["GET"]),
        Route("/object/sign/{bucket}/{key:path}", endpoint(sign_one), methods=["POST"]),
        Route("/object/sign/{bucket}", endpoint(sign_many), methods=["POST"]),
        Route("/object/upload/sign/{bucket}/{key:path}", endpoint(sign_upload), methods=["POST"]),
        Route("/object/upload/sign/{bucket}/{key:path}", async_endpoint(signed_upload), methods=["PUT"]),
    ]
