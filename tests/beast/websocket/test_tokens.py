"""Tests for asiolike.beast.websocket._tokens: RFC 7230 token and extension lists."""

from __future__ import annotations

import pytest

from asiolike.beast.websocket._tokens import (
    is_token,
    parse_ext_list,
    parse_token_list,
    token_list_contains,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("upgrade", True),
        ("Upgrade", True),
        ("keep-alive, Upgrade", True),
        ("keep-alive,upgrade ,close", True),
        ("\tupgrade\t", True),
        ("UPGRADE", True),
        ("close, UpGrAdE", True),
        ("upgrade2, upgrade", True),
        ("upgraded", False),
        ("x-upgrade", False),
        ("keep-alive", False),
        ("", False),
    ],
)
def test_token_list_contains(value: str, expected: bool) -> None:
    assert token_list_contains(value, "upgrade") is expected


def test_parse_token_list() -> None:
    assert parse_token_list(" chat , superchat,,") == ["chat", "superchat"]
    assert parse_token_list("") == []


def test_is_token() -> None:
    assert is_token("permessage-deflate")
    assert not is_token("")
    assert not is_token("a b")
    assert not is_token('a"')


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", []),
        ("permessage-deflate", [("permessage-deflate", [])]),
        (
            "permessage-deflate; client_max_window_bits",
            [("permessage-deflate", [("client_max_window_bits", None)])],
        ),
        (
            'permessage-deflate ; server_max_window_bits = "10"; client_no_context_takeover',
            [
                (
                    "permessage-deflate",
                    [("server_max_window_bits", "10"), ("client_no_context_takeover", None)],
                )
            ],
        ),
        (
            "x-foo, permessage-deflate;a=1, , y",
            [("x-foo", []), ("permessage-deflate", [("a", "1")]), ("y", [])],
        ),
        ('a; b="x\\"y"', [("a", [("b", 'x"y')])]),
    ],
)
def test_parse_ext_list(value: str, expected: list[object]) -> None:
    assert parse_ext_list(value) == expected


@pytest.mark.parametrize(
    "value",
    ["permessage-deflate x", "a;", "a; =1", "a; b=", 'a; b="x', "a b, c", ";a", "a; b=1 2"],
)
def test_parse_ext_list_rejects_malformed(value: str) -> None:
    assert parse_ext_list(value) is None
