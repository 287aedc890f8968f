"""Tests for asiolike.beast.http.verb."""

from __future__ import annotations

from asiolike.beast.http.field import field
from asiolike.beast.http.verb import string_to_verb, to_string, verb


def test_members_are_the_method_text() -> None:
    expected: dict[verb, str] = {
        verb.get: "GET",
        verb.post: "POST",
        verb.head: "HEAD",
        verb.put: "PUT",
        verb.delete_: "DELETE",
        verb.options: "OPTIONS",
        verb.connect: "CONNECT",
        verb.trace: "TRACE",
        verb.patch: "PATCH",
        verb.msearch: "M-SEARCH",
        verb.unknown: "<unknown>",
    }
    for member, text in expected.items():
        assert member == text and str(member) == text


def test_string_to_verb_is_case_sensitive() -> None:
    for member in verb:
        if member is not verb.unknown:
            assert string_to_verb(member.value) is member
    assert string_to_verb("get") is verb.unknown
    assert string_to_verb("BREW") is verb.unknown
    assert string_to_verb("<unknown>") is verb.unknown


def test_to_string() -> None:
    assert to_string(verb.delete_) == "DELETE"
    assert to_string(field.content_type) == "Content-Type"
    assert type(to_string(verb.get)) is str
