"""Tests for asiolike.beast.http.parser: every input is fed whole, octet by octet and split
at every position (http_feed.feed_all_ways), in eager and non-eager mode."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asiolike.beast import http
from asiolike.error import success
from tests.beast.http.http_feed import drive, feed_all_ways, parse_request, parse_response

E = http.error

GET = b"GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n"
CHUNKED = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"


# -- valid requests ---------------------------------------------------------------------


def test_simple_get() -> None:
    outcome, p = parse_request(GET)
    assert outcome.ec == "success" and outcome.done
    assert outcome.consumed == len(GET)
    assert outcome.start_line == ("GET", "/index.html", 11)
    assert outcome.fields == (("Host", "example.com"), ("User-Agent", "t"))
    assert outcome.body == b""
    req = p.get()
    assert req.method() is http.verb.get
    assert req[http.field.host] == "example.com"
    assert req["HOST"] == "example.com"
    assert p.keep_alive() and not p.need_eof() and not p.upgrade() and not p.chunked()
    assert p.content_length() is None


def test_post_with_content_length() -> None:
    data = b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world"
    outcome, p = parse_request(data)
    assert outcome.ec == "success" and outcome.body == b"hello world"
    assert outcome.consumed == len(data)
    assert p.content_length() == 11
    assert p.content_length_remaining() == 0
    assert p.get().method() is http.verb.post


def test_content_length_zero_and_equal_repeats() -> None:
    data = b"PUT /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
    assert parse_request(data)[0].done
    data = b"PUT /x HTTP/1.1\r\nContent-Length: 3, 3\r\nContent-Length: 003\r\n\r\nabc"
    outcome, p = parse_request(data)
    assert outcome.body == b"abc" and p.content_length() == 3


def test_unknown_method_and_special_targets() -> None:
    outcome, p = parse_request(b"FOO-BAR * HTTP/1.1\r\n\r\n")
    assert outcome.start_line == ("FOO-BAR", "*", 11)
    assert p.get().method() is http.verb.unknown
    outcome, _ = parse_request(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n")
    assert outcome.start_line == ("CONNECT", "example.com:443", 11)
    outcome, _ = parse_request(b"M-SEARCH /%E2%82%AC?q=\xe9 HTTP/1.0\r\n\r\n")
    assert outcome.start_line == ("M-SEARCH", "/%E2%82%AC?q=\xe9", 10)


def test_values_trimmed_obs_text_and_empty() -> None:
    data = (
        b"GET / HTTP/1.1\r\nX-A:   a  b \t\r\nX-Empty:\r\nX-Sp: \t \r\nX-Latin: caf\xe9\r\n"
        b"x-a: second\r\n\r\n"
    )
    outcome, p = parse_request(data)
    assert outcome.fields == (
        ("X-A", "a  b"),
        ("X-Empty", ""),
        ("X-Sp", ""),
        ("X-Latin", "caf\xe9"),
        ("x-a", "second"),
    )
    assert p.get().equal_range("X-A") == ["a  b", "second"]


def test_http10_keep_alive_rules() -> None:
    _, p = parse_request(b"GET / HTTP/1.0\r\n\r\n")
    assert p.get().version() == 10 and not p.keep_alive()
    _, p = parse_request(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
    assert p.keep_alive()
    _, p = parse_request(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert not p.keep_alive()
    _, p = parse_request(b"GET / HTTP/1.1\r\nProxy-Connection: close\r\n\r\n")
    assert not p.keep_alive()


def test_upgrade_request() -> None:
    data = (
        b"GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
        b"Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    _, p = parse_request(data)
    assert p.upgrade() and p.keep_alive()
    assert p.get()[http.field.sec_websocket_key] == "dGhlIHNhbXBsZSBub25jZQ=="
    _, p = parse_request(b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")
    assert not p.upgrade()


def test_chunked_request_with_extensions_and_trailers() -> None:
    data = (
        b"POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n"
        b"Trailer: X-Checksum\r\n\r\n"
        b"5;name=value;flag\r\nhello\r\n"
        b'0006 ; q="a \\"quoted\\" ;x"\r\n world\r\n'
        b"0\r\nX-Checksum: abc\r\nX-More: 1\r\n\r\n"
    )
    outcome, p = parse_request(data)
    assert outcome.ec == "success" and outcome.consumed == len(data)
    assert outcome.body == b"hello world"
    assert p.chunked() and p.content_length() is None
    assert p.get()["X-Checksum"] == "abc"
    assert list(p.get())[-2:] == [("X-Checksum", "abc"), ("X-More", "1")]


def test_chunked_without_trailers_and_empty() -> None:
    data = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    outcome, _ = parse_request(data)
    assert outcome.done and outcome.body == b"" and outcome.consumed == len(data)


def test_pipelined_requests_consume_exactly_one_message() -> None:
    first = b"POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
    second = b"POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"
    third = b"GET /c HTTP/1.1\r\n\r\n"
    stream = first + second + third
    outcome, _ = parse_request(stream)
    assert outcome.consumed == len(first) and outcome.body == b"abc"
    outcome, _ = parse_request(stream[len(first) :])
    assert outcome.consumed == len(second) and outcome.body == b"x"
    outcome, _ = parse_request(stream[len(first) + len(second) :])
    assert outcome.consumed == len(third) and outcome.start_line == ("GET", "/c", 11)


def test_non_eager_stops_after_header() -> None:
    data = b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"
    p = http.request_parser()
    assert p.put(data) == (len(data) - 4, success)
    assert p.is_header_done() and not p.is_done()
    assert p.content_length_remaining() == 4
    assert p.put(data[len(data) - 4 :]) == (4, success)
    assert p.is_done() and p.get().body == b"body"
    eager = http.request_parser()
    eager.eager(True)
    assert eager.put(data) == (len(data), success) and eager.is_done()


def test_header_must_be_whole() -> None:
    p = http.request_parser()
    for end in range(1, len(GET)):
        assert p.put(GET[:end]) == (0, E.need_more)
    assert p.put(GET) == (len(GET), success)


def test_eager_need_more_reports_consumed_octets() -> None:
    p = http.request_parser()
    p.eager(True)
    head = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    used, ec = p.put(head + b"3\r\nabc\r\n1")
    # The CRLF after a chunk's data is consumed with the next chunk-size line.
    assert (used, ec) == (len(head) + 6, E.need_more)
    rest = b"\r\n1\r\nd\r\n0\r\n\r\n"
    assert p.put(rest) == (len(rest), success)
    assert p.get().body == b"abcd"


def test_empty_put_asks_for_more() -> None:
    p = http.request_parser()
    assert p.put(b"") == (0, E.need_more)
    assert not p.got_some()


# -- valid responses --------------------------------------------------------------------


def test_response_with_content_length() -> None:
    data = b"HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\nServer: s\r\n\r\nnope!"
    outcome, p = parse_response(data)
    assert outcome.start_line == (11, 404, "Not Found")
    assert outcome.body == b"nope!"
    assert p.get().result() is http.status.not_found
    assert p.keep_alive() and not p.need_eof()


def test_response_close_delimited() -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"
    outcome, p = parse_response(data, eof=True)
    assert outcome.ec == "success" and outcome.body == b"until the end"
    assert p.need_eof() and not p.keep_alive()
    outcome, _ = parse_response(b"HTTP/1.0 200 OK\r\n\r\n", eof=True)
    assert outcome.done and outcome.body == b""
    # Without the close the body never ends.
    outcome, p = parse_response(data)
    assert outcome.ec == "need_more" and outcome.header_done and not outcome.done


def test_response_transfer_encoding_without_chunked_reads_to_eof() -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b"
    outcome, p = parse_response(data, eof=True)
    assert outcome.body == b"\x1f\x8b" and p.need_eof() and not p.chunked()


@pytest.mark.parametrize("code", [100, 101, 103, 204, 304])
def test_responses_without_body(code: int) -> None:
    data = f"HTTP/1.1 {code} X\r\nContent-Length: 10\r\n\r\n".encode()
    outcome, p = parse_response(data + b"HTTP/1.1 200 OK\r\n")
    assert outcome.done and outcome.consumed == len(data) and outcome.body == b""
    assert not p.need_eof()


def test_continue_then_final_response() -> None:
    stream = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    outcome, _ = parse_response(stream)
    assert outcome.consumed == 25 and outcome.start_line == (11, 100, "Continue")
    outcome, _ = parse_response(stream[25:])
    assert outcome.body == b"ok"


def test_switching_protocols_upgrade() -> None:
    data = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    outcome, p = parse_response(data + b"\x81\x00")
    assert outcome.consumed == len(data) and p.upgrade()


def test_head_response_skip() -> None:
    def make() -> http.response_parser:
        p = http.response_parser()
        p.skip(True)
        return p

    data = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
    outcome, p = feed_all_ways(make, data + b"HTTP/1.1 200 OK\r\n")
    assert outcome.done and outcome.consumed == len(data) and outcome.body == b""
    assert p.content_length() == 1000 and p.skip()


def test_skip_after_first_octet_raises() -> None:
    p = http.response_parser()
    p.put(b"HTTP/1.1")
    with pytest.raises(ValueError, match="before the first put"):
        p.skip(True)


def test_reason_phrases() -> None:
    outcome, _ = parse_response(b"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n")
    assert outcome.start_line == (11, 200, "OK")  # an empty reason reads as the standard one
    outcome, p = parse_response(b"HTTP/1.1 299 Caf\xe9\t ok \r\nContent-Length: 0\r\n\r\n")
    assert outcome.start_line == (11, 299, "Caf\xe9\t ok ")
    assert p.get().result() is http.status.unknown and p.get().result_int() == 299


def test_chunked_response() -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    data = head + b"1a\r\n" + b"z" * 26 + b"\r\n0\r\n\r\n"
    outcome, p = parse_response(data)
    assert outcome.body == b"z" * 26 and p.chunked() and p.keep_alive()


# -- errors, one or more inputs for each code -------------------------------------------


def test_end_of_stream_before_any_octet() -> None:
    p = http.request_parser()
    assert p.put_eof() == E.end_of_stream
    assert p.put(b"GET") == (0, E.end_of_stream)
    assert drive(http.response_parser(), [], eof=True) == (E.end_of_stream, 0)


@pytest.mark.parametrize(
    "data",
    [
        b"GET / HTTP/1.1\r\nHost: a\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
    ],
)
def test_partial_message(data: bytes) -> None:
    assert parse_request(data, eof=True)[0].ec == "partial_message"
    assert parse_request(data)[0].ec == "need_more"


def test_partial_message_is_sticky() -> None:
    p = http.request_parser()
    p.put(b"GET /")
    assert p.put_eof() == E.partial_message
    assert p.put_eof() == E.partial_message
    assert p.put(b" HTTP/1.1\r\n\r\n") == (0, E.partial_message)


def test_unexpected_body_with_empty_body() -> None:
    def make_request() -> http.request_parser:
        return http.request_parser(http.empty_body)

    ok = b"GET /chat HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
    assert feed_all_ways(make_request, ok)[0].done
    for data in (
        b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
    ):
        outcome, _ = feed_all_ways(make_request, data)
        assert outcome.ec == "unexpected_body" and outcome.header_done

    def make_response() -> http.response_parser:
        return http.response_parser(http.empty_body)

    outcome, _ = feed_all_ways(make_response, b"HTTP/1.1 200 OK\r\n\r\nx", eof=True)
    assert outcome.ec == "unexpected_body"
    with pytest.raises(TypeError):
        http.request_parser(bytes)  # type: ignore[arg-type]


def test_header_limit() -> None:
    head = b"GET / HTTP/1.1\r\nX: " + b"a" * 40 + b"\r\n\r\n"

    def make(limit: int) -> http.request_parser:
        p = http.request_parser()
        p.header_limit(limit)
        return p

    assert feed_all_ways(lambda: make(len(head)), head)[0].done
    assert feed_all_ways(lambda: make(len(head) - 1), head)[0].ec == "header_limit"
    # Reported while the header is still incomplete, as soon as `limit` octets are buffered.
    outcome, _ = feed_all_ways(lambda: make(32), head[:40])
    assert outcome.ec == "header_limit" and outcome.consumed == 0
    assert feed_all_ways(lambda: make(32), head[:31])[0].ec == "need_more"
    p = http.request_parser()
    assert p.header_limit() == 8192
    assert p.put(b"GET /" + b"a" * 9000) == (0, E.header_limit)
    with pytest.raises(ValueError):
        p.header_limit(0)


def test_header_limit_applies_to_chunk_lines_and_trailers() -> None:
    def make() -> http.request_parser:
        p = http.request_parser()
        p.header_limit(64)
        return p

    head = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    long_ext = b"1;x=" + b"v" * 80 + b"\r\na\r\n0\r\n\r\n"
    assert feed_all_ways(make, head + long_ext)[0].ec == "header_limit"
    long_trailer = b"1\r\na\r\n0\r\nX: " + b"t" * 80 + b"\r\n\r\n"
    assert feed_all_ways(make, head + long_trailer)[0].ec == "header_limit"
    assert feed_all_ways(make, head + b"1;x=ok\r\na\r\n0\r\nX: t\r\n\r\n")[0].done


def test_body_limit() -> None:
    def make(limit: int | None) -> http.request_parser:
        p = http.request_parser()
        p.body_limit(limit)
        return p

    data = b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789"
    assert feed_all_ways(lambda: make(10), data)[0].done
    outcome, _ = feed_all_ways(lambda: make(9), data)
    # Checked against Content-Length before any body octet.
    assert outcome.ec == "body_limit" and outcome.consumed == 0
    chunked = CHUNKED + b"5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n"
    assert feed_all_ways(lambda: make(10), chunked)[0].done
    assert feed_all_ways(lambda: make(9), chunked)[0].ec == "body_limit"

    def make_response(limit: int | None) -> http.response_parser:
        p = http.response_parser()
        p.body_limit(limit)
        return p

    eof_body = b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 20
    assert feed_all_ways(lambda: make_response(20), eof_body, eof=True)[0].done
    assert feed_all_ways(lambda: make_response(19), eof_body, eof=True)[0].ec == "body_limit"
    assert feed_all_ways(lambda: make_response(None), eof_body, eof=True)[0].done
    assert http.request_parser().body_limit() == 1 << 20
    assert http.response_parser().body_limit() == 8 << 20
    huge = b"POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n"
    assert http.request_parser().put(huge) == (0, E.body_limit)
    with pytest.raises(ValueError):
        http.request_parser().body_limit(-1)


REQUEST_ERRORS = {
    "bad_line_ending": [
        b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
        b"GET / HTTP/1.1\rHost: a\r\n\r\n",
        b"GE\rT / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\r\nhello\r\n0\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\rX",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\rb\r\n\r\n",
    ],
    "bad_method": [
        b"G(T / HTTP/1.1\r\n\r\n",
        b" / HTTP/1.1\r\n\r\n",
        b"\r\nGET / HTTP/1.1\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"GET\t/ HTTP/1.1\r\n\r\n",
        b"GET\r\n\r\n",
        b"G\nET / HTTP/1.1\r\n\r\n",
    ],
    "bad_target": [
        b"GET  HTTP/1.1\r\n\r\n",
        b"GET /a\x01b HTTP/1.1\r\n\r\n",
        b"GET /a\nb HTTP/1.1\r\n\r\n",
        b"GET /\r\n\r\n",
        b"GET /\x7f HTTP/1.1\r\n\r\n",
    ],
    "bad_version": [
        b"GET / HTTP/2.0\r\n\r\n",
        b"GET / HTTP/1.2\r\n\r\n",
        b"GET / HTTP/1.1x\r\n\r\n",
        b"GET / HTTP/1.1 \r\n\r\n",
        b"GET / HTTX/1.1\r\n\r\n",
        b"GET / http/1.1\r\n\r\n",
        b"GET / HTTP/1.\r\n\r\n",
        b"GET / HTTP/1.1\nHost: a\n\n",
    ],
    "bad_field": [
        b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
        b"GET / HTTP/1.1\r\n: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost\r\n\r\n",
        b"GET / HTTP/1.1\r\n Host: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nHo(st: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\n\n",
        b"GET / HTTP/1.1\r\nX\x80: a\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nHost: evil\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n X: a\r\n\r\n",
    ],
    "bad_value": [
        b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
        b"GET / HTTP/1.1\r\nX: a\x00\r\n\r\n",
        b"GET / HTTP/1.1\r\nX: a\nY: b\r\n\r\n",
        b"GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n",
        b"GET / HTTP/1.1\r\nConnection: close;x\r\n\r\n",
        b"GET / HTTP/1.1\r\nTransfer-Encoding: \x0bchunked\r\n\r\n",
    ],
    "bad_content_length": [
        b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length:\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 5,\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 1_0\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: \xb2\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
    ],
    "bad_transfer_encoding": [
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked;\r\n\r\n",
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
    ],
    "bad_chunk": [
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\nX",
    ],
    "bad_chunk_extension": [
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\r\n",
        b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a="open\r\n',
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a b\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n",
    ],
    "bad_obs_fold": [
        b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
        b"GET / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n",
        b"GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n",
    ],
    "multiple_content_length": [
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n",
    ],
}


@pytest.mark.parametrize(
    ("name", "data"), [(name, data) for name, inputs in REQUEST_ERRORS.items() for data in inputs]
)
def test_request_errors(name: str, data: bytes) -> None:
    outcome, p = parse_request(data)
    assert outcome.ec == name
    ec = getattr(E, name)
    assert p.put(b"x") == (0, ec) and p.put_eof() == ec


RESPONSE_ERRORS = {
    "bad_version": [
        b"HTTP/1.2 200 OK\r\n\r\n",
        b"HTTP/1.1\r\n\r\n",
        b"HTTP/1.1200 OK\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
        b"HTTP/1.1\n200 OK\r\n\r\n",
    ],
    "bad_status": [
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 200\r\n\r\n",
        b"HTTP/1.1 2x0 OK\r\n\r\n",
        b"HTTP/1.1 \r\n\r\n",
    ],
    "bad_reason": [
        b"HTTP/1.1 200 O\x01K\r\n\r\n",
        b"HTTP/1.1 200 OK\nServer: x\r\n\r\n",
        b"HTTP/1.1 200 OK\x7f\r\n\r\n",
    ],
    "bad_line_ending": [b"HTTP/1.1 200 O\rK\r\n\r\n"],
    "bad_field": [b"HTTP/1.1 200 OK\r\nServer : x\r\n\r\n"],
}


@pytest.mark.parametrize(
    ("name", "data"), [(name, data) for name, inputs in RESPONSE_ERRORS.items() for data in inputs]
)
def test_response_errors(name: str, data: bytes) -> None:
    assert parse_response(data)[0].ec == name


def test_stale_parser() -> None:
    p = http.request_parser()
    assert p.put(GET) == (len(GET), success)
    assert p.put(GET) == (0, E.stale_parser)
    assert p.put_eof() == success


def test_errors_are_reported_early() -> None:
    # The TLS ClientHello of a client that expected HTTPS: rejected at the first octet.
    assert http.request_parser().put(b"\x16") == (0, E.bad_method)
    assert http.request_parser().put(b"GET /a\x01") == (0, E.bad_target)
    assert http.request_parser().put(b"GET /a b") == (0, E.bad_version)
    assert http.response_parser().put(b"HTTP/1.1 2x") == (0, E.bad_status)
    assert http.request_parser().put(b"GET / HTTP/1.1\r\nX: a\r\n b") == (0, E.bad_obs_fold)


# -- smuggling ----------------------------------------------------------------------------

SMUGGLING = [
    # CL.TE and TE.CL
    (b"POST / HTTP/1.1\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
     "bad_transfer_encoding"),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n",
     "bad_content_length"),
    # TE.TE obfuscations
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-encoding: x\r\n\r\n",
     "bad_transfer_encoding"),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n", "bad_field"),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding:\tchunked\r\nContent-Length: 4\r\n\r\n",
     "bad_content_length"),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\nContent-Length: 4\r\n\r\n",
     "bad_content_length"),
    (CHUNKED + b"0\r\nTransfer-Encoding: chunked\r\n\r\n",
     "bad_field"),
    (b"POST / HTTP/1.1\r\nX: a\r\nTransfer-Encoding: chunked\r\r\n\r\n", "bad_line_ending"),
    (b"POST / HTTP/1.1\r\nFoo: bar\r\n Transfer-Encoding: chunked\r\n\r\n", "bad_obs_fold"),
    (b"POST / HTTP/1.1\nTransfer-Encoding: chunked\r\n\r\n", "bad_version"),
    (b"POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\n",
     "multiple_content_length"),
    (b"POST / HTTP/1.1\r\nContent-Length: 0x4\r\n\r\n", "bad_content_length"),
    (b"POST / HTTP/1.1\r\nContent-Length:\x0b4\r\n\r\n", "bad_value"),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", "bad_chunk"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "name"), SMUGGLING)
def test_smuggling_is_refused(data: bytes, name: str) -> None:
    assert parse_request(data)[0].ec == name


# -- callbacks, release, misuse ---------------------------------------------------------


def test_chunk_callbacks() -> None:
    headers: list[tuple[int, str]] = []
    bodies: list[tuple[int, bytes]] = []

    def on_body(remain: int, data: memoryview) -> int:
        bodies.append((remain, bytes(data)))
        return len(data)

    p = http.request_parser()
    p.eager(True)
    p.on_chunk_header(lambda size, ext: headers.append((size, ext)))
    p.on_chunk_body(on_body)
    data = CHUNKED + b"3;a=1\r\nabc\r\n2\r\nde\r\n0;last\r\n\r\n"
    assert p.put(data) == (len(data), success)
    assert headers == [(3, ";a=1"), (2, ""), (0, ";last")]
    assert bodies == [(3, b"abc"), (2, b"de")]
    assert p.get().body == b""
    ext = http.chunk_extensions()
    assert ext.parse(headers[0][1]) == success and list(ext) == [("a", "1")]


def test_chunk_body_callback_partial_use_and_header_rejection() -> None:
    p = http.request_parser()
    p.on_chunk_body(lambda remain, data: min(1, len(data)))
    head = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert p.put(head) == (len(head), success)
    assert p.put(b"3\r\nabc\r\n") == (3, success)
    assert p.put(b"abc\r\n") == (1, success)
    assert p.put(b"bc\r\n") == (1, success)
    p.on_chunk_body(lambda remain, data: 99)
    with pytest.raises(ValueError, match="must return"):
        p.put(b"c\r\n")

    p = http.request_parser()
    p.eager(True)
    p.on_chunk_header(lambda size, ext: E.body_limit if size > 2 else None)
    assert p.put(head + b"3\r\nabc\r\n0\r\n\r\n") == (len(head), E.body_limit)


def test_header_accessors_need_the_header() -> None:
    p = http.request_parser()
    for name in ("keep_alive", "need_eof", "upgrade", "chunked", "content_length"):
        with pytest.raises(ValueError, match="is_header_done"):
            getattr(p, name)()


def test_release() -> None:
    p = http.request_parser()
    p.put(GET)
    req = p.release()
    assert req.target() == "/index.html"
    with pytest.raises(ValueError):
        p.get()
    with pytest.raises(ValueError):
        p.put(GET)


def test_large_body_in_pieces() -> None:
    body = bytes(range(256)) * 4096
    p = http.response_parser()
    p.eager(True)
    data = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    view = memoryview(data)
    offset = 0
    while not p.is_done():
        used, ec = p.put(view[offset : offset + 65536])
        assert not ec
        offset += used
    assert offset == len(data) and p.get().body == body


def test_restarted_input_is_searched_again() -> None:
    p = http.request_parser()
    assert p.put(b"GET / HTTP/1.1\r\nHost: abcdefgh") == (0, E.need_more)
    # Not the same octets plus more: the parser must not rely on what it scanned before.
    assert p.put(GET) == (len(GET), success)


# -- properties ---------------------------------------------------------------------------

_INTERESTING = st.sampled_from(
    [b"\r", b"\n", b"\r\n", b" ", b"\t", b":", b";", b"\x00", b"a", b"\x80", b"0", b",", b'"']
)
_BASES = [
    b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc",
    b"POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;a=1\r\nabc\r\n0\r\nT: v\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody",
]


@settings(max_examples=60, deadline=None)
@given(
    base=st.sampled_from(_BASES),
    position=st.integers(min_value=0, max_value=200),
    insert=_INTERESTING,
    replace=st.booleans(),
)
def test_outcome_never_depends_on_how_input_is_split(
    base: bytes, position: int, insert: bytes, replace: bool
) -> None:
    position %= len(base)
    data = base[:position] + insert + base[position + (1 if replace else 0) :]
    make = http.response_parser if base.startswith(b"HTTP") else http.request_parser
    outcome, _ = feed_all_ways(make, data, eof=True)  # asserts that every way agrees
    assert outcome.ec in {*vars(E).keys(), "success"}
