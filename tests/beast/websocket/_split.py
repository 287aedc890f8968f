"""The one way every WebSocket test feeds input: whole, byte by byte, split at every position.

``variants(data)`` yields ``(label, chunks)`` pairs; a test feeds the chunks in order and
asserts that every variant produces exactly what the whole input produces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def variants(data: bytes, every_split: bool = True) -> Iterator[tuple[str, list[bytes]]]:
    """Ways to cut ``data``: whole, one byte at a time, and (optionally) in two at every
    position."""
    yield "whole", [data]
    yield "bytewise", [data[i : i + 1] for i in range(len(data))]
    if every_split:
        for i in range(1, len(data)):
            yield f"split@{i}", [data[:i], data[i:]]


def same_for_all_splits(
    data: bytes, run: Callable[[list[bytes]], T], every_split: bool = True
) -> T:
    """Run ``run(chunks)`` for every variant; assert all results equal the whole input's.

    Returns:
        The result for the whole input.
    """
    expected: T | None = None
    for label, chunks in variants(data, every_split):
        result = run(chunks)
        if expected is None:
            expected = result
        else:
            assert result == expected, f"{label}: {result!r} != {expected!r}"
    assert expected is not None
    return expected
