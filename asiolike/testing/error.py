"""Errors of the test support package (Beast's ``test::error``).

Only :class:`~asiolike.testing.fail_count` produces them: they stand for a failure injected
on purpose, so a test can tell it apart from every real error.
"""

from __future__ import annotations

from typing import Final

from asiolike.error import enum_category, error_category

__all__ = ["test_failure", "get_category"]

_category = enum_category("asiolike.testing")

test_failure: Final = _category.define(
    1,
    "test_failure",
    "A failure injected by asiolike.testing.fail_count (an automatic unit test failure)",
)
"""The error a :class:`~asiolike.testing.fail_count` injects unless told otherwise."""


def get_category() -> error_category:
    """The ``asiolike.testing`` error category."""
    return _category
