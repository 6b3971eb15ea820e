"""One TLS context per process for the httpx clients Stagefy makes, and the client supabase-py gets.

httpx builds a new SSL context for every `httpx.Client`, loading the CA bundle again: about 20 ms of
CPU each. supabase-py makes one client per service it uses (Auth, PostgREST, Storage, Functions) and
the AI providers one per call, so a command or a job paid that several times over. An SSL context is
safe to share between clients and threads once built.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

    import httpx

# supabase-py's longest default (PostgREST's); its others are 20 s (Storage) and 5 s (Functions), and
# a client passed to it takes over all of them.
SUPABASE_TIMEOUT_S = 120.0


@functools.cache
def context() -> ssl.SSLContext:
    """httpx's own default context (certifi's CA bundle, or SSL_CERT_FILE / SSL_CERT_DIR), built once."""
    import httpx

    return httpx.create_ssl_context()


def client(**options) -> httpx.Client:
    """An `httpx.Client` with the shared TLS context (`options` as httpx.Client takes them)."""
    import httpx

    return httpx.Client(verify=context(), **options)


def async_client(**options) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` with the shared TLS context (the local gateway's outgoing calls)."""
    import httpx

    return httpx.AsyncClient(verify=context(), **options)


def supabase_http() -> httpx.Client:
    """The HTTP client for one supabase-py client, shared by its services as `ClientOptions`
    allows. Built as the SDK builds its own (HTTP/2, its longest timeout), with two differences:
    the shared TLS context, and redirects not followed. The SDK's Functions client drops the
    project key from a redirect to another origin, which a plain httpx client would forward; no
    Supabase API that Stagefy calls redirects, so not following any is the safe equivalent."""
    return client(http2=True, timeout=SUPABASE_TIMEOUT_S, follow_redirects=False)
