"""Completion conditions: when ``read``/``write`` stop (Asio's ``completion_condition.hpp``).

A completion condition is any callable ``condition(ec, bytes_transferred) -> int``. The
algorithms call it before the first transfer (with success and 0) and after every
``read_some``/``write_some`` (with that step's error and the running total). It returns
the most bytes the next step may transfer; 0 means the operation is complete. As in Asio,
a ``bool`` result is also accepted: ``True`` means complete, ``False`` means go on with up
to :data:`~asiolike.completion_condition.default_max_transfer_size` bytes.

The three conditions Asio provides stop on the first error, so ``eof`` after a partial
read completes the operation with that error and the bytes read so far.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import index
from typing import Final

from asiolike.error import error_code

__all__ = [
    "CompletionCondition",
    "default_max_transfer_size",
    "transfer_all",
    "transfer_at_least",
    "transfer_exactly",
    "transfer_all_t",
    "transfer_at_least_t",
    "transfer_exactly_t",
]

default_max_transfer_size: Final = 65536
"""The most bytes one step of a composed read or write transfers (Asio's value)."""

CompletionCondition = Callable[[error_code, int], int]
"""``condition(ec, bytes_transferred) -> int``: bytes for the next step, 0 to stop."""


class transfer_all_t:
    """Go on until the buffer is full (or all data written), or an error occurs."""

    __slots__ = ()

    def __call__(self, ec: error_code, bytes_transferred: int) -> int:
        return 0 if ec else default_max_transfer_size

    def __repr__(self) -> str:
        return "transfer_all()"


class transfer_at_least_t:
    """Go on until at least ``minimum`` bytes were transferred, or an error occurs."""

    __slots__ = ("minimum",)

    def __init__(self, minimum: int) -> None:
        self.minimum = minimum

    def __call__(self, ec: error_code, bytes_transferred: int) -> int:
        if ec or bytes_transferred >= self.minimum:
            return 0
        return default_max_transfer_size

    def __repr__(self) -> str:
        return f"transfer_at_least({self.minimum})"


class transfer_exactly_t:
    """Go on until exactly ``size`` bytes were transferred, or an error occurs."""

    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        self.size = size

    def __call__(self, ec: error_code, bytes_transferred: int) -> int:
        if ec or bytes_transferred >= self.size:
            return 0
        left = self.size - bytes_transferred
        return left if left < default_max_transfer_size else default_max_transfer_size

    def __repr__(self) -> str:
        return f"transfer_exactly({self.size})"


_TRANSFER_ALL: Final = transfer_all_t()


def transfer_all() -> transfer_all_t:
    """The default condition: transfer until the buffer is done or an error occurs.

    Returns:
        A condition that returns
        :data:`~asiolike.completion_condition.default_max_transfer_size` while ``ec`` is
        success, and 0 on any error.
    """
    return _TRANSFER_ALL


def transfer_at_least(minimum: int) -> transfer_at_least_t:
    """Transfer until at least ``minimum`` bytes have been transferred, or an error.

    ``transfer_at_least(0)`` completes at once without transferring anything (through
    the queue, as every completion).

    Args:
        minimum: The number of bytes after which the operation is complete.

    Raises:
        ValueError: ``minimum`` is negative.
    """
    minimum = index(minimum)
    if minimum < 0:
        raise ValueError(f"transfer_at_least(): minimum must be >= 0, got {minimum}")
    return transfer_at_least_t(minimum)


def transfer_exactly(size: int) -> transfer_exactly_t:
    """Transfer exactly ``size`` bytes (never more), stopping early only on an error.

    Args:
        size: The number of bytes to transfer.

    Raises:
        ValueError: ``size`` is negative.
    """
    size = index(size)
    if size < 0:
        raise ValueError(f"transfer_exactly(): size must be >= 0, got {size}")
    return transfer_exactly_t(size)


def _check_condition(condition: object, who: str) -> CompletionCondition:
    """``condition`` if it is usable as a completion condition; raises at once otherwise."""
    if condition is None:
        return _TRANSFER_ALL
    if not callable(condition):
        raise TypeError(
            f"{who}: the completion condition must be callable as condition(ec, "
            f"bytes_transferred) -> int (e.g. transfer_at_least(n)), not {condition!r}"
        )
    return condition


def _adapt_result(result: object, who: str) -> int:
    """A condition's result as a byte count (Asio adapts ``bool`` results too)."""
    if type(result) is int:
        if result < 0:
            raise ValueError(f"{who}: the completion condition returned {result}, not >= 0")
        return result
    if type(result) is bool:
        return 0 if result else default_max_transfer_size
    try:
        n = index(result)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{who}: the completion condition must return an int (bytes for the next "
            f"step, 0 to stop), not {result!r}"
        ) from None
    if n < 0:
        raise ValueError(f"{who}: the completion condition returned {n}, not >= 0")
    return n
