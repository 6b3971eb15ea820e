"""HTTP/1.1 with keep-alive for the CLI's own calls, over the standard library's `http.client`.

Hand-written on purpose, because of start-up time: `import httpx` costs about 20x a bare Python
start on these machines (httpcore loads h2 whenever it is installed, and httpx its command-line
module with click, rich and pygments), while `http.client` costs about 2x. The everyday commands
make one to three sequential requests, so a connection per thread with keep-alive is all they need.
"""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from stagefy_cli.backend.api_errors import ApiError

TIMEOUT_S = 30.0


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
        return connection

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
        self._local.connection = None

    def request(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        json_body=None,
    ) -> Reply:
        """Send one request; a kept-alive connection the server has closed is reopened once for
        GET and HEAD (never for a call that may have changed something)."""
        url = self._prefix + path + ("?" + urlencode(params, quote_via=quote) if params else "")
        headers = dict(headers or {})
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        retry = method in ("GET", "HEAD")
        while True:
            connection = self._connection()
            reused = self._local.used
            connection.timeout = self.timeout
            if connection.sock is not None:
                connection.sock.settimeout(self.timeout)
            try:
                connection.request(method, url, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError) as exc:
                self._drop_connection()
                stale = isinstance(
                    exc, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError
                )
                if retry and reused and stale:
                    retry = False
                    continue
                raise ApiError("transport", str(exc) or type(exc).__name__) from exc
            self._local.used = True
            if response.will_close:
                self._drop_connection()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
