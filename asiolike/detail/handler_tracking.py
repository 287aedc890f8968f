"""Handler tracking: Asio's ``ASIO_ENABLE_HANDLER_TRACKING``, in Asio's own line format.

Theory of operation. Tracking is chosen per io_context when it is built: the
``handler_tracking`` argument, else the environment variable ``ASIOLIKE_HANDLER_TRACKING``
(read once, when this module is imported). A tracked context gets a :class:`tracker` (the
place its lines go); an untracked one has ``None``, and nothing on its paths changes.

Each handler is wrapped once, where it is created, in a :class:`tracked_handler`: by
:func:`track_initiation` (called from ``async_initiate``), by the tracked context's
executor (``post``/``dispatch``/``defer``) and by a strand of it. Creation writes
``<parent>*<id>|<object>@<address>.<operation>``, the parent being the handler running in
this thread when the handler was made (0 outside any handler). The wrapper writes ``>id``
when it is entered (with ``ec=`` and ``bytes_transferred=`` as Asio prints them), ``<id``
when the handler returns, ``!id`` when it raises, and ``~id`` when it is destroyed without
having been invoked (a handler still queued when its io_context is closed, say). Operations
on an object that complete no handler of their own (``close``, ``cancel``) write
``<current>|<object>@<address>.<operation>``.

The paths that are hot when tracking is off never test for it per handler: a context with
tracking gets a different executor class, ``async_initiate`` reads one module flag
(:data:`active`, false until some tracker exists), and the few fast paths that bypass
``async_initiate`` test their context's tracker once per operation.

Ids are process-wide and start at 1, as in Asio, so that lines from several contexts
writing to one stream never clash.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from types import FrameType
from typing import Any, Final, Protocol

from asiolike.detail.completion import associated_executor_of
from asiolike.detail.handler_check import register_wrapper
from asiolike.error import error_code

__all__ = [
    "ENV_ENABLE",
    "ENV_FILE",
    "TextSink",
    "active",
    "current_id",
    "make_tracker",
    "object_name",
    "track_initiation",
    "tracked_handler",
    "tracker",
]

ENV_ENABLE: Final = "ASIOLIKE_HANDLER_TRACKING"
"""Set to ``1`` (or ``true``, ``yes``, ``on``) to track the handlers of every io_context."""

ENV_FILE: Final = "ASIOLIKE_HANDLER_TRACKING_FILE"
"""A file to append the tracking lines to, instead of standard error."""


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "yes", "on")


_ENV_ON: Final = _truthy(os.environ.get(ENV_ENABLE))
_ENV_PATH: Final = os.environ.get(ENV_FILE) or None

active = False
"""True once any io_context tracks its handlers; ``async_initiate`` looks only at this."""

_next_id = itertools.count(1).__next__
_partial = functools.partial
# Asio prints at most this much of an object type and of an operation name.
_TYPE_WIDTH: Final = 20
_OPERATION_WIDTH: Final = 50
# How many frames above async_initiate to look for the public initiating function's name.
_NAME_DEPTH: Final = 4


class TextSink(Protocol):
    """Where tracking lines go: anything with ``write(str)`` (a text file, ``io.StringIO``)."""

    def write(self, s: str, /) -> object: ...


class _current_handler(threading.local):
    # The id of the tracked handler running in this thread (0: none).
    id = 0


_current = _current_handler()


def current_id() -> int:
    """The id of the tracked handler running in the calling thread, 0 outside any."""
    return _current.id


def _timestamp() -> str:
    micros = time.time_ns() // 1000
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def object_name(obj: object) -> str:
    """``<type>@<address>`` as Asio writes an I/O object (``socket@0x7f3a...``).

    The type is the class's ``_tracking_type`` when it defines one (``tcp.socket`` and the
    local sockets share ``"socket"``), else the class name; a class named ``stream`` gets
    its package in front (``ssl_stream``, ``testing_stream``), as several packages have one.
    """
    cls = type(obj)
    name = getattr(cls, "_tracking_type", None) or cls.__name__
    if name == "stream":
        package = cls.__module__.split(".")
        if len(package) > 2 and package[0] == "asiolike":
            name = f"{package[-2]}_stream"
    return f"{name[:_TYPE_WIDTH]}@{id(obj):#x}"


def _describe_args(args: tuple[Any, ...]) -> str:
    # Asio prints the error code (category name and value) and, for I/O handlers, the
    # byte count; other arguments (a socket, resolver results) are not shown.
    if not args or not isinstance(args[0], error_code):
        return ""
    ec = args[0]
    text = f"ec={ec.category().name()[:_TYPE_WIDTH]}:{ec.value()}"
    if len(args) == 2 and type(args[1]) is int:
        text += f",bytes_transferred={args[1]}"
    return text


class tracker:
    """Writes the tracking lines of one or more io_contexts to a text stream.

    Args:
        stream: where the lines go; ``None`` means ``sys.stderr`` as it is at each write
            (so that redirecting it later is honoured).
    """

    __slots__ = ("_deferred", "_lock", "_stream")

    def __init__(self, stream: TextSink | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        # Lines of handlers destroyed while the lock was held (see destroyed()).
        self._deferred: deque[str] = deque()

    def write(self, body: str) -> None:
        """Write ``@asio|<timestamp>|<body>`` as one line."""
        line = f"@asio|{_timestamp()}|{body}\n"
        with self._lock:
            self._emit(line)

    def destroyed(self, hid: int) -> None:
        """Write ``~hid``: the handler is being destroyed without having been invoked.

        Called from ``__del__``, which the garbage collector may run in the middle of a
        write by this very thread: the line is then deferred to the next write rather than
        waiting for a lock that will not be released.
        """
        line = f"@asio|{_timestamp()}|~{hid}|\n"
        if self._lock.acquire(blocking=False):
            try:
                self._emit(line)
            finally:
                self._lock.release()
        else:
            self._deferred.append(line)

    def _emit(self, line: str) -> None:
        # Called with the lock held.
        stream = self._stream if self._stream is not None else sys.stderr
        if stream is None:  # pragma: no cover - no stderr at all (pythonw, late shutdown)
            return
        deferred = self._deferred
        while deferred:
            stream.write(deferred.popleft())
        stream.write(line)

    def creation(
        self, handler: Callable[..., object], obj: object, operation: str
    ) -> tracked_handler:
        """Give ``handler`` an id, write its creation line, and return it wrapped."""
        hid = _next_id()
        wrapped = tracked_handler(handler, self, hid)
        self.write(f"{_current.id}*{hid}|{object_name(obj)}.{operation[:_OPERATION_WIDTH]}")
        return wrapped

    def wrap(self, f: Callable[..., object], obj: object, operation: str) -> Callable[..., object]:
        """:meth:`creation`, unless ``f`` is already tracked (alone or bound in a partial).

        An operation's completion re-submitted to an executor (a strand, a post for rule
        R1) keeps the id its handler got when the operation started.
        """
        t = type(f)
        if t is tracked_handler or (t is _partial and type(f.func) is tracked_handler):  # type: ignore[attr-defined]
            return f
        return self.creation(f, obj, operation)

    def operation(self, obj: object, operation: str) -> None:
        """Write that the running handler (or the main program) did ``operation`` on ``obj``."""
        self.write(f"{_current.id}|{object_name(obj)}.{operation[:_OPERATION_WIDTH]}")

    def __repr__(self) -> str:
        return f"<handler tracking to {self._stream if self._stream is not None else 'stderr'}>"


class tracked_handler:
    """A handler with a tracking id: writes ``>id``, ``<id``, ``!id`` or ``~id`` around it.

    It carries the wrapped handler's associated executor, so operations run it exactly
    where they would run the handler itself (rule R7).
    """

    __slots__ = ("associated_executor", "handler", "id", "invoked", "tracker")

    def __init__(self, handler: Callable[..., object], tracker: tracker, hid: int) -> None:
        self.handler = handler
        self.tracker = tracker
        self.id = hid
        self.invoked = False
        self.associated_executor = associated_executor_of(handler)

    def __call__(self, *args: Any) -> object:
        hid = self.id
        tracker = self.tracker
        self.invoked = True
        tracker.write(f">{hid}|{_describe_args(args)}")
        current = _current
        outer = current.id
        current.id = hid
        try:
            result = self.handler(*args)
        except BaseException:
            tracker.write(f"!{hid}|")
            raise
        finally:
            current.id = outer
        tracker.write(f"<{hid}|")
        return result

    def __del__(self) -> None:
        try:
            if not self.invoked:
                self.tracker.destroyed(self.id)
        except Exception:
            pass  # interpreter shutdown: the stream (or this module) may be gone already

    def __repr__(self) -> str:
        return f"<tracked handler {self.id} {self.handler!r}>"


register_wrapper(tracked_handler, "handler")


_default: tracker | None = None
_default_lock = threading.Lock()


def _default_tracker() -> tracker:
    # The one tracker of the default destination, shared by every context using it so
    # that their lines are written under one lock.
    global _default
    with _default_lock:
        if _default is None:
            stream: TextSink | None = None
            if _ENV_PATH is not None:
                try:
                    # Line-buffered: a crash must not lose the lines that explain it.
                    stream = open(_ENV_PATH, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
                except OSError as exc:
                    raise OSError(
                        exc.errno,
                        f"{ENV_FILE}={_ENV_PATH!r}: cannot open it for handler tracking "
                        f"({exc.strerror}); fix the path or unset the variable",
                    ) from None
            _default = tracker(stream)
        return _default


def make_tracker(option: object) -> tracker | None:
    """The tracker for a new io_context's ``handler_tracking`` argument.

    Args:
        option: ``None`` (follow ``ASIOLIKE_HANDLER_TRACKING``), ``True`` (track, to
            ``ASIOLIKE_HANDLER_TRACKING_FILE`` or standard error), ``False`` (never), or
            a text stream to write to.

    Raises:
        TypeError: ``option`` is none of those.
        OSError: the file named by ``ASIOLIKE_HANDLER_TRACKING_FILE`` cannot be opened.
    """
    global active
    if option is None:
        if not _ENV_ON:
            return None
        result = _default_tracker()
    elif option is True:
        result = _default_tracker()
    elif option is False:
        return None
    elif callable(getattr(option, "write", None)):
        result = tracker(option)  # type: ignore[arg-type]
    else:
        raise TypeError(
            "io_context(handler_tracking=...) takes None (follow the "
            f"{ENV_ENABLE} environment variable), True, False or a text stream with "
            f"write(), not {option!r}"
        )
    active = True
    return result


def _caller_name(default: str) -> str:
    # The public initiating function that called async_initiate: the first frame above
    # it whose name is not private (http.async_read calls it through _start_read).
    frame: FrameType | None = sys._getframe(3)
    if frame is not None and "async_initiate" not in frame.f_code.co_names:
        # The caller is compiled (docs/explanation/compiled.rst), so it has no frame: the
        # one here is its caller's. Its initiation names it (_initiate_read: async_read).
        if default.startswith("_initiate_"):
            return "async_" + default.removeprefix("_initiate_")
        return default
    for _ in range(_NAME_DEPTH):
        if frame is None:
            break
        name = frame.f_code.co_name
        if not name.startswith("_"):
            return name
        frame = frame.f_back
    return default


def track_initiation(
    handler: Callable[..., object], initiation: Callable[..., object], args: tuple[Any, ...]
) -> Callable[..., object]:
    """The handler ``async_initiate`` passes on: tracked if its I/O object's context is.

    The object is the initiation's ``self`` (``sock._initiate_read``), else the first
    argument with ``get_executor()`` (the stream of ``async_read(stream, ...)``). Without
    one (``post(ex, handler)`` goes through here too) the handler is left alone: the
    executor it is submitted to tracks it.
    """
    obj: Any = getattr(initiation, "__self__", None)
    if obj is None or not hasattr(obj, "get_executor"):
        for arg in args:
            if hasattr(arg, "get_executor"):
                obj = arg
                break
        else:
            return handler
    # Imported here: the scheduler module builds on this one.
    from asiolike.detail.scheduler import use_scheduler

    try:
        tracker = use_scheduler(obj.get_executor()).tracker
    except Exception:
        return handler
    if tracker is None or type(handler) is tracked_handler:
        return handler
    return tracker.creation(handler, obj, _caller_name(getattr(initiation, "__name__", "?")))
