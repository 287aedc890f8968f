"""Tests for asiolike.beast.http.field."""

from __future__ import annotations

from asiolike.beast.http import _grammar
from asiolike.beast.http.field import field, string_to_field


def test_members_are_their_canonical_spelling() -> None:
    expected: dict[field, str] = {
        field.host: "Host",
        field.content_length: "Content-Length",
        field.sec_websocket_key: "Sec-WebSocket-Key",
        field.sec_websocket_accept: "Sec-WebSocket-Accept",
        field.upgrade: "Upgrade",
        field.connection: "Connection",
        field.user_agent: "User-Agent",
        field.server: "Server",
        field.content_type: "Content-Type",
        field.transfer_encoding: "Transfer-Encoding",
        field.www_authenticate: "WWW-Authenticate",
        field.etag: "ETag",
        field.te: "TE",
        field.from_: "From",
    }
    for member, text in expected.items():
        assert member == text and str(member) == text and hash(member) == hash(text)
    assert f"{field.host}: x" == "Host: x"


def test_enough_names_and_all_valid_tokens() -> None:
    names = [member for member in field if member is not field.unknown]
    assert len(names) >= 60
    for member in names:
        assert _grammar.is_token(member.value), member
        assert member.name == member.value.lower().replace("-", "_").replace("from", "from_")


def test_string_to_field_is_case_insensitive() -> None:
    assert string_to_field("content-length") is field.content_length
    assert string_to_field("CONTENT-LENGTH") is field.content_length
    assert string_to_field("Sec-Websocket-Key") is field.sec_websocket_key
    assert string_to_field("X-Not-Known") is field.unknown
    assert string_to_field("") is field.unknown
    assert string_to_field("<unknown-field>") is field.unknown
