"""Tests for asiolike.beast.websocket._handshake: the upgrade request and response."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from asiolike.beast import http
from asiolike.beast.http import field, request, response, status, verb
from asiolike.beast.websocket import error
from asiolike.beast.websocket._deflate import DeflateParams, permessage_deflate
from asiolike.beast.websocket._handshake import (
    USER_AGENT,
    accept_key,
    build_request,
    build_response,
    check_request,
    check_response,
    make_sec_key,
    negotiated_deflate,
    validate_host,
    validate_target,
)
from asiolike.error import error_code, success

from ._split import same_for_all_splits

KEY = "dGhlIHNhbXBsZSBub25jZQ=="
ON = permessage_deflate(server_enable=True, client_enable=True)


def test_make_sec_key() -> None:
    keys = {make_sec_key() for _ in range(50)}
    assert len(keys) == 50
    for key in keys:
        assert len(key) == 24
        assert len(base64.b64decode(key, validate=True)) == 16


def test_accept_key_rfc_example() -> None:
    assert accept_key(KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_build_request_is_beasts() -> None:
    req = build_request("example.com:8080", "/chat?x=1", KEY)
    assert req.method() == verb.get
    assert req.target() == "/chat?x=1"
    assert req.version() == 11
    assert list(req) == [
        ("Host", "example.com:8080"),
        ("Upgrade", "websocket"),
        ("Connection", "upgrade"),
        ("Sec-WebSocket-Key", KEY),
        ("Sec-WebSocket-Version", "13"),
        ("User-Agent", USER_AGENT),
    ]


def test_build_request_with_offer_and_decorator() -> None:
    seen: list[str] = []

    def decorate(req: request) -> None:
        seen.append(req[field.sec_websocket_extensions])
        req.set(field.user_agent, "mine")
        req.set(field.sec_websocket_protocol, "chat")

    req = build_request("h", "/", KEY, decorate, ON)
    assert seen == ["permessage-deflate; server_max_window_bits=15; client_max_window_bits=15"]
    assert req[field.user_agent] == "mine"
    assert req.count(field.user_agent) == 1
    assert req[field.sec_websocket_protocol] == "chat"
    assert [n for n, _ in req][-3:] == [
        "Sec-WebSocket-Extensions",
        "User-Agent",
        "Sec-WebSocket-Protocol",
    ]
    # server_enable alone does not make the client offer.
    assert field.sec_websocket_extensions not in build_request(
        "h", "/", KEY, None, permessage_deflate(server_enable=True)
    )


@pytest.mark.parametrize("host", ["", "a b", "a\r\nX: y", "a\nb", "a\tb", "a\x00"])
def test_bad_host(host: str) -> None:
    with pytest.raises(ValueError, match="host"):
        build_request(host, "/", KEY)
    with pytest.raises(ValueError):
        validate_host(host)


@pytest.mark.parametrize("target", ["", "/a b", "/\r\nX: y", "/\n", "/\x7f"])
def test_bad_target(target: str) -> None:
    with pytest.raises(ValueError, match="target"):
        build_request("h", target, KEY)
    with pytest.raises(ValueError):
        validate_target(target)


def test_characters_above_latin1_are_refused_by_the_field_checks() -> None:
    # validate_host/validate_target let them through; the request's own setters refuse them,
    # the target first (as the request constructor did), with their usual messages.
    with pytest.raises(ValueError, match="request target"):
        build_request("h\u0100", "/\u0100", KEY)
    with pytest.raises(ValueError, match="Latin-1"):
        build_request("h\u0100", "/", KEY)
    req = build_request("caf\xe9", "/caf\xe9", KEY)
    assert (req[field.host], req.target()) == ("caf\xe9", "/caf\xe9")


def test_build_request_user_agent_only_when_the_decorator_sets_none() -> None:
    assert list(build_request("h", "/", KEY, lambda req: None))[-1] == ("User-Agent", USER_AGENT)
    req = build_request("h", "/", KEY, lambda req: req.set("user-agent", "mine"))
    assert req.equal_range(field.user_agent) == ["mine"]
    assert http.to_bytes(req).endswith(b"\r\nuser-agent: mine\r\n\r\n")


def test_validation_types_and_success() -> None:
    assert validate_host("[::1]:80") == "[::1]:80"
    assert validate_target("/%20") == "/%20"
    with pytest.raises(TypeError):
        validate_host(b"h")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        validate_target(None)  # type: ignore[arg-type]


def good_request() -> request:
    return build_request("example.com", "/", KEY)


def test_good_request_is_accepted() -> None:
    assert check_request(good_request()) == success


def _erase(name: str) -> Callable[[request], None]:
    def fault(req: request) -> None:
        req.erase(name)

    return fault


def _set(name: str, value: str) -> Callable[[request], None]:
    return lambda req: req.set(name, value)


def _version(req: request) -> None:
    req.version(10)


def _method(req: request) -> None:
    req.method(verb.post)


REQUEST_FAULTS: list[tuple[Callable[[request], None], error_code]] = [
    (_version, error.bad_http_version),
    (_method, error.bad_method),
    (_erase("Host"), error.no_host),
    (_erase("Connection"), error.no_connection),
    (_set("Connection", "keep-alive"), error.no_connection_upgrade),
    (_erase("Upgrade"), error.no_upgrade),
    (_set("Upgrade", "h2c"), error.no_upgrade_websocket),
    (_erase("Sec-WebSocket-Key"), error.no_sec_key),
    (_set("Sec-WebSocket-Key", "short"), error.bad_sec_key),
    (_set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=!"), error.bad_sec_key),
    (_set("Sec-WebSocket-Key", base64.b64encode(b"x" * 17).decode()), error.bad_sec_key),
    (_erase("Sec-WebSocket-Version"), error.no_sec_version),
    (_set("Sec-WebSocket-Version", "8"), error.bad_sec_version),
]


def _is_strict_base64_of_16_bytes(key: str) -> bool:
    try:
        return len(key) == 24 and len(base64.b64decode(key, validate=True)) == 16
    except ValueError:  # binascii.Error, or a non-ASCII str
        return False


@pytest.mark.parametrize(
    "key",
    [
        KEY,
        "AAAAAAAAAAAAAAAAAAAAAB==",  # non-zero pad bits: decodes all the same
        "+/+/+/+/+/+/+/+/+/+/+w==",
        "AAAAAAAAAAAAAAAAAAAAAAA=",  # 17 bytes
        "AAAAAAAAAAAAAAAAAAAAAAAA",  # 18 bytes
        "=AAAAAAAAAAAAAAAAAAAAAA=",
        "AAAAAAAAAAAAAAAAAAAA=A==",
        "AAAAAAAAAAAAAAAAAAAAAA=",
        "AAAAAAAAAAAAAAAAAAAAAA===",
        "AAAAAAAAAAAAAAAAAAAAAA==A",
        "AAAA AAAAAAAAAAAAAAAAA==",
        "-_AAAAAAAAAAAAAAAAAAAA==",  # the URL-safe alphabet is not base64 here
        "AAAAAAAAAAAAAAAAAAAA\xe9A==",
    ],
)
def test_sec_key_is_accepted_exactly_when_strict_base64_of_16_bytes(key: str) -> None:
    req = good_request()
    req.set("Sec-WebSocket-Key", key)
    expected = success if _is_strict_base64_of_16_bytes(key) else error.bad_sec_key
    assert check_request(req) == expected


@pytest.mark.parametrize(("fault", "expected"), REQUEST_FAULTS)
def test_check_request_each_fault(fault: Callable[[request], None], expected: error_code) -> None:
    req = good_request()
    fault(req)
    assert check_request(req) == expected


def test_check_request_first_failure_wins() -> None:
    # Many faults at once (one per field): the first in Beast's order wins.
    for start in range(len(REQUEST_FAULTS)):
        req = good_request()
        for fault, _ in REQUEST_FAULTS[start + 1 :][::-1]:
            fault(req)
        REQUEST_FAULTS[start][0](req)
        assert check_request(req) == REQUEST_FAULTS[start][1], start


def test_check_request_tokens_are_case_insensitive() -> None:
    req = good_request()
    req.set("Connection", "keep-alive, Upgrade")
    req.set("Upgrade", "WebSocket")
    assert check_request(req) == success


def test_build_response_101() -> None:
    req = good_request()
    res = build_response(req, success)
    assert res.result() == status.switching_protocols
    assert res.version() == 11
    assert list(res) == [
        ("Upgrade", "websocket"),
        ("Connection", "upgrade"),
        ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        ("Server", USER_AGENT),
    ]
    assert negotiated_deflate(res) is None
    assert check_response(res, KEY) == success


def test_build_response_400_carries_the_message() -> None:
    req = good_request()
    req.erase("Host")
    ec = check_request(req)
    res = build_response(req, ec)
    assert res.result() == status.bad_request
    assert res.body == "The WebSocket handshake Host field is missing"
    assert res["Content-Length"] == str(len(res.body))
    assert res[field.server] == USER_AGENT
    assert check_response(res, KEY) == error.upgrade_declined


def test_build_response_keeps_the_request_version() -> None:
    req = good_request()
    req.version(10)
    res = build_response(req, check_request(req))
    assert (res.result(), res.version()) == (status.bad_request, 10)


def test_build_response_426_for_a_bad_version() -> None:
    req = good_request()
    req.set("Sec-WebSocket-Version", "12")
    res = build_response(req, check_request(req))
    assert res.result() == status.upgrade_required
    assert res[field.sec_websocket_version] == "13"
    assert res.body == "The WebSocket handshake Sec-WebSocket-Version field is invalid"


def test_build_response_decorator_and_server_field() -> None:
    def decorate(res: response) -> None:
        res.set(field.server, "mine")
        res.set(field.sec_websocket_protocol, "chat")

    res = build_response(good_request(), success, None, decorate)
    assert res[field.server] == "mine"
    assert res.count(field.server) == 1
    assert res[field.sec_websocket_protocol] == "chat"


def test_build_response_negotiates_deflate() -> None:
    req = build_request("h", "/", KEY, None, ON)
    res = build_response(req, check_request(req), ON)
    assert res[field.sec_websocket_extensions] == "permessage-deflate; client_max_window_bits=15"
    assert negotiated_deflate(res) == DeflateParams(15, 15, False, False)
    assert check_response(res, KEY, ON) == success
    assert negotiated_deflate(res, ON) == DeflateParams(15, 15, False, False)
    # Without server_enable the offer is ignored.
    res = build_response(req, success, permessage_deflate())
    assert field.sec_websocket_extensions not in res
    assert check_response(res, KEY, ON) == success


def good_response() -> response:
    return build_response(good_request(), success)


def _result(res: response) -> None:
    res.result(status.ok)


def _res_version(res: response) -> None:
    res.version(10)


RESPONSE_FAULTS: list[tuple[Callable[[response], None], error_code]] = [
    (_result, error.upgrade_declined),
    (_res_version, error.bad_http_version),
    (_erase("Connection"), error.no_connection),  # type: ignore[list-item]
    (_set("Connection", "close"), error.no_connection_upgrade),  # type: ignore[list-item]
    (_erase("Upgrade"), error.no_upgrade),  # type: ignore[list-item]
    (_set("Upgrade", "h2c"), error.no_upgrade_websocket),  # type: ignore[list-item]
    (_erase("Sec-WebSocket-Accept"), error.no_sec_accept),  # type: ignore[list-item]
    (_set("Sec-WebSocket-Accept", "AAAA"), error.bad_sec_accept),  # type: ignore[list-item]
    (
        _set("Sec-WebSocket-Extensions", "permessage-deflate"),  # type: ignore[list-item]
        error.bad_extension,
    ),
    (_set("Sec-WebSocket-Protocol", "chat"), error.bad_subprotocol),  # type: ignore[list-item]
]


@pytest.mark.parametrize(("fault", "expected"), RESPONSE_FAULTS)
def test_check_response_each_fault(fault: Callable[[response], None], expected: error_code) -> None:
    res = good_response()
    fault(res)
    assert check_response(res, KEY) == expected


def test_check_response_first_failure_wins() -> None:
    for start in range(len(RESPONSE_FAULTS)):
        res = good_response()
        for fault, _ in RESPONSE_FAULTS[start + 1 :][::-1]:
            fault(res)
        RESPONSE_FAULTS[start][0](res)
        assert check_response(res, KEY) == RESPONSE_FAULTS[start][1], start


def test_check_response_wrong_key() -> None:
    assert check_response(good_response(), make_sec_key()) == error.bad_sec_accept


def test_subprotocols() -> None:
    req = build_request("h", "/", KEY)
    req.set(field.sec_websocket_protocol, "chat, superchat")
    res = good_response()
    assert check_response(res, KEY, req=req) == success
    res.set(field.sec_websocket_protocol, "superchat")
    assert check_response(res, KEY, req=req) == success
    res.set(field.sec_websocket_protocol, "Chat")
    assert check_response(res, KEY, req=req) == error.bad_subprotocol
    res.set(field.sec_websocket_protocol, "chat, superchat")
    assert check_response(res, KEY, req=req) == error.bad_subprotocol
    res.set(field.sec_websocket_protocol, "chat")
    res.insert(field.sec_websocket_protocol, "chat")
    assert check_response(res, KEY, req=req) == error.bad_subprotocol


# -- from the wire: the handshake bytes fed in every split ----------------------------------


def parse(
    chunks: list[bytes], parser: http.request_parser | http.response_parser
) -> request | response:
    buf = b""
    for chunk in chunks:
        buf += chunk
        while buf and not parser.is_done():
            used, ec = parser.put(buf)
            buf = buf[used:]
            if ec == http.error.need_more:
                break
            assert not ec, ec
    assert parser.is_done()
    assert buf == b""
    return parser.release()


RFC_REQUEST = (
    b"GET /chat HTTP/1.1\r\n"
    b"Host: server.example.com\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: keep-alive, Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Origin: http://example.com\r\n"
    b"Sec-WebSocket-Protocol: chat, superchat\r\n"
    b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)


def accept_from_wire(chunks: list[bytes]) -> tuple[str, bytes]:
    req = parse(chunks, http.request_parser(http.empty_body))
    assert isinstance(req, request)
    ec = check_request(req)
    return ec.name(), http.to_bytes(build_response(req, ec, ON))


def test_request_from_the_wire_in_every_split() -> None:
    name, raw = same_for_all_splits(RFC_REQUEST, accept_from_wire)
    assert name == "success"
    assert raw.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert b"\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" in raw
    assert b"\r\nSec-WebSocket-Extensions: permessage-deflate\r\n" in raw


def test_bad_request_from_the_wire_in_every_split() -> None:
    raw = RFC_REQUEST.replace(b"Sec-WebSocket-Version: 13", b"Sec-WebSocket-Version: 8")
    name, answer = same_for_all_splits(raw, accept_from_wire)
    assert name == "bad_sec_version"
    assert answer.startswith(b"HTTP/1.1 426 Upgrade Required\r\n")
    assert b"\r\nSec-WebSocket-Version: 13\r\n" in answer


def test_response_from_the_wire_in_every_split() -> None:
    key = make_sec_key()
    req = build_request("server.example.com", "/chat", key, None, ON)
    raw = http.to_bytes(build_response(req, check_request(req), ON))

    def connect(chunks: list[bytes]) -> tuple[str, DeflateParams | None]:
        res = parse(chunks, http.response_parser(http.empty_body))
        assert isinstance(res, response)
        return check_response(res, key, ON, req=req).name(), negotiated_deflate(res, ON)

    assert same_for_all_splits(raw, connect) == ("success", DeflateParams())


def test_declined_response_from_the_wire_in_every_split() -> None:
    req = build_request("h", "/", KEY)
    req.erase("Sec-WebSocket-Key")
    raw = http.to_bytes(build_response(req, check_request(req)))

    def connect(chunks: list[bytes]) -> tuple[str, bytes]:
        res = parse(chunks, http.response_parser())
        assert isinstance(res, response)
        body = res.body if isinstance(res.body, bytes) else res.body.encode()
        return check_response(res, KEY).name(), body

    assert same_for_all_splits(raw, connect) == (
        "upgrade_declined",
        b"The WebSocket handshake Sec-WebSocket-Key field is missing",
    )


# -- interoperability with the websockets library's sans-I/O handshake ----------------------


@pytest.mark.parametrize("deflate", [False, True])
def test_websockets_client_against_our_server(deflate: bool) -> None:
    client_mod = pytest.importorskip("websockets.client")
    pmd = pytest.importorskip("websockets.extensions.permessage_deflate")
    uri = pytest.importorskip("websockets.uri")
    exts = [pmd.ClientPerMessageDeflateFactory()] if deflate else None
    client = client_mod.ClientProtocol(uri.parse_uri("ws://example.com/chat"), extensions=exts)
    client.send_request(client.connect())
    req = parse([client.data_to_send()[0]], http.request_parser(http.empty_body))
    assert isinstance(req, request)
    ec = check_request(req)
    assert ec == success
    res = build_response(req, ec, ON)
    client.receive_data(http.to_bytes(res))
    [their_response] = client.events_received()
    assert their_response.status_code == 101
    assert client.handshake_exc is None
    assert client.state.name == "OPEN"
    assert (len(client.extensions) == 1) == deflate
    assert (negotiated_deflate(res) is not None) == deflate


@pytest.mark.parametrize("deflate", [False, True])
def test_our_client_against_websockets_server(deflate: bool) -> None:
    server_mod = pytest.importorskip("websockets.server")
    pmd = pytest.importorskip("websockets.extensions.permessage_deflate")
    exts = [pmd.ServerPerMessageDeflateFactory()] if deflate else None
    server = server_mod.ServerProtocol(extensions=exts)
    key = make_sec_key()
    offer = ON if deflate else None
    req = build_request("example.com", "/chat", key, None, offer)
    server.receive_data(http.to_bytes(req))
    [their_request] = server.events_received()
    server.send_response(server.accept(their_request))
    res = parse([server.data_to_send()[0]], http.response_parser(http.empty_body))
    assert isinstance(res, response)
    assert check_response(res, key, offer, req=req) == success
    params = negotiated_deflate(res, offer)
    assert (params is not None) == deflate


# -- a fault of our own while checking (issue 10 item 3) ------------------------------------


def _boom(*args: object) -> bool:
    raise RuntimeError("injected check fault")


def test_a_fault_while_checking_fails_with_the_running_checks_code(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from asiolike.beast.websocket import _handshake

    monkeypatch.setattr(_handshake, "token_list_contains", _boom)
    with caplog.at_level("ERROR", logger="asiolike.beast.websocket"):
        assert check_request(good_request()) == error.no_connection_upgrade
        res = build_response(good_request(), success)
        res.result(101)
        assert check_response(res, KEY) == error.no_connection_upgrade
    records = [r for r in caplog.records if r.name == "asiolike.beast.websocket"]
    assert len(records) == 2
    assert all(r.levelname == "ERROR" and r.exc_info is not None for r in records)


def test_a_fault_while_reading_the_deflate_offer_declines_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from asiolike.beast.websocket import _handshake

    monkeypatch.setattr(_handshake, "negotiate", _boom)
    req = good_request()
    req.set(field.sec_websocket_extensions, "permessage-deflate")
    with caplog.at_level("ERROR", logger="asiolike.beast.websocket"):
        res = build_response(req, success, ON)
    assert res.result_int() == 101 and res.find(field.sec_websocket_extensions) is None
    assert negotiated_deflate(res) is None
    assert len([r for r in caplog.records if r.name == "asiolike.beast.websocket"]) == 1
