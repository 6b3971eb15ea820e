"""The CLI's HTTP/1.1 connection reads every framing of an answer a server may send (RFC 9112 6.3)
and keeps a connection only when the answer was read to its end and the server keeps it open.

The server here is a real socket that sends scripted bytes, so each framing is exactly the one
under test; the pooled, kept-alive use is covered by test_wire_pool.py against Python's own server.
"""

from __future__ import annotations

import io
import shutil
import socket
import ssl
import subprocess
import threading

import pytest

from stagefy_cli.backend.http11 import Connection, ProtocolError, RemoteDisconnected


class Scripted:
    """A server that answers each request on one connection with the next scripted bytes (None:
    close the connection instead), and records the requests it read."""

    def __init__(self, answers: list[bytes | None], tls: ssl.SSLContext | None = None):
        self.answers = list(answers)
        self.tls = tls
        self.requests: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        if self.tls is not None:
            try:
                conn = self.tls.wrap_socket(conn, server_side=True)
            except OSError:  # a client refusing the certificate (or resetting): the refusal some tests want
                conn.close()
                return
        reader = conn.makefile("rb")
        with conn, reader:
            for answer in self.answers:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = reader.readline()
                    if not line:
                        return
                    head += line
                length = next(
                    (
                        int(h.split(b":")[1])
                        for h in head.split(b"\r\n")
                        if h.lower().startswith(b"content-length")
                    ),
                    0,
                )
                self.requests.append(head + reader.read(length))
                if answer is None:
                    return
                conn.sendall(answer)

    def connection(self) -> Connection:
        return Connection("127.0.0.1", self.port, timeout=5)


def test_content_length_answers_keep_the_connection():
    server = Scripted(
        [
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            b"HTTP/1.1 404 No\r\nContent-Length: 2\r\n\r\n{}",
        ]
    )
    connection = server.connection()
    first = connection.request("GET", "/a?b=1")
    assert (first.status, first.read(), first.reusable) == (200, b"hello", True)
    second = connection.request("POST", "/b", body=b'{"x":1}', headers={"Content-Type": "application/json"})
    assert (second.status, second.read(2), second.reusable) == (404, b"{}", True)
    assert server.requests[0].startswith(b"GET /a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:")
    assert server.requests[1].endswith(b'Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{"x":1}')


def test_chunked_answer_read_whole_and_in_pieces():
    body = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
    server = Scripted([body, body])
    connection = server.connection()
    assert connection.request("GET", "/").read() == b"hello world"
    pieces = connection.request("GET", "/")
    assert [pieces.read(4), pieces.read(4), pieces.read(4), pieces.read(4)] == [b"hell", b"o wo", b"rld", b""]
    assert pieces.reusable


def test_answers_without_a_body_and_interim_answers():
    server = Scripted(
        [
            b"HTTP/1.1 204 No Content\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n",  # to HEAD: the length, no body
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
        ]
    )
    connection = server.connection()
    assert connection.request("DELETE", "/x").reusable
    head = connection.request("HEAD", "/x")
    assert (head.status, head.read(), head.reusable) == (200, b"", True)
    created = connection.request("PUT", "/x", body=io.BytesIO(b"abc"), headers={"Content-Length": "3"})
    assert (created.status, created.read()) == (201, b"ok")
    assert server.requests[2].endswith(b"Content-Length: 3\r\n\r\nabc")


def test_a_body_until_close_and_connection_close_are_not_reused():
    server = Scripted([b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx"])
    answer = server.connection().request("GET", "/")
    assert (answer.read(), answer.will_close, answer.reusable) == (b"x", True, False)
    server = Scripted([b"HTTP/1.0 200 OK\r\n\r\nall of it"])
    answer = server.connection().request("GET", "/")
    assert (answer.read(), answer.reusable) == (b"all of it", False)


def test_a_closed_connection_and_a_short_or_bad_answer_are_errors():
    server = Scripted([None])
    with pytest.raises(RemoteDisconnected):
        server.connection().request("GET", "/")
    server = Scripted([b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"])
    with pytest.raises(ProtocolError, match="5 bytes early"):
        server.connection().request("GET", "/").read()
    server = Scripted([b"SSH-2.0-OpenSSH\r\n\r\n"])
    with pytest.raises(ProtocolError):
        server.connection().request("GET", "/")


@pytest.mark.skipif(not shutil.which("openssl"), reason="makes its certificate with the openssl tool")
def test_https_checks_the_certificate_and_the_host_name(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))
    server = Scripted([b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret"], tls=server_side)
    answer = Connection("localhost", server.port, timeout=5, tls=trusting).request("GET", "/")
    assert (answer.status, answer.read()) == (200, b"secret")
    server = Scripted([b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"], tls=server_side)
    with pytest.raises(ssl.SSLCertVerificationError):  # the system's CAs do not know this one
        Connection("localhost", server.port, timeout=5, tls=ssl.create_default_context()).request("GET", "/")
