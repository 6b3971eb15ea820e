"""HTTP/1.1 with keep-alive for the CLI's own calls, over the standard library's `http.client`.

Hand-written on purpose, because of start-up time: `import httpx` costs about 20x a bare Python
start on these machines (httpcore loads h2 whenever it is installed, and httpx its command-line
module with click, rich and pygments), while `http.client` costs about 2x. The CLI's requests are
sequential within a thread (uploads and downloads run a few threads), so a connection per thread
with keep-alive is all it needs. Bodies are streamed both ways: an upload is read from its file as
it is sent, and `stream()` hands a download over in chunks.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import quote, urlencode, urlsplit

from stagefy_cli.backend.api_errors import ApiError

TIMEOUT_S = 30.0
# Servers close idle keep-alive connections after a few seconds (uvicorn after 5); a request that
# may change something is not sent again on a closed one, so past this idle time it gets a new one.
IDLE_REOPEN_S = 2.0
CHUNK = 1 << 16


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self):
        return json.loads(self.body) if self.body else None


class Wire:
    """Requests to one API base URL (e.g. `http://127.0.0.1:54321`), one connection per thread."""

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
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            if self._https:
                import ssl

                connection = http.client.HTTPSConnection(
                    self._host, self._port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                connection = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
            self._local.connection = connection
            self._local.used = False
            self._local.last_used = 0.0
        return connection

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
        self._local.connection = None

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
        the server has closed is reopened once for GET and HEAD (never for a call that may have
        changed something, which gets a fresh connection after IDLE_REOPEN_S instead)."""
        url = self._prefix + path + ("?" + urlencode(params, quote_via=quote) if params else "")
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        retry = method in ("GET", "HEAD")
        if not retry and time.monotonic() - getattr(self._local, "last_used", 0.0) > IDLE_REOPEN_S:
            self._drop_connection()
        while True:
            connection = self._connection()
            reused = self._local.used
            connection.timeout = self.timeout
            if connection.sock is not None:
                connection.sock.settimeout(self.timeout)
            try:
                connection.request(method, url, body=body, headers=headers)
                response = connection.getresponse()
            except (http.client.HTTPException, OSError) as exc:
                self._drop_connection()
                stale = isinstance(
                    exc, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError
                )
                if retry and reused and stale:
                    retry = False
                    continue
                raise ApiError("transport", str(exc) or type(exc).__name__) from exc
            break
        answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response)
        try:
            yield answer
        finally:
            if response.isclosed() and not response.will_close:
                self._local.used = True  # read to the end: the connection serves the next request
                self._local.last_used = time.monotonic()
            else:  # the answer was not read to its end, or the server closes the connection
                self._drop_connection()


class Answer:
    """An answer whose body is read as it arrives: `read()` all of it, or `chunks()`."""

    def __init__(self, status: int, headers: dict[str, str], response: http.client.HTTPResponse):
        self.status = status
        self.headers = headers  # lower-case names
        self._response = response

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def read(self) -> bytes:
        try:
            return self._response.read()
        except (http.client.HTTPException, OSError) as exc:
            raise ApiError("transport", str(exc) or type(exc).__name__) from exc

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        while True:
            try:
                chunk = self._response.read(size)
            except (http.client.HTTPException, OSError) as exc:
                raise ApiError("transport", str(exc) or type(exc).__name__) from exc
            if not chunk:
                return
            yield chunk
