"""The payment function served by the test stack, and a local stand-in for PayFast.

`pay_stack` is a project with a merchant configured whose PayFast is the stand-in (validation
endpoint and subscriptions API): the stand-in speaks PayFast's documented API, checks the API
signature with its own implementation of the documented algorithm, and records every request so
tests can assert what the function sent. `sandbox_stack` is the local stack as it runs with no
merchant set: it plays PayFast itself (`stagefy local payfast complete`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from billing_support import PASSPHRASE, merchant_settings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from stagefy_cli.local.ephemeral import ServerThread, gateway

TOKEN = "dc0521d3-55fe-269b-fa00-b647310d760f"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class FakePayFast:
    url: str = ""
    validate_answer: str = "VALID"
    requests: list[Recorded] = field(default_factory=list)
    passphrase: str = PASSPHRASE  # the merchant's passphrase the API checks signatures with
    token: str = TOKEN  # the one subscription the API knows

    def last(self) -> Recorded:
        return self.requests[-1]


def documented_api_signature(fields: dict[str, str], passphrase: str) -> str:
    """PayFast's API signature as its docs describe it: fields + passphrase, sorted by key,
    url-encoded (PHP http_build_query), MD5."""
    return hashlib.md5(urlencode(sorted({**fields, "passphrase": passphrase}.items())).encode()).hexdigest()


def _failed(code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"code": code, "status": "failed", "data": {"response": message, "message": False}}, code
    )


def create_fake_payfast(state: FakePayFast) -> Starlette:
    async def record(request: Request) -> Recorded:
        entry = Recorded(
            request.method,
            request.url.path,
            dict(request.query_params),
            {k.lower(): v for k, v in request.headers.items()},
            await request.body(),
        )
        state.requests.append(entry)
        return entry

    async def validate(request: Request):
        await record(request)
        return PlainTextResponse(state.validate_answer)

    async def subscription(request: Request):
        entry = await record(request)
        token, action = request.path_params["token"], request.path_params["action"]
        signed = {k: entry.headers.get(k, "") for k in ("merchant-id", "version", "timestamp")}
        body = json.loads(entry.body) if entry.body else {}
        signed |= {k: str(v) for k, v in body.items()}
        if entry.headers.get("signature") != documented_api_signature(signed, state.passphrase):
            return _failed(401, "Failed Signature Verification")
        if token != state.token:
            return _failed(404, "Subscription not found")
        if action == "fetch":
            return JSONResponse(
                {
                    "code": 200,
                    "status": "success",
                    "data": {
                        "response": {
                            "token": state.token,
                            "amount": 29900,
                            "cycles": 0,
                            "cycles_complete": 2,
                            "frequency": 3,
                            "run_date": "2026-12-01T00:00:00+02:00",
                            "status": 1,
                            "status_text": "ACTIVE",
                        }
                    },
                }
            )
        return JSONResponse(
            {"code": 200, "status": "success", "data": {"response": True, "message": "Success"}}
        )

    return Starlette(
        routes=[
            Route("/eng/query/validate", validate, methods=["POST"]),
            Route("/subscriptions/{token}/{action}", subscription, methods=["GET", "PUT", "PATCH"]),
        ]
    )


@pytest.fixture(scope="session")
def _payfast_server():
    state = FakePayFast()
    with ServerThread(create_fake_payfast(state)) as server:
        state.url = server.url
        yield state


@pytest.fixture
def fake_payfast(_payfast_server) -> FakePayFast:
    """The stand-in PayFast, reset for each test."""
    _payfast_server.requests.clear()
    _payfast_server.validate_answer = "VALID"
    return _payfast_server


@pytest.fixture(scope="session")
def pay_stack(pg_dsn, stack, _payfast_server, tmp_path_factory):
    """The session's database behind a gateway that serves the payment function (same keys as
    `stack`, so every agent's session works on both)."""
    root = tmp_path_factory.mktemp("pay")
    with gateway(
        pg_dsn,
        root / "storage",
        keys=stack.ctx.keys,
        password_cost=stack.ctx.password_cost,
        functions=merchant_settings(_payfast_server.url),
        functions_log=root / "functions.log",
    ) as running:
        yield running


@pytest.fixture(scope="session")
def sandbox_stack(pg_dsn, stack, tmp_path_factory):
    root = tmp_path_factory.mktemp("sandbox")
    with gateway(
        pg_dsn,
        root / "storage",
        keys=stack.ctx.keys,
        password_cost=stack.ctx.password_cost,
        functions={},
        functions_log=root / "functions.log",
    ) as running:
        yield running


def _point_cli_at(stack, monkeypatch) -> None:
    monkeypatch.setenv("SUPABASE_URL", stack.url)
    monkeypatch.setenv("SUPABASE_ANON_KEY", stack.anon_key)
    for name in list(os.environ):
        if "PAYFAST" in name:  # the agent's machine holds no PayFast setting at all
            monkeypatch.delenv(name)


@pytest.fixture
def pay_cli(signed_in_agent, pay_stack, monkeypatch):
    """A signed-in agent whose CLI talks to `pay_stack`; returns the agent."""
    _point_cli_at(pay_stack, monkeypatch)
    return signed_in_agent


@pytest.fixture
def sandbox_cli(signed_in_agent, sandbox_stack, monkeypatch):
    """A signed-in agent whose CLI talks to `sandbox_stack`, with its service role key (what
    `stagefy local payfast` uses on the local stack)."""
    _point_cli_at(sandbox_stack, monkeypatch)
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", sandbox_stack.service_role_key)
    return signed_in_agent
