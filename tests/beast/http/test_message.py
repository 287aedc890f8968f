"""Tests for asiolike.beast.http.message."""

from __future__ import annotations

import pytest

from asiolike.beast import http
from asiolike.beast.http import field, status, verb


def test_request_defaults_and_accessors() -> None:
    req = http.request()
    assert req.method() is verb.get and req.method_string() == "GET"
    assert req.target() == "/" and req.version() == 11 and req.body == b""
    assert req.is_request and isinstance(req, http.fields) and len(req) == 0 and bool(req)
    req.method(verb.post)
    req.target("/upload?x=1")
    req.version(10)
    assert (req.method(), req.target(), req.version()) == (verb.post, "/upload?x=1", 10)
    req.method("PATCH")
    assert req.method() is verb.patch
    req.method_string("BREW")
    assert req.method() is verb.unknown and req.method_string() == "BREW"
    req.method(verb.put)
    assert req.method_string() == "PUT"
    req2 = http.request(verb.delete_, "/item/1", 10, "gone")
    assert req2.method_string() == "DELETE" and req2.body == "gone"
    req3 = http.request("PROPFIND", "*")
    assert req3.method() is verb.propfind


@pytest.mark.parametrize("method", ["", "GE T", "GET\r\n", "G(ET", verb.unknown])
def test_bad_methods_raise(method: str) -> None:
    with pytest.raises(ValueError, match="method"):
        http.request(method)


@pytest.mark.parametrize("target", ["", "/a b", "/a\r\nHost: x", "/\x00", "/\x7f", "/\u20ac"])
def test_bad_targets_raise(target: str) -> None:
    req = http.request()
    with pytest.raises(ValueError, match="target"):
        req.target(target)
    assert req.target() == "/"


@pytest.mark.parametrize("version", [9, 20, 12, 1])
def test_bad_versions_raise(version: int) -> None:
    with pytest.raises(ValueError, match="use 11"):
        http.request(verb.get, "/", version)
    with pytest.raises(TypeError):
        http.response(status.ok, "11")  # type: ignore[arg-type]


def test_response_accessors() -> None:
    res = http.response()
    assert res.result() is status.ok and res.result_int() == 200 and not res.is_request
    assert res.reason() == "OK"
    res.result(404)
    assert res.result() is status.not_found and res.reason() == "Not Found"
    res.result(299)
    assert res.result() is status.unknown and res.result_int() == 299
    assert res.reason() == "<unknown-status>"
    res.reason("Fine")
    assert res.reason() == "Fine"
    res.reason("")
    assert res.reason() == "<unknown-status>"
    with pytest.raises(ValueError, match="reason"):
        res.reason("bad\r\nX: y")
    with pytest.raises(ValueError, match="status code"):
        res.result(1000)
    with pytest.raises(ValueError, match="status code"):
        res.result(-1)


def test_message_is_its_fields() -> None:
    req = http.request(verb.get, "/")
    req.set(field.host, "example.com")
    req.insert(field.user_agent, "test")
    assert req[field.host] == "example.com"
    assert list(req) == [("Host", "example.com"), ("User-Agent", "test")]
    assert "<request GET / HTTP/1.1" in repr(req)
    assert "<response HTTP/1.1 200 'OK'" in repr(http.response())


def test_keep_alive_http11() -> None:
    req = http.request()
    assert req.keep_alive()
    req.set(field.connection, "Upgrade, close")
    assert not req.keep_alive()
    req.keep_alive(True)
    assert req.keep_alive() and req[field.connection] == "Upgrade"
    req.keep_alive(False)
    assert req[field.connection] == "Upgrade, close"
    req.erase(field.connection)
    req.keep_alive(True)
    assert field.connection not in req
    req.set(field.connection, "keep-alive")
    req.keep_alive(True)
    assert field.connection not in req


def test_keep_alive_http10() -> None:
    req = http.request(verb.get, "/", 10)
    assert not req.keep_alive()
    req.keep_alive(True)
    assert req[field.connection] == "keep-alive" and req.keep_alive()
    req.set(field.connection, "upgrade, Keep-Alive")
    req.keep_alive(False)
    assert req[field.connection] == "upgrade" and not req.keep_alive()


def test_chunked_and_content_length() -> None:
    res = http.response()
    assert not res.chunked() and res.content_length() is None and not res.has_content_length()
    res.content_length(10)
    assert res.content_length() == 10 and res[field.content_length] == "10"
    res.chunked(True)
    assert res.chunked() and res[field.transfer_encoding] == "chunked"
    assert not res.has_content_length()  # chunked(True) removes Content-Length, as in Beast
    res.chunked(True)
    assert res[field.transfer_encoding] == "chunked"
    res.content_length(5)  # removes the final chunked
    assert not res.chunked() and field.transfer_encoding not in res
    res.set(field.transfer_encoding, "gzip")
    res.chunked(True)
    assert res[field.transfer_encoding] == "gzip, chunked"
    res.chunked(False)
    assert res[field.transfer_encoding] == "gzip"
    res.content_length(None)
    assert not res.has_content_length()
    res.set(field.content_length, "x")
    assert res.content_length() is None and res.has_content_length()
    with pytest.raises(ValueError):
        res.content_length(-1)


def test_payload_size() -> None:
    assert http.response(body=b"abc").payload_size() == 3
    assert http.response(body="caf\xe9").payload_size() == 5
    assert http.response(body="abc").payload_size() == 3
    res = http.response()
    res.body = bytearray(b"xy")  # type: ignore[assignment]
    assert res.payload_size() == 2


def test_request_prepare_payload() -> None:
    req = http.request(verb.get, "/")
    req.set(field.content_length, "3")
    req.prepare_payload()
    assert field.content_length not in req and not req.chunked()
    for method in (verb.post, verb.put, verb.options):
        req = http.request(method, "/")
        req.prepare_payload()
        assert req[field.content_length] == "0"
    req = http.request(verb.post, "/", 11, "data")
    req.chunked(True)
    req.prepare_payload()
    assert req[field.content_length] == "4" and not req.chunked()
    with pytest.raises(ValueError, match="TRACE"):
        http.request(verb.trace, "/", 11, "x").prepare_payload()
    http.request(verb.trace, "/").prepare_payload()


def test_response_prepare_payload() -> None:
    res = http.response(status.ok, 11, "hello")
    res.prepare_payload()
    assert res[field.content_length] == "5"
    res = http.response(status.ok)
    res.prepare_payload()
    assert res[field.content_length] == "0"
    for code in (100, 101, 204):
        res = http.response(code)
        res.set(field.content_length, "0")
        res.set(field.transfer_encoding, "chunked")
        res.prepare_payload()
        assert field.content_length not in res and not res.chunked(), code
        with pytest.raises(ValueError, match="must not have a body"):
            http.response(code, 11, b"x").prepare_payload()
    res = http.response(status.not_modified)
    res.prepare_payload()
    assert field.content_length not in res
    res.content_length(1234)  # describes the would-be 200: kept
    res.prepare_payload()
    assert res[field.content_length] == "1234"


def test_need_eof() -> None:
    assert not http.request().need_eof()
    assert http.request(verb.get, "/", 10).need_eof()
    res = http.response(status.ok)
    assert res.need_eof()  # no length: close-delimited
    res.content_length(0)
    assert not res.need_eof()
    res.keep_alive(False)
    assert res.need_eof()
    assert not http.response(status.no_content).need_eof()
    assert not http.response(status.not_modified).need_eof()
    assert not http.response(status.continue_).need_eof()
    chunked = http.response(status.ok)
    chunked.chunked(True)
    assert not chunked.need_eof()
