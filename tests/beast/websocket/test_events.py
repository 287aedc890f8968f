"""Tests for asiolike.beast.websocket._events: the event objects a connection returns."""

from __future__ import annotations

import pytest

from asiolike.beast.websocket import error
from asiolike.beast.websocket._events import (
    CloseEvent,
    DataEvent,
    ErrorEvent,
    PingEvent,
    PongEvent,
)
from asiolike.beast.websocket.rfc6455 import close_code, close_reason


def test_fields_and_reprs() -> None:
    data = DataEvent(b"abc", True)
    assert (data.data, data.fin) == (b"abc", True)
    assert repr(data) == "DataEvent(3 bytes, fin=True)"
    ping = PingEvent(b"p", b"\x8a\x01p")
    assert (ping.payload, ping.reply) == (b"p", b"\x8a\x01p")
    assert repr(ping) == "PingEvent(b'p')"
    pong = PongEvent(b"q")
    assert repr(pong) == "PongEvent(b'q')"
    close = CloseEvent(close_reason(close_code.normal), b"\x88\x02\x03\xe8")
    assert repr(close) == "CloseEvent(close_reason(normal), reply=4 bytes)"
    failed = ErrorEvent(error.bad_opcode, close_code.protocol_error, b"\x88\x02\x03\xea")
    assert (failed.error, failed.code) == (error.bad_opcode, 1002)
    assert repr(failed) == "ErrorEvent(bad_opcode, code=1002)"
    assert repr(ErrorEvent(error.bad_opcode, None, b"")) == "ErrorEvent(bad_opcode, code=None)"


def test_events_have_no_dict() -> None:
    with pytest.raises(AttributeError):
        DataEvent(b"", False).extra = 1  # type: ignore[attr-defined]
