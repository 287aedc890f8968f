"""Tests for asiolike.beast.http.serializer, including round trips through the parser."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asiolike.beast import http
from asiolike.beast.http import field, status, verb
from tests.beast.http.http_feed import feed_all_ways, parse_request, parse_response


def drain(sr: http.serializer[http.request] | http.serializer[http.response], step: int) -> bytes:
    out = bytearray()
    while not sr.is_done():
        buf = sr.next()
        assert buf is not None and len(buf) > 0
        n = min(step, len(buf))
        out += bytes(buf[:n])
        sr.consume(n)
    assert sr.next() is None
    return bytes(out)


def test_response_bytes() -> None:
    res = http.response(status.not_found, 11, "nope")
    res.set(field.server, "asiolike")
    res.prepare_payload()
    assert http.to_bytes(res) == (
        b"HTTP/1.1 404 Not Found\r\nServer: asiolike\r\nContent-Length: 4\r\n\r\nnope"
    )
    res = http.response(299, 10)
    res.reason("Whatever")
    assert http.to_bytes(res) == b"HTTP/1.0 299 Whatever\r\n\r\n"


def test_request_bytes() -> None:
    req = http.request(verb.get, "/index.html", 11)
    req.set(field.host, "example.com")
    req.set(field.user_agent, "test")
    assert http.to_bytes(req) == (
        b"GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test\r\n\r\n"
    )
    req = http.request("BREW", "/pot", 10, "caf\xe9")
    req.prepare_payload()
    assert http.to_bytes(req) == b"BREW /pot HTTP/1.0\r\nContent-Length: 5\r\n\r\ncaf\xc3\xa9"
    req = http.request(verb.get, "/")
    req.set("X-Latin", "caf\xe9")
    assert http.to_bytes(req) == b"GET / HTTP/1.1\r\nX-Latin: caf\xe9\r\n\r\n"


def test_chunked_bytes() -> None:
    res = http.response(status.ok, 11, b"hello world")
    res.chunked(True)
    assert http.to_bytes(res) == (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello world\r\n0\r\n\r\n"
    )
    res.body = b""
    assert http.to_bytes(res).endswith(b"chunked\r\n\r\n0\r\n\r\n")


@pytest.mark.parametrize("step", [1, 7, 1 << 30])
def test_next_and_consume_in_steps(step: int) -> None:
    res = http.response(status.ok, 11, b"x" * 100)
    res.set(field.content_type, "text/plain")
    res.prepare_payload()
    sr = http.serializer(res)
    assert sr.get() is res and not sr.is_done() and not sr.is_header_done()
    assert drain(sr, step) == http.to_bytes(res)
    assert sr.is_header_done() and sr.is_done()


def test_small_message_is_one_buffer() -> None:
    res = http.response(status.ok, 11, b"x" * 1000)
    res.prepare_payload()
    sr = http.response_serializer(res)
    first = sr.next()
    assert isinstance(first, bytes) and first == http.to_bytes(res)
    assert sr.next() is first  # the same octets until consumed
    sr.consume(10)
    assert bytes(sr.next() or b"") == first[10:]
    assert not sr.is_header_done()


def test_large_body_is_not_copied() -> None:
    body = bytes(100_000)
    res = http.response(status.ok, 11, body)
    res.prepare_payload()
    sr = http.serializer(res)
    head = sr.next()
    assert head is not None and bytes(head).endswith(b"\r\n\r\n")
    sr.consume(len(head))
    assert sr.is_header_done()
    view = sr.next()
    assert view is body  # the body itself, not a copy
    sr.consume(len(view))
    assert sr.is_done()


def test_large_chunked_body() -> None:
    body = b"y" * 40_000
    req = http.request(verb.post, "/up", 11, body)
    req.chunked(True)
    sr = http.request_serializer(req)
    out = drain(sr, 1 << 30)
    assert out.endswith(b"\r\n9c40\r\n" + body + b"\r\n0\r\n\r\n")
    outcome, _ = feed_all_ways(http.request_parser, out[:200], eager_modes=(True,))
    assert outcome.ec == "need_more" and outcome.header_done


def test_split_header() -> None:
    res = http.response(status.ok, 11, b"body")
    res.prepare_payload()
    sr = http.serializer(res)
    sr.split(True)
    assert sr.split()
    head = sr.next()
    assert head == b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"
    sr.consume(len(head))
    assert sr.is_header_done() and not sr.is_done()
    assert sr.next() == b"body"
    sr.consume(4)
    assert sr.is_done()


def test_split_header_then_manual_chunks() -> None:
    res = http.response(status.ok)
    res.chunked(True)
    sr = http.serializer(res)
    sr.split(True)
    out = drain_header = b""
    while not sr.is_header_done():
        buf = sr.next()
        assert buf is not None
        drain_header += bytes(buf)
        sr.consume(len(buf))
    out = drain_header + http.make_chunk(b"abc") + http.make_chunk_last([("X-T", "1")])
    outcome, p = feed_all_ways(http.response_parser, out)
    assert outcome.body == b"abc" and p.get()["X-T"] == "1"


def test_limit() -> None:
    res = http.response(status.ok, 11, b"z" * 50)
    res.prepare_payload()
    sr = http.serializer(res)
    sr.limit(8)
    assert sr.limit() == 8
    out = bytearray()
    while (buf := sr.next()) is not None:
        assert len(buf) <= 8
        out += buf
        sr.consume(len(buf))
    assert bytes(out) == http.to_bytes(res)
    with pytest.raises(ValueError):
        sr.limit(0)


def test_consume_misuse() -> None:
    res = http.response()
    res.prepare_payload()
    sr = http.serializer(res)
    with pytest.raises(ValueError, match="before next"):
        sr.consume(1)
    buf = sr.next()
    assert buf is not None
    with pytest.raises(ValueError, match="returned"):
        sr.consume(len(buf) + 1)
    with pytest.raises(ValueError):
        sr.consume(-1)
    sr.consume(len(buf))
    sr.consume(0)
    assert sr.is_done()


def test_framing_is_checked() -> None:
    req = http.request(verb.post, "/", 11, "data")
    with pytest.raises(ValueError, match="prepare_payload"):
        http.serializer(req)
    req.content_length(3)
    with pytest.raises(ValueError, match="Content-Length is 3"):
        http.to_bytes(req)
    req.set(field.content_length, "4")
    req.set(field.transfer_encoding, "chunked")
    with pytest.raises(ValueError, match="both"):
        http.serializer(req)
    req.set(field.content_length, "four")
    req.erase(field.transfer_encoding)
    with pytest.raises(ValueError, match="not a number"):
        http.serializer(req)
    with pytest.raises(ValueError, match="no body"):
        http.serializer(http.response(status.no_content, 11, "x"))
    head = http.response(status.ok)
    head.content_length(1000)  # the answer to HEAD: a length without the body
    assert http.to_bytes(head) == b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
    with pytest.raises(TypeError):
        http.serializer(b"GET / HTTP/1.1\r\n\r\n")  # type: ignore[type-var]
    bad_body = http.response(status.ok)
    bad_body.body = 5  # type: ignore[assignment]
    with pytest.raises(TypeError, match="body"):
        http.to_bytes(bad_body)


# -- round trips --------------------------------------------------------------------------

TCHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-!#$%&'*+.^_`|~"
tokens = st.text(alphabet=TCHARS, min_size=1, max_size=10)
values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
    max_size=20,
).map(lambda v: v.strip(" \t"))
safe_names = tokens.filter(
    lambda n: (
        n.lower()
        not in {"content-length", "transfer-encoding", "connection", "proxy-connection", "upgrade"}
    )
)
targets = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20
)


@settings(max_examples=40, deadline=None)
@given(
    method=st.one_of(st.sampled_from(list(verb)[1:]), tokens),
    target=targets,
    version=st.sampled_from([10, 11]),
    headers=st.lists(st.tuples(safe_names, values), max_size=5),
    body=st.binary(max_size=40),
    chunked=st.booleans(),
)
def test_request_round_trip(
    method: str,
    target: str,
    version: int,
    headers: list[tuple[str, str]],
    body: bytes,
    chunked: bool,
) -> None:
    if method == verb.trace:
        body = b""  # TRACE must not have a body (prepare_payload refuses one)
    req = http.request(method, target, version, body)
    for name, value in headers:
        req.insert(name, value)
    if chunked and version == 11:
        req.chunked(True)
    else:
        req.prepare_payload()
    data = http.to_bytes(req)
    outcome, p = parse_request(data, eager_modes=(True,))
    assert outcome.ec == "success" and outcome.consumed == len(data)
    got = p.get()
    assert (got.method_string(), got.target(), got.version()) == (
        req.method_string(),
        target,
        version,
    )
    assert list(got) == list(req)
    assert got.body == body


@settings(max_examples=40, deadline=None)
@given(
    code=st.integers(min_value=100, max_value=999),
    reason=values,
    headers=st.lists(st.tuples(safe_names, values), max_size=5),
    body=st.binary(max_size=40),
    framing=st.sampled_from(["length", "chunked", "close"]),
)
def test_response_round_trip(
    code: int, reason: str, headers: list[tuple[str, str]], body: bytes, framing: str
) -> None:
    bodyless = code < 200 or code in (204, 304)
    res = http.response(code, 11, b"" if bodyless else body)
    res.reason(reason)
    for name, value in headers:
        res.insert(name, value)
    if not bodyless:
        if framing == "chunked":
            res.chunked(True)
        elif framing == "length":
            res.prepare_payload()
    data = http.to_bytes(res)
    close = framing == "close" and not bodyless
    outcome, p = parse_response(data, eof=close, eager_modes=(True,))
    assert outcome.ec == "success" and outcome.consumed == len(data)
    got = p.get()
    assert (got.result_int(), got.reason(), got.version()) == (code, res.reason(), 11)
    assert list(got) == list(res)
    assert got.body == (b"" if bodyless else body)
    assert p.need_eof() == close


def _reasoned(code: int, reason: str) -> http.response:
    res = http.response(code, 10)
    res.reason(reason)
    return res


@pytest.mark.parametrize(
    ("make", "first"),
    [
        (lambda: http.request(verb.get, "/chat", 11), b"GET /chat HTTP/1.1"),
        (lambda: http.request("BREW", "/pot", 10), b"BREW /pot HTTP/1.0"),
        (lambda: http.response(status.switching_protocols), b"HTTP/1.1 101 Switching Protocols"),
        (lambda: _reasoned(299, "Whatever"), b"HTTP/1.0 299 Whatever"),
        (lambda: http.response(status.no_content), b"HTTP/1.1 204 No Content"),
    ],
)
def test_to_bytes_of_a_bodiless_message_is_what_the_serializer_writes(
    make: Callable[[], http.request | http.response], first: bytes
) -> None:
    # to_bytes takes a shortcut for messages with neither body nor framing fields.
    msg = make()
    msg.set(field.upgrade, "websocket")
    data = http.to_bytes(msg)
    if isinstance(msg, http.request):
        written = drain(http.serializer(msg), 7)
    else:
        written = drain(http.serializer(msg), 7)
    assert data == written
    assert data == first + b"\r\nUpgrade: websocket\r\n\r\n"
