"""Tests for asiolike.beast.websocket.error: names, values, messages and conditions."""

from __future__ import annotations

import pytest

from asiolike import error as asio_error
from asiolike.beast.websocket import error
from asiolike.error import error_code

BEAST_NAMES = [
    "closed",
    "buffer_overflow",
    "partial_deflate_block",
    "message_too_big",
    "bad_http_version",
    "bad_method",
    "no_host",
    "no_connection",
    "no_connection_upgrade",
    "no_upgrade",
    "no_upgrade_websocket",
    "no_sec_key",
    "bad_sec_key",
    "no_sec_version",
    "bad_sec_version",
    "no_sec_accept",
    "bad_sec_accept",
    "upgrade_declined",
    "bad_opcode",
    "bad_data_frame",
    "bad_continuation",
    "bad_reserved_bits",
    "bad_control_fragment",
    "bad_control_size",
    "bad_unmasked_frame",
    "bad_masked_frame",
    "bad_size",
    "bad_frame_payload",
    "bad_close_code",
    "bad_close_size",
    "bad_close_payload",
]
EXTRA_NAMES = ["bad_extension", "bad_subprotocol"]

HANDSHAKE = BEAST_NAMES[4:18] + EXTRA_NAMES
PROTOCOL = BEAST_NAMES[18:]
NEITHER = BEAST_NAMES[:4]


def code(name: str) -> error_code:
    value = getattr(error, name)
    assert isinstance(value, error_code)
    return value


def test_values_follow_beast_enum_order() -> None:
    assert [code(n).value() for n in BEAST_NAMES + EXTRA_NAMES] == list(range(1, 34))


@pytest.mark.parametrize("name", BEAST_NAMES + EXTRA_NAMES)
def test_each_code_is_named_in_the_category(name: str) -> None:
    ec = code(name)
    assert ec
    assert ec.name() == name
    assert ec.category().name() == "beast.websocket"
    assert ec.category() is error.get_websocket_category()
    assert ec.message().startswith("The WebSocket")
    assert ec == getattr(error, name)
    assert ec != asio_error.eof


def test_messages_match_beast() -> None:
    assert error.closed.message() == (
        "The WebSocket stream was gracefully closed at both endpoints"
    )
    assert error.bad_unmasked_frame.message() == "The WebSocket frame was unmasked"
    assert error.message_too_big.message() == (
        "The WebSocket message exceeded the locally configured limit"
    )


@pytest.mark.parametrize("name", HANDSHAKE)
def test_handshake_codes_match_handshake_failed(name: str) -> None:
    assert code(name) == error.condition.handshake_failed
    assert code(name) != error.condition.protocol_violation
    assert error.condition.handshake_failed == code(name)


@pytest.mark.parametrize("name", PROTOCOL)
def test_frame_codes_match_protocol_violation(name: str) -> None:
    assert code(name) == error.condition.protocol_violation
    assert code(name) != error.condition.handshake_failed


@pytest.mark.parametrize("name", NEITHER)
def test_stream_codes_match_no_condition(name: str) -> None:
    assert code(name) != error.condition.handshake_failed
    assert code(name) != error.condition.protocol_violation


def test_condition_category() -> None:
    hf = error.condition.handshake_failed
    pv = error.condition.protocol_violation
    assert hf.category().name() == "beast.websocket.condition"
    assert hf.category() is error.get_websocket_condition_category()
    assert (hf.value(), pv.value()) == (1, 2)
    assert (hf.name(), pv.name()) == ("handshake_failed", "protocol_violation")
    assert hf.message() == "The WebSocket handshake failed"
    assert pv.message() == "A WebSocket protocol violation occurred"
    assert asio_error.eof != hf


def test_condition_is_a_namespace() -> None:
    with pytest.raises(TypeError):
        error.condition()
