"""``deferred``: an operation packaged now, started later with the token given then.

``op(..., net.deferred)`` initiates nothing; it returns a :class:`deferred_async_operation`,
a callable that takes the completion token later (``d(handler)``, ``d(net.use_future)``),
as Asio's ``deferred`` does. The same object can be awaited inside a coroutine started by
:func:`asiolike.co_spawn` (as ``use_awaitable``) and is what
:func:`asiolike.experimental.make_parallel_group` takes. It runs its operation once.

Asio's composition of deferred operations (``deferred(...)`` continuations,
``.then``/``deferred.when``) is not provided.
"""

from __future__ import annotations

from typing import Any, Final

from asiolike.awaitable import awaitable_op

__all__ = ["deferred_t", "deferred", "deferred_async_operation"]


class deferred_t:
    """The type of :data:`deferred`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "asiolike.deferred"


deferred: Final = deferred_t()
"""Completion token: the initiating function returns a :class:`deferred_async_operation`."""


class deferred_async_operation(awaitable_op[Any]):
    """An operation with its arguments, waiting for a completion token.

    Call it with a token to start it (the call returns what that token makes: ``None`` for
    a handler, a future for ``use_future``, an awaitable for ``use_awaitable``), or await it
    in a coroutine.
    """

    __slots__ = ()

    def __call__(self, token: Any) -> Any:
        from asiolike.async_result import async_initiate
        from asiolike.awaitable import EXCEPTION

        initiation = self._initiation
        if initiation is None:
            raise RuntimeError(
                f"{self!r} was already started: a deferred operation runs once; call the "
                "initiating function again for another"
            )
        self._initiation = None
        args = self._args
        self._args = ()
        return async_initiate(initiation, token, *args, exception_first=self._mode == EXCEPTION)

    def __repr__(self) -> str:
        init = self._initiation
        name = getattr(init, "__qualname__", None) or repr(init)
        return f"<deferred {name}>"
