"""Tests for asiolike.beast.http.status."""

from __future__ import annotations

import http as std_http

from asiolike.beast.http.status import (
    int_to_status,
    obsolete_reason,
    status,
    status_class,
    to_status_class,
)


def test_values() -> None:
    expected: dict[status, int] = {
        status.ok: 200,
        status.switching_protocols: 101,
        status.bad_request: 400,
        status.not_found: 404,
        status.upgrade_required: 426,
        status.continue_: 100,
    }
    for member, code in expected.items():
        assert member == code and int(member) == code
    assert status["content_too_large"] is status.payload_too_large
    assert status["unprocessable_content"] is status.unprocessable_entity


def test_every_rfc9110_code_is_known() -> None:
    rfc9110 = [100, 101, 200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 305, 307,
               308, *range(400, 418), 421, 422, 426, 500, 501, 502, 503, 504, 505]  # fmt: skip
    for code in rfc9110:
        assert int_to_status(code) != status.unknown, code
        assert obsolete_reason(code) != "<unknown-status>", code


def test_reasons_match_the_standard_library_where_rfc9110_agrees() -> None:
    for member in status:
        if member is status.unknown:
            continue
        assert obsolete_reason(member)
        try:
            std = std_http.HTTPStatus(int(member))
        except ValueError:
            continue
        if int(member) not in (413, 414, 416, 422):  # renamed by RFC 9110
            assert obsolete_reason(member) == std.phrase, member
    assert obsolete_reason(status.not_found) == "Not Found"
    assert obsolete_reason(413) == "Content Too Large"
    assert obsolete_reason(299) == "<unknown-status>"
    assert obsolete_reason(status.unknown) == "<unknown-status>"


def test_int_to_status() -> None:
    assert int_to_status(404) is status.not_found
    assert int_to_status(299) is status.unknown
    assert int_to_status(0) is status.unknown


def test_status_classes() -> None:
    assert to_status_class(status.continue_) is status_class.informational
    assert to_status_class(204) is status_class.successful
    assert to_status_class(status.found) is status_class.redirection
    assert to_status_class(404) is status_class.client_error
    assert to_status_class(599) is status_class.server_error
    assert to_status_class(99) is status_class.unknown
    assert to_status_class(600) is status_class.unknown
