"""HTTP/1.1 with keep-alive for the CLI's and the worker's calls, over `http11.py`'s connections.

Hand-written on purpose, because of start-up time and CPU: `import httpx` costs about 20x a bare
Python start on these machines (httpcore loads h2 whenever it is installed, and httpx its
command-line module with click, rich and pygments), and even `http.client` costs about 1.5x (it
imports `email` and `ssl`); and a request costs the caller a fraction of httpx's CPU, which is most
of what a no-op job costs the worker. A
`Wire` keeps a few idle keep-alive connections that any thread takes one of for a request and gives
back once the answer was read to its end, so the worker's thread per job and the CLI's upload and
download threads reuse connections instead of opening one each. Bodies are streamed both ways: an
upload is read from its file as it is sent, and `stream()` hands a download over in chunks.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, NamedTuple
from urllib.parse import quote, urlencode, urlsplit

from stagefy_cli.backend.api_errors import ApiError
from stagefy_cli.backend.http11 import Connection, RemoteDisconnected, Response

if TYPE_CHECKING:
    import ssl

TIMEOUT_S = 30.0
# Servers close idle keep-alive connections after a few seconds (uvicorn after 5); a request that
# may change something is not sent again on a closed one, so past this idle time it gets a new one.
IDLE_REOPEN_S = 2.0
# Idle connections kept for the next requests: as many as requests usually run at once (a worker's
# jobs, the CLI's transfer threads); a burst above it opens more and closes the extra ones after.
MAX_IDLE = 8
CHUNK = 1 << 16


class Reply(NamedTuple):  # NamedTuple, not a dataclass: dataclasses imports inspect, half a bare start
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self):
        return json.loads(self.body) if self.body else None


class _Idle(NamedTuple):
    connection: Connection
    since: float  # time.monotonic() when its last answer was read to the end


class Wire:
    """Requests to one API base URL (e.g. `http://127.0.0.1:54321`) from any number of threads, over a
    small pool of keep-alive connections."""

    def __init__(self, base_url: str, timeout: float = TIMEOUT_S):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ApiError("transport", f"'{base_url}' is not an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self.timeout = timeout  # seconds per connect, send or read; may be changed between requests
        self._idle: list[_Idle] = []  # oldest first: the last one given back is taken first
        self._lock = threading.Lock()
        # One TLS context for all connections (loading the CA store costs ms), made on first use.
        self._tls: ssl.SSLContext | None = None

    def _new_connection(self) -> Connection:
        if self._https and self._tls is None:
            import ssl

            self._tls = ssl.create_default_context()
        return Connection(self._host, self._port, self.timeout, self._tls if self._https else None)

    def _take(self, fresh_within: float | None) -> tuple[Connection, bool]:
        """An idle connection (and True), or a new one (and False). With `fresh_within`, idle ones
        older than that are closed instead: the server may have closed them already."""
        stale: list[_Idle] = []
        taken = None
        with self._lock:
            if fresh_within is not None:
                cutoff = time.monotonic() - fresh_within
                while self._idle and self._idle[0].since < cutoff:
                    stale.append(self._idle.pop(0))
            if self._idle:
                taken = self._idle.pop()
        for idle in stale:
            idle.connection.close()
        if taken is not None:
            return taken.connection, True
        return self._new_connection(), False

    def _give_back(self, connection: Connection) -> None:
        with self._lock:
            if len(self._idle) < MAX_IDLE:
                self._idle.append(_Idle(connection, time.monotonic()))
                return
        connection.close()

    def request(self, method: str, path: str, **options) -> Reply:
        """Send one request and read its whole answer (`options` as `stream` takes them)."""
        with self.stream(method, path, **options) as answer:
            return Reply(answer.status, answer.headers, answer.read())

    @contextlib.contextmanager
    def stream(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        json_body=None,
        body: bytes | BinaryIO | None = None,
    ) -> Iterator[Answer]:
        """Send one request and hand over its answer to be read in chunks; `body` is bytes or a binary
        file (sent as it is read, with `Content-Length` set by the caller). A kept-alive connection
        the server has closed is replaced by a new one once for GET and HEAD (never for a call that
        may have changed something, which gets no connection idle for more than IDLE_REOPEN_S)."""
        url = self._prefix + path + ("?" + urlencode(params, quote_via=quote) if params else "")
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        retry = method in ("GET", "HEAD")
        connection, reused = self._take(None if retry else IDLE_REOPEN_S)
        while True:
            connection.settimeout(self.timeout)
            try:
                response = connection.request(method, url, body=body, headers=headers)
            except OSError as exc:
                connection.close()
                stale = isinstance(exc, RemoteDisconnected | ConnectionResetError | BrokenPipeError)
                if retry and reused and stale:
                    retry, reused = False, False
                    connection = self._new_connection()
                    continue
                raise ApiError("transport", str(exc) or type(exc).__name__) from exc
            break
        answer = Answer(response.status, {k.lower(): v for k, v in response.headers}, response)
        try:
            yield answer
        finally:
            if response.reusable:
                self._give_back(connection)  # read to the end: the connection serves another request
            else:  # the answer was not read to its end, or the server closes the connection
                connection.close()


class Answer:
    """An answer whose body is read as it arrives: `read()` all of it, or `chunks()`."""

    def __init__(self, status: int, headers: dict[str, str], response: Response):
        self.status = status
        self.headers = headers  # lower-case names
        self._response = response

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def read(self) -> bytes:
        try:
            return self._response.read()
        except OSError as exc:
            raise ApiError("transport", str(exc) or type(exc).__name__) from exc

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        while True:
            try:
                chunk = self._response.read(size)
            except OSError as exc:
                raise ApiError("transport", str(exc) or type(exc).__name__) from exc
            if not chunk:
                return
            yield chunk
