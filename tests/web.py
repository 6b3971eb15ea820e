"""httpx's request functions with the process's one TLS context: `web.post(url, ...)` is
`web.post(url, ...)`, a new client and connection for each call. httpx builds a new TLS context
for each such client (loading the CA bundle: about 20 ms of CPU), and the suite makes thousands of
calls, most of them to plain http://127.0.0.1."""

from __future__ import annotations

import httpx

from stagefy_cli.backend import tls


def request(method: str, url: str, **options) -> httpx.Response:
    with tls.client() as client:
        return client.request(method, url, **options)


def get(url: str, **options) -> httpx.Response:
    return request("GET", url, **options)


def post(url: str, **options) -> httpx.Response:
    return request("POST", url, **options)
