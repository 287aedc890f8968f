"""Interoperability with the standard library's HTTP code, which nobody here wrote.

Requests are what ``http.client`` writes (literal octets, as its ``putrequest`` /
``putheader`` / ``endheaders`` produce them); responses come from the real
``http.server.BaseHTTPRequestHandler`` run over in-memory streams; our own output is read
back by ``http.server`` and ``http.client.parse_headers``.
"""

from __future__ import annotations

import http.client
import http.server
import io
from typing import ClassVar

from asiolike.beast import http as bhttp
from asiolike.beast.http import field, status, verb
from tests.beast.http.http_feed import parse_request, parse_response


class _Handler(http.server.BaseHTTPRequestHandler):
    """The stdlib request handler, reading and writing memory instead of a socket."""

    seen: ClassVar[list[tuple[str, str, str, list[tuple[str, str]], bytes]]] = []
    output = b""

    def setup(self) -> None:
        self.rfile = io.BytesIO(self.request)
        self._written = io.BytesIO()
        self.wfile = self._written

    def finish(self) -> None:
        self.output = self._written.getvalue()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _record(self) -> bytes:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        record = (self.command, self.path, self.request_version, self.headers.items(), body)
        self.seen.append(record)
        return body

    def do_GET(self) -> None:
        self._record()
        payload = b"hello from http.server"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        body = self._record()
        self.send_response(201, "Made It")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Http11Handler(_Handler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._record()
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for piece in (b"chunk one, ", b"chunk two"):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")


def _serve(handler: type[_Handler], request: bytes) -> bytes:
    _Handler.seen.clear()
    instance = handler(request, ("127.0.0.1", 0), None)  # type: ignore[arg-type]
    return instance.output


# -- requests written by http.client -------------------------------------------------------


def test_http_client_get() -> None:
    # HTTPConnection("example.com").request("GET", "/path?q=1") writes exactly this.
    data = b"GET /path?q=1 HTTP/1.1\r\nHost: example.com\r\nAccept-Encoding: identity\r\n\r\n"
    outcome, p = parse_request(data)
    assert outcome.start_line == ("GET", "/path?q=1", 11)
    assert outcome.fields == (("Host", "example.com"), ("Accept-Encoding", "identity"))
    assert p.keep_alive()


def test_http_client_post_with_body() -> None:
    # request("POST", "/submit", body=b'{"a": 1}', headers={"Content-Type": "application/json"})
    data = (
        b"POST /submit HTTP/1.1\r\nHost: example.com:8080\r\nAccept-Encoding: identity\r\n"
        b"Content-Length: 8\r\nContent-Type: application/json\r\n\r\n"
        b'{"a": 1}'
    )
    outcome, p = parse_request(data)
    assert outcome.body == b'{"a": 1}' and p.content_length() == 8
    assert p.get()[field.content_type] == "application/json"


def test_http_client_chunked_upload() -> None:
    # request("PUT", "/up", body=iter([b"abc", b"defg"]), encode_chunked=True)
    data = (
        b"PUT /up HTTP/1.1\r\nHost: h\r\nAccept-Encoding: identity\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
    )
    outcome, p = parse_request(data)
    assert outcome.body == b"abcdefg" and p.chunked()


# -- responses written by http.server ------------------------------------------------------


def test_http_server_response() -> None:
    output = _serve(_Handler, b"GET /hello HTTP/1.0\r\nHost: h\r\n\r\n")
    outcome, p = parse_response(output, eof=True)
    assert outcome.ec == "success"
    assert outcome.start_line is not None and outcome.start_line[:2] == (10, 200)
    assert outcome.body == b"hello from http.server"
    res = p.get()
    assert res[field.server].startswith("BaseHTTP/") and res[field.date].endswith("GMT")
    assert not p.keep_alive()


def test_http_server_error_response() -> None:
    output = _serve(_Handler, b"BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n")
    outcome, p = parse_response(output, eof=True)
    assert outcome.start_line == (10, 501, "Unsupported method ('BREW')")
    assert p.get()[field.connection] == "close" and not p.keep_alive()
    assert p.get()[field.content_type].startswith("text/html")
    assert len(outcome.body or b"") == p.content_length()


def test_http_server_chunked_response() -> None:
    output = _serve(_Http11Handler, b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    outcome, p = parse_response(output)
    assert outcome.body == b"chunk one, chunk two" and p.chunked()


# -- our output read by the standard library -------------------------------------------------


def test_http_server_reads_our_request() -> None:
    req = bhttp.request(verb.post, "/echo?x=%20y", 11, b"payload \x00\xff")
    req.set(field.host, "localhost")
    req.set(field.user_agent, "asiolike")
    req.set("X-Latin", "caf\xe9")
    req.prepare_payload()
    output = _serve(_Handler, bhttp.to_bytes(req))
    command, path, version, headers, body = _Handler.seen[0]
    assert (command, path, version) == ("POST", "/echo?x=%20y", "HTTP/1.1")
    assert headers == [
        ("Host", "localhost"),
        ("User-Agent", "asiolike"),
        ("X-Latin", "caf\xe9"),
        ("Content-Length", "10"),
    ]
    assert body == b"payload \x00\xff"
    outcome, _ = parse_response(output, eof=True)
    assert outcome.start_line == (10, 201, "Made It") and outcome.body == body


def test_http_client_reads_our_response_header() -> None:
    res = bhttp.response(status.ok, 11, "{}")
    res.set(field.content_type, "application/json")
    res.insert(field.set_cookie, "a=1")
    res.insert(field.set_cookie, "b=2")
    res.prepare_payload()
    data = bhttp.to_bytes(res)
    status_line, _, rest = data.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 200 OK"
    headers = http.client.parse_headers(io.BytesIO(rest))
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert headers["Content-Length"] == "2" and headers["content-type"] == "application/json"
