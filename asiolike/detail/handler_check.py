"""A handler of the wrong shape fails when its operation starts, not when it completes.

Asio rejects such a handler at compile time (its ``handler_type_requirements``); in Python a
handler that takes the wrong number of parameters would otherwise fail inside ``run()``,
at completion, several frames away from the line that started the operation. Each
operation checks its handler once, where it is built (the queued operations' constructors
and :class:`~asiolike.detail.completion.composed_op`), against its
:class:`completion_signature`, and raises :class:`TypeError` naming the signature expected.

Cost. The answer is cached per function: a module's or a class's function by itself (a
bound method by its ``__func__``), a callable object by its class, both hashed by
identity; a function that may not live as long as its module (a closure, a lambda or a
nested function, the method of a class defined inside a function) by its code object,
which holds no session, hashed by content (a few hundred more instructions). The check on
the hot path makes no call::

    h: Any = handler
    t = h.__class__
    key = h.__func__ if t is METHOD else h if t is FUNCTION else t
    ok = sig.verified
    if key not in ok and not ((t is METHOD or t is FUNCTION) and key.__code__ in ok):
        sig.check(handler)

These lines are written out in each queued operation's constructor and in
``composed_op.__init__`` rather than called: a Python call would double their cost in the
pure build (about 500 instructions more per operation, measured), and the operations are
the hot path. :func:`check_handler` is the same test for initiations that are not hot.

Like an ``assert``, the check is left out when Python runs with ``-O`` (:data:`CHECK`).
docs/explanation/completion.rst gives its cost per kind of handler and per round trip.

Nothing of the user's is kept (rule R10), and the caches stay bounded: only functions and
classes whose qualified name has no ``<locals>`` (created once, with their module), and
functions closing over nothing but their class, are kept themselves; of any other, only
its code object. A handler object is never hashed (it may not be hashable, or hash in
Python code). ``functools.partial`` objects and the binders are checked through (a call
each time: what they wrap decides). Handlers whose parameters cannot be read (built-in
functions, compiled callables, callable objects taking ``*args``) are accepted as they
are; asiolike's own wrappers (``bind_executor``, ``bind_cancellation_slot``, handler
tracking) are looked through (:func:`register_wrapper`).
"""

from __future__ import annotations

import functools
import inspect
import operator
import sys
import types
from collections.abc import Callable
from typing import Any, Final

__all__ = [
    "CHECK",
    "FUNCTION",
    "METHOD",
    "completion_signature",
    "check_handler",
    "register_wrapper",
    "EC",
    "EC_BYTES",
    "EC_SOCKET",
    "EC_RESULTS",
    "EC_SIGNAL",
    "EC_BYTES_SENDER",
    "EC_OK",
    "EC_BYTES_OK",
    "EC_BYTES_SENDER_OK",
    "EC_ENDPOINT",
    "EC_IS_TLS",
]

#: Whether operations check their handler: true unless Python runs with ``-O``, which
#: leaves the check out as it leaves out ``assert`` statements. A constant, so that the
#: compiled build reads it as one (``__debug__`` itself it looks up at run time).
CHECK: Final = __debug__
METHOD: Final = types.MethodType
FUNCTION: Final = types.FunctionType
_FUNCTION: Final = FUNCTION
_PARTIAL: Final = functools.partial
_VARARGS: Final = inspect.CO_VARARGS
# Wrappers that call one handler with the arguments they get (bind_executor's binder,
# bind_cancellation_slot's, a tracked handler): the handler inside is the one checked.
_WRAPPERS: dict[type, Callable[[Any], object]] = {}


def register_wrapper(cls: type, attribute: str) -> None:
    """Declare ``cls`` a wrapper whose ``attribute`` is the handler it forwards to."""
    _WRAPPERS[cls] = operator.attrgetter(attribute)


class completion_signature:
    """The parameters an operation's handler receives, e.g. ``handler(ec, bytes_transferred)``.

    Attributes:
        text: the signature as the error message shows it.
        nargs: how many positional arguments the handler is called with.
        verified: the cache of the hot-path check (see the module's docs).
    """

    __slots__ = ("_codes", "nargs", "text", "verified")

    def __init__(self, *params: str) -> None:
        self.nargs = len(params)
        self.text = f"handler({', '.join(params)})"
        self.verified: set[object] = set()
        self._codes: set[tuple[types.CodeType, int]] = set()

    def check(self, handler: object) -> None:
        """Raise :class:`TypeError` unless ``handler`` can take :attr:`nargs` arguments."""
        self._check(handler, self.nargs)

    def _check(self, handler: object, nargs: int) -> None:
        cls = handler.__class__
        mine = nargs == self.nargs  # else a partial's inner handler: cached per code only
        if cls is _PARTIAL:
            p: functools.partial[Any] = handler  # type: ignore[assignment]
            if not p.keywords:  # keywords may fill positional parameters: not checked
                self._check(p.func, nargs + len(p.args))
            return
        if cls is METHOD:
            func = handler.__func__  # type: ignore[attr-defined]
            bound = 1
        elif cls is _FUNCTION:
            func = handler
            bound = 0
        else:
            unwrap = _WRAPPERS.get(cls)
            if unwrap is not None:
                self._check(unwrap(handler), nargs)
                return
            # The class's own __call__ (the first in its MRO), not the instance's bound one.
            call = next((vars(c)["__call__"] for c in cls.__mro__ if "__call__" in vars(c)), None)
            if call.__class__ is _FUNCTION:
                self._verify_code(call, 1, nargs, handler)
            # else a built-in or compiled __call__: its parameters cannot be read
            if mine and _lives_with_module(cls):
                self.verified.add(cls)
            return
        if func.__class__ is not _FUNCTION:
            return  # a bound built-in
        self._verify_code(func, bound, nargs, handler)
        if mine:
            # A function created once, with its module, is the first key (hashed by
            # identity); of any other only the code object is kept (the second key, hashed
            # by content, which costs more): it may hold a session, and there may be one
            # per operation.
            self.verified.add(func if _lives_with_module(func) else func.__code__)

    def _verify_code(self, func: Any, bound: int, nargs: int, handler: object) -> None:
        """:meth:`_verify`, remembered per code object (a function's verdict differs when
        it is called as a bound method, hence the key ``(code, bound)``)."""
        key = (func.__code__, bound)
        if nargs == self.nargs and key in self._codes:
            return
        self._verify(func, bound, nargs, handler)
        if nargs == self.nargs:
            self._codes.add(key)

    def _verify(self, func: Any, bound: int, nargs: int, handler: object) -> None:
        code = func.__code__
        if code.co_flags & _VARARGS:
            return
        most = code.co_argcount - bound
        least = most - len(func.__defaults__ or ())
        if least <= nargs <= most:
            return
        takes = f"{most}" if least == most else f"{max(least, 0)} to {most}"
        raise TypeError(
            f"{_initiating_function()}: the completion handler must take {self.text}, "
            f"{nargs} argument{'s' if nargs != 1 else ''}; {_name(handler)} takes {takes} "
            f"({_where(code)})"
        )

    def __repr__(self) -> str:
        return f"<completion_signature {self.text}>"


def _lives_with_module(obj: Any) -> bool:
    """Whether ``obj`` (a function or a class) was created by its module's code, once: only
    then may a cache keep it (R10) without growing with every operation.

    Its qualified name has no ``<locals>`` and, for a function, it closes over nothing but
    its class (the cell of ``super()``): ``functools.wraps`` copies a name onto the closure
    a decorator makes, possibly for each operation.
    """
    if "<locals>" in obj.__qualname__:
        return False
    return obj.__class__ is not _FUNCTION or obj.__code__.co_freevars in _NO_CELLS


_NO_CELLS: Final = frozenset({(), ("__class__",)})


def _name(handler: object) -> str:
    name = getattr(handler, "__qualname__", None)
    return f"{name}()" if isinstance(name, str) else repr(handler)


def _where(code: types.CodeType) -> str:
    return f"defined at {code.co_filename}:{code.co_firstlineno}"


def _initiating_function() -> str:
    """The name of the public function that started the operation (read off the stack)."""
    # From the innermost Python frame: this function's own when interpreted, its
    # caller's when compiled (a compiled function has no frame).
    frame: types.FrameType | None = sys._getframe(0)
    while frame is not None:
        name = frame.f_code.co_name
        if (name.startswith("async_") and name != "async_initiate") or name in _OTHERS:
            owner = frame.f_locals.get("self")
            return name if owner is None else f"{type(owner).__name__}.{name}"
        frame = frame.f_back
    return "the operation"


_OTHERS: Final = frozenset({"post", "dispatch", "defer", "co_spawn"})

# The signatures of Asio's and Beast's completion handlers.
EC: Final = completion_signature("ec")
EC_BYTES: Final = completion_signature("ec", "bytes_transferred")
EC_SOCKET: Final = completion_signature("ec", "peer")
EC_RESULTS: Final = completion_signature("ec", "results")
EC_SIGNAL: Final = completion_signature("ec", "signal_number")
EC_BYTES_SENDER: Final = completion_signature("ec", "bytes_transferred", "sender_endpoint")
EC_ENDPOINT: Final = completion_signature("ec", "endpoint")
# The hot paths' caches, as module globals (one lookup instead of two).
EC_OK: Final = EC.verified
EC_BYTES_OK: Final = EC_BYTES.verified
EC_BYTES_SENDER_OK: Final = EC_BYTES_SENDER.verified
EC_IS_TLS: Final = completion_signature("ec", "is_tls")


def check_handler(handler: Callable[..., object], sig: completion_signature) -> None:
    """The hot-path check, for callers that are not on a hot path (one call)."""
    if not CHECK:
        return
    h: Any = handler
    t = h.__class__
    key = h.__func__ if t is METHOD else h if t is FUNCTION else t
    ok = sig.verified
    if key not in ok and not ((t is METHOD or t is FUNCTION) and key.__code__ in ok):
        sig.check(handler)
