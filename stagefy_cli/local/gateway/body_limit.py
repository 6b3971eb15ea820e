"""Request bodies read up to a limit, as the hosted APIs refuse oversized ones: a JSON body is
read into memory (and a sign-up's metadata stored), so without a limit one request can fill both.
Each API answers the refusal with HTTP 413 in its own error shape: GoTrue's `{"code", "message"}`
(code `request_too_large`), PostgREST's `{"code", "message", "details", "hint"}` (code `PGRST413`,
the gateway's own: PostgREST leaves body limits to the proxy in front of it), Storage's
`EntityTooLarge`."""

from __future__ import annotations

from starlette.requests import Request

AUTH_JSON_LIMIT = 64 * 1024  # sign-up metadata, passwords, tokens: a few hundred bytes in practice
REST_JSON_LIMIT = 10 * 1024 * 1024  # bulk inserts (a CRM import of thousands of contacts)
STORAGE_JSON_LIMIT = 64 * 1024  # bucket settings, signed-URL requests, lists of paths


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"Request body too large: at most {limit} bytes")
        self.limit = limit
        self.message = str(self)


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it is known to exceed `limit` (declared or streamed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
