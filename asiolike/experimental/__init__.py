"""Asio's ``experimental`` namespace: awaitable operators and parallel groups.

``net.experimental.make_parallel_group(...)`` with the conditions ``wait_for_all()``,
``wait_for_one()``, ``wait_for_one_success()`` and ``wait_for_one_error()``; the awaitable
operators ``|`` and ``&`` are defined on every awaitable (see
:mod:`asiolike.experimental.awaitable_operators`).
"""

from asiolike.experimental import awaitable_operators
from asiolike.experimental.awaitable_operators import all_of, any_of
from asiolike.experimental.parallel_group import (
    make_parallel_group,
    parallel_group,
    wait_for_all,
    wait_for_one,
    wait_for_one_error,
    wait_for_one_success,
)

__all__ = [
    "awaitable_operators",
    "all_of",
    "any_of",
    "make_parallel_group",
    "parallel_group",
    "wait_for_all",
    "wait_for_one",
    "wait_for_one_error",
    "wait_for_one_success",
]
