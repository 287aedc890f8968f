"""The executor concept: what asiolike expects of an executor (Asio's Executor requirements).

Its own module, never compiled: a ``runtime_checkable`` protocol cannot be defined in a
module that mypyc compiles (docs/explanation/compiled.rst), and ``isinstance(x, Executor)``
is part of the public API (``asiolike.executor.Executor``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from asiolike.io_context import io_context

__all__ = ["Executor"]


@runtime_checkable
class Executor(Protocol):
    """What asiolike expects of an executor (an io_context's executor, a strand, ...)."""

    def context(self) -> io_context: ...

    def post(self, f: Callable[[], object]) -> None: ...

    def dispatch(self, f: Callable[[], object]) -> None: ...

    def defer(self, f: Callable[[], object]) -> None: ...

    def running_in_this_thread(self) -> bool: ...

    def on_work_started(self) -> None: ...

    def on_work_finished(self) -> None: ...
