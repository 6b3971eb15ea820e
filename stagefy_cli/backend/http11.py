"""One HTTP/1.1 client connection over a socket: what `wire.Wire` keeps alive and pools.

Hand-written because of start-up time: every maintained client costs more to import than an
everyday command may spend on all its imports. `http.client` imports `email` and `ssl` (about 25 ms
on these machines, even for a local `http://` URL), h11 about as much, and urllib3 and httpx import
`http.client`. This module imports only `socket` (and `ssl` for an `https://` URL, when the first
connection is made), and speaks the part of HTTP/1.1 the CLI's calls need: a request whose body is
bytes or a file of known length, and an answer whose body is framed by Content-Length, chunked, or
ends when the server closes the connection (RFC 9112 section 6.3), on a kept-alive connection.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import BinaryIO

MAX_LINE = 65536  # a status or header line longer than this is not HTTP
MAX_HEADERS = 100
CHUNK = 1 << 16


class ProtocolError(OSError):
    """The server's answer is not HTTP/1.1 as this client reads it."""


class RemoteDisconnected(ConnectionResetError):
    """The server closed the connection before answering (often an idle kept-alive one)."""


class Connection:
    """A connection to one host, opened on the first request, reused for the next ones while
    the server keeps it open (`Response.reusable` once its body was read to the end)."""

    def __init__(self, host: str, port: int | None, timeout: float, tls=None):
        self.host = host
        self.port = port or (443 if tls else 80)
        self.timeout = timeout
        self.tls = tls  # an ssl.SSLContext for https, else None
        self.sock: socket.socket | None = None
        self._reader: BinaryIO | None = None
        default_port = 443 if tls else 80
        name = f"[{host}]" if ":" in host else host
        self._host_header = name if self.port == default_port else f"{name}:{self.port}"

    def settimeout(self, timeout: float) -> None:
        self.timeout = timeout
        if self.sock is not None:
            self.sock.settimeout(timeout)

    def _connect(self) -> None:
        # an ASCII name as bytes: a str would be encoded with the idna codec, whose import (with
        # stringprep and unicodedata) costs more than the rest of the connection
        host = self.host.encode("ascii") if self.host.isascii() else self.host
        sock = socket.create_connection((host, self.port), self.timeout)  # type: ignore[arg-type]  # bytes: see above
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        self._reader = sock.makefile("rb")

    def close(self) -> None:
        sock, reader, self.sock, self._reader = self.sock, self._reader, None, None
        if reader is not None:
            reader.close()
        if sock is not None:
            sock.close()

    def request(self, method: str, target: str, body=None, headers: dict[str, str] | None = None) -> Response:
        """Send a request (`body`: bytes, a binary file sent as it is read with the caller's
        Content-Length, or None) and read the answer's status and headers."""
        if self.sock is None:
            self._connect()
        sock = self.sock
        if sock is None:  # _connect sets it or raises
            raise RemoteDisconnected("the connection is closed")
        fields = {"Host": self._host_header, "Accept-Encoding": "identity"}
        fields.update(headers or {})
        names = {name.lower() for name in fields}
        if "content-length" not in names:
            if isinstance(body, bytes | bytearray):
                fields["Content-Length"] = str(len(body))
            elif body is None and method in ("POST", "PUT", "PATCH"):
                fields["Content-Length"] = "0"
            elif body is not None:
                raise ValueError("a file body needs its Content-Length")
        head = [f"{method} {target} HTTP/1.1"] + [f"{name}: {value}" for name, value in fields.items()]
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if isinstance(body, bytes | bytearray):
            sock.sendall(data + body)
        else:
            sock.sendall(data)
            while body is not None and (chunk := body.read(CHUNK)):
                sock.sendall(chunk)
        return self._response(method)

    def _line(self) -> bytes:
        line = self._stream().readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise ProtocolError("header line too long")
        return line

    def _response(self, method: str) -> Response:
        while True:
            line = self._line()
            if not line:
                raise RemoteDisconnected("Remote end closed connection without response")
            version, _, rest = line.decode("latin-1").partition(" ")
            code = rest[:3]
            if not version.startswith("HTTP/1.") or not (code.isascii() and code.isdigit()):
                raise ProtocolError(f"not an HTTP/1.1 status line: {line[:40]!r}")
            status = int(code)
            headers = self._headers()
            if status >= 200 or status == 101:
                break  # 100 Continue and other interim answers are followed by the real one
        return Response(self, method, status, version, headers)

    def _stream(self) -> BinaryIO:
        if self._reader is None:
            raise RemoteDisconnected("the connection is closed")
        return self._reader

    def _headers(self) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        while True:
            line = self._line()
            if line in (b"\r\n", b"\n", b""):
                return headers
            if len(headers) >= MAX_HEADERS:
                raise ProtocolError("too many headers")
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon:
                raise ProtocolError(f"not a header line: {line[:40]!r}")
            headers.append((name.strip(), value.strip()))


class Response:
    """An answer whose body is read as it arrives, by `read()` (all of it) or `read(size)`."""

    def __init__(self, connection: Connection, method: str, status: int, version: str, headers):
        self.status = status
        self.headers = headers  # [(name, value)] as sent
        fields = {name.lower(): value for name, value in headers}
        tokens = {t.strip().lower() for t in fields.get("connection", "").split(",")}
        self.will_close = "close" in tokens or (version == "HTTP/1.0" and "keep-alive" not in tokens)
        self._reader = connection._stream()
        self._chunked = False
        self._left: int | None = None  # bytes left in the body (or the current chunk); None: to close
        if method == "HEAD" or status in (204, 304) or status < 200:
            self._left = 0
        elif "chunked" in fields.get("transfer-encoding", "").lower():
            self._chunked, self._left = True, self._next_chunk_size()
        elif "content-length" in fields:
            length = fields["content-length"]
            if not (length.isascii() and length.isdigit()):
                raise ProtocolError(f"bad Content-Length {length!r}")
            self._left = int(length)
        else:
            self.will_close = True  # the body ends when the server closes the connection
        self._done = self._left == 0

    @property
    def reusable(self) -> bool:
        """The body was read to its end and the server keeps the connection open."""
        return self._done and not self.will_close

    def _next_chunk_size(self) -> int:
        line = self._reader.readline(MAX_LINE + 1)
        size = line.split(b";", 1)[0].strip()
        try:
            value = int(size, 16)
        except ValueError:
            raise ProtocolError(f"bad chunk size {line[:20]!r}") from None
        if value == 0:  # the last chunk: trailer lines up to a blank one
            while self._reader.readline(MAX_LINE + 1) not in (b"\r\n", b"\n", b""):
                pass
        return value

    def _exactly(self, size: int) -> bytes:
        data = self._reader.read(size)
        if len(data) < size:
            raise ProtocolError(f"the answer ended {size - len(data)} bytes early")
        return data

    def read(self, size: int | None = None) -> bytes:
        if self._done:
            return b""
        if self._left is None:  # until the server closes the connection
            data = self._reader.read() if size is None else self._reader.read(size)
            self._done = size is None or not data
            return data
        parts = []
        wanted = size if size is not None else -1
        while not self._done and wanted != 0:
            take = self._left if wanted < 0 else min(self._left, wanted)
            parts.append(self._exactly(take))
            self._left -= take
            wanted = wanted - take if wanted > 0 else wanted
            if self._left == 0:
                if self._chunked:
                    self._exactly(2)  # the CRLF after the chunk's data
                    self._left = self._next_chunk_size()
                self._done = self._left == 0
        return b"".join(parts)
