"""Tests for asiolike.completion_condition: Asio's transfer_all / at_least / exactly."""

from __future__ import annotations

import pytest

from asiolike.completion_condition import (
    _adapt_result,
    _check_condition,
    default_max_transfer_size,
    transfer_all,
    transfer_at_least,
    transfer_exactly,
)
from asiolike.error import eof, operation_aborted, success

MAX = default_max_transfer_size


def test_default_max_transfer_size_is_asios() -> None:
    assert MAX == 65536


def test_transfer_all() -> None:
    cond = transfer_all()
    assert cond(success, 0) == MAX
    assert cond(success, 10**9) == MAX
    assert cond(eof, 5) == 0
    assert cond(operation_aborted, 0) == 0
    assert transfer_all() is cond
    assert repr(cond) == "transfer_all()"


def test_transfer_at_least() -> None:
    cond = transfer_at_least(10)
    assert cond(success, 0) == MAX
    assert cond(success, 9) == MAX
    assert cond(success, 10) == 0
    assert cond(success, 11) == 0
    assert cond(eof, 3) == 0
    assert transfer_at_least(0)(success, 0) == 0
    assert repr(cond) == "transfer_at_least(10)"


def test_transfer_exactly() -> None:
    cond = transfer_exactly(100_000)
    assert cond(success, 0) == MAX
    assert cond(success, 100_000 - MAX) == MAX
    assert cond(success, 100_000 - 7) == 7
    assert cond(success, 100_000) == 0
    assert cond(eof, 50) == 0
    assert transfer_exactly(0)(success, 0) == 0
    assert repr(transfer_exactly(3)) == "transfer_exactly(3)"


def test_negative_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="minimum"):
        transfer_at_least(-1)
    with pytest.raises(ValueError, match="size"):
        transfer_exactly(-1)
    with pytest.raises(TypeError):
        transfer_exactly(1.5)  # type: ignore[arg-type]


def test_results_are_adapted_as_asio_does() -> None:
    assert _adapt_result(5, "x") == 5
    assert _adapt_result(0, "x") == 0
    assert _adapt_result(True, "x") == 0  # bool: "complete?"
    assert _adapt_result(False, "x") == MAX
    with pytest.raises(ValueError, match="not >= 0"):
        _adapt_result(-1, "x")
    with pytest.raises(TypeError, match="must return an int"):
        _adapt_result("3", "x")


def test_conditions_are_checked_at_once() -> None:
    assert _check_condition(None, "read") is transfer_all()
    cond = transfer_at_least(1)
    assert _check_condition(cond, "read") is cond
    with pytest.raises(TypeError, match="callable"):
        _check_condition(3, "read")
