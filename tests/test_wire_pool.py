"""The thin client's connections (`backend/wire.py`), seen from a small local HTTP/1.1 server: threads
take turns on kept-alive connections instead of opening one each (the worker runs every job in a
thread of its own), and a kept-alive connection the server has closed costs a read nothing and is
never used to send a change twice."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from stagefy_cli.backend.api_errors import ApiError
from stagefy_cli.backend.wire import IDLE_REOPEN_S, Wire


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the handler closes

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.posts.append(self.path)
        self.answer()

    def answer(self) -> None:
        self.server.ports.append(self.client_address[1])
        if self.server.together is not None:
            self.server.together.wait(10)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
        # Like a server whose keep-alive timeout ran out: closed without saying so in the answer.
        self.close_connection = self.path == "/close"

    def log_message(self, *args) -> None:
        """Quiet."""


class RecordingServer(ThreadingHTTPServer):
    """Notes the client port of every request and the path of every POST; closes the connection
    after answering a request for `/close`."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.ports: list[int] = []
        self.posts: list[str] = []
        self.together: threading.Barrier | None = None  # requests held until this many arrived
        self.closed = threading.Event()  # a connection was closed by the server

    def shutdown_request(self, request) -> None:
        super().shutdown_request(request)
        self.closed.set()


@pytest.fixture
def server():
    running = RecordingServer()
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


def in_threads(count: int, call) -> list:
    """`call()` in `count` threads started together; their results."""
    results: list = [None] * count

    def run(index: int) -> None:
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_threads_take_turns_on_kept_alive_connections(server):
    wire = Wire(f"http://127.0.0.1:{server.server_port}")
    for _ in range(5):  # one thread per request, one after another (the worker's thread per job)
        assert in_threads(1, lambda: wire.request("POST", "/rpc", json_body={}).body) == [b"ok"]
    assert len(set(server.ports)) == 1

    server.together = threading.Barrier(3)  # three requests at once need three connections
    assert in_threads(3, lambda: wire.request("GET", "/x").status) == [200, 200, 200]
    server.together = None
    for _ in range(10):
        in_threads(1, lambda: wire.request("GET", "/x"))
    assert len(server.ports) == 18
    assert len(set(server.ports)) == 3


@pytest.mark.slow  # waits for kept-alive connections to go idle and stale (about 3 s)
def test_a_kept_alive_connection_the_server_closed(server):
    wire = Wire(f"http://127.0.0.1:{server.server_port}")

    def answered_then_closed(method: str) -> None:
        server.closed.clear()
        wire.request(method, "/close", json_body={} if method == "POST" else None)
        assert server.closed.wait(10)

    # A read is sent again, once, on a new connection.
    answered_then_closed("GET")
    assert wire.request("GET", "/x").body == b"ok"
    assert len(server.ports) == 2 and len(set(server.ports)) == 2

    # A change is never sent again: the caller hears that it may not have arrived.
    answered_then_closed("POST")
    with pytest.raises(ApiError) as refused:
        wire.request("POST", "/rpc", json_body={"n": 1})
    assert refused.value.service == "transport"
    assert server.posts == ["/close"]

    # ... and after IDLE_REOPEN_S idle it does not meet a closed connection at all.
    answered_then_closed("POST")
    time.sleep(IDLE_REOPEN_S + 0.2)
    assert wire.request("POST", "/rpc", json_body={"n": 2}).body == b"ok"
    assert server.posts == ["/close", "/close", "/rpc"]
