"""The HTTP client Stagefy hands supabase-py (one per client, its TLS context shared by the process)
keeps what the SDK's own clients guarantee: the project key never travels to another origin."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from supabase_functions.errors import FunctionsHttpError

from stagefy_cli.backend import client as backend_client
from stagefy_cli.backend.config import Profile


class _Recorder(BaseHTTPRequestHandler):
    """Answers every request with `self.server.answer` (status, headers) and records its headers."""

    def _handle(self):
        self.server.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        status, headers = self.server.answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _handle

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def _serve(status: int, headers: dict | None = None) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
        server.seen, server.answer = [], (status, headers or {})
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()  # quick to shut down
        servers.append(server)
        return server

    yield _serve
    for server in servers:
        server.shutdown()
        server.server_close()


def _url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_an_edge_function_redirect_to_another_origin_does_not_carry_the_key(serve):
    elsewhere = serve(200)
    project = serve(302, {"Location": f"{_url(elsewhere)}/collect"})
    supabase = backend_client.create(Profile("shop", _url(project), "sb_publishable_shop_key"))

    with pytest.raises(FunctionsHttpError):  # a redirect is not the function's answer
        supabase.functions.invoke("payfast-checkout", invoke_options={"body": {"pack": "starter"}})

    [(method, path, headers)] = project.seen
    assert (method, path) == ("POST", "/functions/v1/payfast-checkout")
    assert headers["apikey"] == "sb_publishable_shop_key"
    sent_on = [{name.lower(): value for name, value in headers.items()} for _, _, headers in elsewhere.seen]
    assert not [headers for headers in sent_on if "apikey" in headers or "authorization" in headers]


def test_table_and_function_calls_carry_the_project_key(serve):
    """PostgREST and Functions of one supabase-py client share its HTTP client, each with the
    project's key on its own path."""
    project = serve(200, {"Content-Type": "application/json"})
    supabase = backend_client.create(Profile("shop", _url(project), "sb_publishable_shop_key"))

    supabase.table("prices").select("code").execute()
    supabase.functions.invoke("payfast-checkout", invoke_options={"body": {}})

    paths = [path.split("?")[0] for _, path, _ in project.seen]
    assert paths == ["/rest/v1/prices", "/functions/v1/payfast-checkout"]
    assert {headers["apikey"] for _, _, headers in project.seen} == {"sb_publishable_shop_key"}
