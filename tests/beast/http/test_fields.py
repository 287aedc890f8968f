"""Tests for asiolike.beast.http.fields."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asiolike.beast.http import field, fields

TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_insert_find_count_and_order() -> None:
    f = fields()
    f.insert(field.host, "example.com")
    f.insert("Set-Cookie", "a=1")
    f.insert("X-Other", 42)
    f.insert("set-cookie", "b=2")
    assert len(f) == 4
    assert list(f) == [
        ("Host", "example.com"),
        ("Set-Cookie", "a=1"),
        ("X-Other", "42"),
        ("set-cookie", "b=2"),
    ]
    assert f.count("SET-COOKIE") == 2
    assert f.find("set-cookie") == "a=1"
    assert f.equal_range(field.set_cookie) == ["a=1", "b=2"]
    assert f.equal_range("missing") == []
    assert f.find("missing") is None
    assert f["missing"] == ""
    assert f["HOST"] == "example.com"
    assert f.at("x-other") == "42"
    with pytest.raises(KeyError):
        f.at("missing")
    assert "host" in f and field.host in f and "missing" not in f and 3 not in f
    assert f.contains("X-OTHER") and not f.contains("nope")


def test_set_replaces_all_and_appends() -> None:
    f = fields()
    f.insert("A", "1")
    f.insert("B", "2")
    f.insert("a", "3")
    f.set("A", "4")
    assert list(f) == [("B", "2"), ("A", "4")]
    f["b"] = 5
    assert list(f) == [("A", "4"), ("b", "5")]
    f.set(field.content_type, field.host)  # a field is a str value too
    assert f[field.content_type] == "Host"


def test_erase_and_clear() -> None:
    f = fields()
    for i in range(3):
        f.insert("X", i)
    f.insert("Y", "y")
    assert f.erase("x") == 3
    assert f.erase("x") == 0
    assert list(f) == [("Y", "y")]
    del f["Y"]
    with pytest.raises(KeyError):
        del f["Y"]
    f.insert("Z", "z")
    f.clear()
    assert len(f) == 0 and list(f) == []


def test_values_are_trimmed() -> None:
    f = fields()
    f.set("X", " \t a b \t")
    assert f["X"] == "a b"
    f.set("Empty", "")
    assert f.find("Empty") == ""


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Host:",
        "Ho st",
        " Host",
        "Host\r\n",
        "X\x00",
        "Caf\xe9",
        "a(b)",
        "x/y",
        "X\x7f",
        "<unknown-field>",
    ],
)
def test_invalid_names_raise(name: str) -> None:
    f = fields()
    with pytest.raises(ValueError, match="token"):
        f.insert(name, "v")
    with pytest.raises(ValueError, match="token"):
        f.set(name, "v")
    assert len(f) == 0


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("a\r\nInjected: 1", "CR, LF and NUL"),
        ("a\rb", "CR, LF and NUL"),
        ("a\nb", "CR, LF and NUL"),
        ("a\x00b", "CR, LF and NUL"),
        ("a\x01", "control characters"),
        ("a\x7f", "control characters"),
        ("\u20ac", "Latin-1"),
    ],
)
def test_invalid_values_raise(value: str, what: str) -> None:
    f = fields()
    with pytest.raises(ValueError, match=what):
        f.insert("X", value)
    with pytest.raises(ValueError, match="'X'"):
        f["X"] = value
    assert len(f) == 0


def test_value_types() -> None:
    f = fields()
    f.set("Tab", "a\tb")
    f.set("Latin", "caf\xe9")
    f.set("Neg", -5)
    assert f["Tab"] == "a\tb" and f["Latin"] == "caf\xe9" and f["Neg"] == "-5"
    with pytest.raises(TypeError):
        f.set("X", True)
    with pytest.raises(TypeError):
        f.set("X", b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        f.set(b"X", "v")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        f.insert("X", 1.5)  # type: ignore[arg-type]


def test_repr() -> None:
    f = fields()
    f.set("A", "b")
    assert repr(f) == "<fields [('A', 'b')]>"


names = st.text(alphabet=TCHARS, min_size=1, max_size=8)
values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
    max_size=12,
)


@given(st.lists(st.tuples(st.sampled_from(["set", "insert", "erase"]), names, values), max_size=30))
def test_behaves_like_a_list_model(ops: list[tuple[str, str, str]]) -> None:
    f = fields()
    model: list[tuple[str, str]] = []
    for op, name, value in ops:
        if op == "insert":
            f.insert(name, value)
            model.append((name, value.strip(" \t")))
        elif op == "set":
            f.set(name, value)
            model = [(n, v) for n, v in model if n.lower() != name.lower()]
            model.append((name, value.strip(" \t")))
        else:
            removed = sum(1 for n, _ in model if n.lower() == name.lower())
            assert f.erase(name) == removed
            model = [(n, v) for n, v in model if n.lower() != name.lower()]
        assert list(f) == model
        key = name.upper()
        matching = [v for n, v in model if n.lower() == name.lower()]
        assert f.equal_range(key) == matching
        assert f.count(key) == len(matching)
        assert f.find(key) == (matching[0] if matching else None)
