"""Tests for asiolike.beast.websocket.rfc6455: close codes, close_reason, opcode, is_upgrade."""

from __future__ import annotations

from enum import IntEnum

import pytest

from asiolike.beast.http import request, verb
from asiolike.beast.websocket.rfc6455 import (
    close_code,
    close_reason,
    is_upgrade,
    opcode,
    ping_data_max,
    reason_string_max,
)


def test_close_code_values() -> None:
    expected = {
        "none": 0,
        "normal": 1000,
        "going_away": 1001,
        "protocol_error": 1002,
        "unknown_data": 1003,
        "reserved1": 1004,
        "no_status": 1005,
        "abnormal": 1006,
        "bad_payload": 1007,
        "policy_error": 1008,
        "too_big": 1009,
        "needs_extension": 1010,
        "internal_error": 1011,
        "service_restart": 1012,
        "try_again_later": 1013,
        "reserved2": 1014,
        "reserved3": 1015,
    }
    assert {m.name: m.value for m in close_code} == expected
    assert close_code.__members__["bad_gateway"] is close_code.reserved2


def test_opcode_values() -> None:
    assert (opcode.cont, opcode.text, opcode.binary) == (0, 1, 2)
    assert (opcode.close, opcode.ping, opcode.pong) == (8, 9, 10)
    assert [op.value for op in opcode] == list(range(16))


def test_limits() -> None:
    assert (reason_string_max, ping_data_max) == (123, 125)


def test_default_close_reason_is_falsy() -> None:
    cr = close_reason()
    assert not cr
    assert (cr.code, cr.reason) == (close_code.none, "")
    assert repr(cr) == "close_reason(none)"


def test_close_reason_from_code() -> None:
    cr = close_reason(close_code.going_away)
    assert cr
    assert (cr.code, cr.reason) == (1001, "")
    assert close_reason(4000).code == 4000


def test_close_reason_from_string_means_normal() -> None:
    cr = close_reason("bye")
    assert (cr.code, cr.reason) == (close_code.normal, "bye")
    assert cr == close_reason(close_code.normal, "bye")
    assert hash(cr) == hash(close_reason(1000, "bye"))
    assert cr != close_reason(close_code.normal, "bye!")
    assert repr(cr) == "close_reason(normal, 'bye')"


def test_reason_length_is_counted_in_utf8_bytes() -> None:
    assert close_reason(1000, "x" * 123).reason == "x" * 123
    with pytest.raises(ValueError, match="124 bytes"):
        close_reason(1000, "x" * 124)
    # 61 two-byte characters = 122 bytes fit; 62 = 124 do not.
    close_reason(1000, "é" * 61)
    with pytest.raises(ValueError, match="shorten"):
        close_reason(1000, "é" * 62)


@pytest.mark.parametrize("bad", [-1, 65536, 1 << 20])
def test_close_code_must_fit_16_bits(bad: int) -> None:
    with pytest.raises(ValueError, match="16 bits"):
        close_reason(bad)


def test_reason_without_code_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a code"):
        close_reason(close_code.none, "why")


def test_other_int_types_are_codes() -> None:
    class app_code(IntEnum):
        busy = 4000

    assert close_reason(app_code.busy).code == 4000
    assert close_reason(app_code.busy, "later").reason == "later"


def test_bad_argument_types() -> None:
    with pytest.raises(TypeError):
        close_reason("a", "b")
    with pytest.raises(TypeError):
        close_reason(True)
    with pytest.raises(TypeError):
        close_reason(1000.0)  # type: ignore[arg-type]


def upgrade_request(**changes: str | None) -> request:
    req = request(verb.get, "/", 11)
    values: dict[str, str | None] = {
        "Host": "example.com",
        "Connection": "Upgrade",
        "Upgrade": "websocket",
    }
    values.update(changes)
    for name, value in values.items():
        if value is not None:
            req.set(name, value)
    return req


def test_is_upgrade_accepts_an_upgrade() -> None:
    assert is_upgrade(upgrade_request())
    assert is_upgrade(upgrade_request(Connection="keep-alive, UPGRADE", Upgrade="WebSocket"))


def test_is_upgrade_refuses() -> None:
    assert not is_upgrade(upgrade_request(Connection=None))
    assert not is_upgrade(upgrade_request(Connection="keep-alive"))
    assert not is_upgrade(upgrade_request(Connection="upgraded"))
    assert not is_upgrade(upgrade_request(Upgrade=None))
    assert not is_upgrade(upgrade_request(Upgrade="h2c"))
    post = upgrade_request()
    post.method(verb.post)
    assert not is_upgrade(post)
    old = upgrade_request()
    old.version(10)
    assert not is_upgrade(old)
