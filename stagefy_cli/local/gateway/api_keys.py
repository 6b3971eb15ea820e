"""The API gateway's handling of the new API keys, in front of `/auth/v1`, `/rest/v1`, `/storage/v1`.

A publishable or secret key (`sb_publishable_...`, `sb_secret_...`) is not a JWT. It is sent in
the `apikey` header, and the gateway gives the services behind it the bearer they understand: the
caller's own `Authorization` when that is a user's JWT, else the JWT of the key's role (`anon` for a
publishable key, `service_role` for a secret key), as the Supabase CLI's gateway does
(`Authorization` missing, or `Bearer <the same sb_ key>` as supabase-py and supabase-js send).
Refused with 401, as on a hosted project: an `sb_` key the project does not have, a new key in
`Authorization` other than the `apikey` one, and a secret key sent by a browser (its User-Agent).
Legacy JWT keys pass through untouched. `/functions/v1` is not mapped: Supabase verifies only JWTs
for functions and hands them the headers as sent (a function checks a new key itself).
"""

from __future__ import annotations

import json

from stagefy_cli.local.keys import StackKeys

MAPPED_PREFIXES = ("/auth/v1", "/rest/v1", "/storage/v1", "/payfast-sandbox")
BROWSERS = (b"mozilla/",)  # every browser's User-Agent starts so; servers' and SDKs' do not


def _refusal(message: str, send):
    body = json.dumps({"message": message}).encode()

    async def answer():
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return answer()


class ApiKeyGateway:
    """ASGI middleware: maps a request's new API key to its role's JWT, or refuses it."""

    def __init__(self, app, keys: StackKeys):
        self.app = app
        self.roles = {
            keys.publishable_key.encode(): keys.anon_key.encode(),
            keys.secret_key.encode(): keys.service_role_key.encode(),
        }
        self.secret = keys.secret_key.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(MAPPED_PREFIXES):
            return await self.app(scope, receive, send)
        apikey = authorization = user_agent = b""
        for name, value in scope["headers"]:
            if name == b"apikey":
                apikey = value
            elif name == b"authorization":
                authorization = value
            elif name == b"user-agent":
                user_agent = value
        bearer_is_key = authorization[:10].lower() == b"bearer sb_"
        if not apikey.startswith(b"sb_") and not bearer_is_key:
            return await self.app(scope, receive, send)  # legacy keys and no key: as before
        role_jwt = self.roles.get(apikey)
        if role_jwt is None:
            return await _refusal("Invalid API key", send)
        if apikey == self.secret and user_agent.lower().startswith(BROWSERS):
            return await _refusal("Forbidden use of secret API key in browser", send)
        if bearer_is_key and authorization[7:].strip() != apikey:
            return await _refusal("Invalid API key in the Authorization header: send it in apikey", send)
        if not authorization or bearer_is_key:
            headers = [(n, v) for n, v in scope["headers"] if n != b"authorization"]
            scope = {**scope, "headers": [*headers, (b"authorization", b"Bearer " + role_jwt)]}
        return await self.app(scope, receive, send)
