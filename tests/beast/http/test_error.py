"""Tests for asiolike.beast.http.error."""

from __future__ import annotations

from asiolike.beast import http
from asiolike.beast.http import error
from asiolike.error import error_code, success

NAMES = [
    "end_of_stream",
    "partial_message",
    "need_more",
    "unexpected_body",
    "need_buffer",
    "end_of_chunk",
    "buffer_overflow",
    "header_limit",
    "body_limit",
    "bad_alloc",
    "bad_line_ending",
    "bad_method",
    "bad_target",
    "bad_version",
    "bad_status",
    "bad_reason",
    "bad_field",
    "bad_value",
    "bad_content_length",
    "bad_transfer_encoding",
    "bad_chunk",
    "bad_chunk_extension",
    "bad_obs_fold",
    "multiple_content_length",
    "stale_parser",
    "short_read",
]


def test_http_error_is_the_module() -> None:
    assert http.error is error
    assert http.error.end_of_stream == error.end_of_stream


def test_codes_follow_beast_values_and_names() -> None:
    for value, name in enumerate(NAMES, start=1):
        code = getattr(error, name)
        assert isinstance(code, error_code)
        assert code.value() == value
        assert code.name() == name
        assert code.category() is error.get_http_category()
        assert code.category().name() == "beast.http"
        assert code and code.failed()
        assert code.message() and code.message() != f"beast.http error {value}"
    assert set(error.__all__) == {*NAMES, "get_http_category"}


def test_codes_compare_by_value_and_category() -> None:
    assert error.need_more == error_code(3, error.get_http_category())
    assert error.need_more != error.end_of_stream
    assert error.need_more != error_code(3)  # same value, system category
    assert error.need_more != success
    assert len({getattr(error, name) for name in NAMES}) == len(NAMES)


def test_str_mentions_name_and_message() -> None:
    text = str(error.header_limit)
    assert "header_limit" in text and "beast.http:8" in text and "limit" in text
