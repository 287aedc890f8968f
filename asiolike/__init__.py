"""asiolike: Boost.Asio and Boost.Beast for Python.

Port Asio code by name: ``import asiolike as net`` and write ``net.io_context()``,
``net.post(ioc, handler)``, ``net.steady_timer(ioc, 5)``, ``net.async_read(...)``.
"""

# First: it chooses between the compiled and the pure-Python modules (asiolike/_build.py).
from asiolike import _build  # isort: skip
from asiolike import error, experimental, ip, local, socket_base
from asiolike._version import __version__
from asiolike.async_result import async_initiate, detached, detached_t, use_future, use_future_t
from asiolike.awaitable import (
    as_tuple,
    as_tuple_t,
    this_coro,
    use_awaitable,
    use_awaitable_t,
)
from asiolike.buffer import (
    DynamicBuffer,
    buffer,
    buffer_copy,
    buffer_overflow_error,
    buffer_size,
    dynamic_buffer,
    dynamic_vector_buffer,
    streambuf,
)
from asiolike.cancellation import (
    bind_cancellation_slot,
    cancel_after,
    cancel_at,
    cancellation_signal,
    cancellation_slot,
    cancellation_type,
    get_associated_cancellation_slot,
)
from asiolike.co_spawn import co_spawn
from asiolike.completion_condition import transfer_all, transfer_at_least, transfer_exactly
from asiolike.connect import async_connect, connect
from asiolike.deferred import deferred, deferred_t
from asiolike.detail.completion import (
    bind_executor,
    executor_binder,
    get_associated_executor,
)
from asiolike.error import error_code, error_condition, system_error
from asiolike.executor import (
    defer,
    dispatch,
    executor_work_guard,
    make_work_guard,
    post,
)
from asiolike.io_context import io_context, io_context_executor
from asiolike.read import async_read, read
from asiolike.read_until import async_read_until, read_until
from asiolike.signal_set import signal_set
from asiolike.steady_timer import steady_timer
from asiolike.strand import make_strand, strand
from asiolike.system_timer import system_timer
from asiolike.thread_pool import thread_pool
from asiolike.write import async_write, write

compiled: bool = _build.compiled
"""Whether the core runs compiled with mypyc (docs/explanation/compiled.rst): ``False`` for
the pure-Python package, and with ``ASIOLIKE_NO_EXTENSIONS=1`` in the environment."""

__all__ = [
    "as_tuple",
    "as_tuple_t",
    "bind_cancellation_slot",
    "compiled",
    "cancel_after",
    "cancel_at",
    "cancellation_signal",
    "cancellation_slot",
    "cancellation_type",
    "co_spawn",
    "deferred",
    "deferred_t",
    "detached",
    "detached_t",
    "experimental",
    "get_associated_cancellation_slot",
    "this_coro",
    "use_awaitable",
    "use_awaitable_t",
    "DynamicBuffer",
    "__version__",
    "async_connect",
    "async_initiate",
    "async_read",
    "async_read_until",
    "async_write",
    "buffer",
    "buffer_copy",
    "buffer_overflow_error",
    "buffer_size",
    "connect",
    "dynamic_buffer",
    "dynamic_vector_buffer",
    "ip",
    "local",
    "read",
    "read_until",
    "signal_set",
    "socket_base",
    "streambuf",
    "transfer_all",
    "transfer_at_least",
    "transfer_exactly",
    "write",
    "bind_executor",
    "defer",
    "dispatch",
    "error",
    "error_code",
    "error_condition",
    "executor_binder",
    "executor_work_guard",
    "get_associated_executor",
    "io_context",
    "io_context_executor",
    "make_strand",
    "make_work_guard",
    "post",
    "steady_timer",
    "system_timer",
    "strand",
    "system_error",
    "thread_pool",
    "use_future",
    "use_future_t",
]
