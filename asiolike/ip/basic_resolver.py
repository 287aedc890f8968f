"""``basic_resolver``: host and service names to endpoints (Asio's ``ip::basic_resolver``).

Theory of operation. A lookup whose answer needs no name service (a numeric host such as
``"127.0.0.1"`` or ``"::1"``, or no host, with a numeric or empty service) is answered at
once with ``getaddrinfo(AI_NUMERICHOST)`` and its completion queued on the io_context. Any
other lookup runs ``getaddrinfo`` on a shared pool of daemon threads
(:mod:`asiolike.detail.resolver_pool`); while it runs it counts as outstanding work, and the
thread queues the completion onto the io_context.

``cancel()`` completes the pending lookups with ``operation_aborted`` at once. A lookup
and a cancel race for each operation under the resolver's lock and only the first one
delivers, so every handler runs exactly once; an answer that arrives after a cancel is
dropped.

Results hold one entry per distinct endpoint, in the order ``getaddrinfo`` gave them
(``SOCK_STREAM`` is passed, so there is one per address, not one per socket type).
"""

from __future__ import annotations

import concurrent.futures
import enum
import ipaddress
import socket as _socket
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeAlias, TypeVar, overload

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.cancellation import cancellation_type, install_cancellation
from asiolike.detail import resolver_pool
from asiolike.detail.completion import op_executor, queued_op
from asiolike.detail.handler_check import EC_RESULTS, check_handler
from asiolike.detail.scheduler import invokes_directly, use_scheduler
from asiolike.error import (
    error_code,
    from_gaierror,
    host_not_found,
    no_recovery,
    operation_aborted,
    success,
    system_error,
)
from asiolike.executor import as_executor

if TYPE_CHECKING:
    from asiolike.detail.completion import Executor

__all__ = [
    "resolver_base",
    "resolver_flags",
    "basic_resolver_entry",
    "basic_resolver_results",
    "basic_resolver",
]


class resolver_flags(enum.IntFlag):
    """How a lookup is done (a bitmask; Asio's ``resolver_base::flags``)."""

    canonical_name = _socket.AI_CANONNAME
    """Report the host's canonical name as ``host_name()`` of the entries."""
    passive = _socket.AI_PASSIVE
    """The endpoints are for binding: an empty host gives the unspecified address."""
    numeric_host = _socket.AI_NUMERICHOST
    """The host is a numeric address; never ask a name service."""
    numeric_service = _socket.AI_NUMERICSERV
    """The service is a port number; never look up a service name."""
    v4_mapped = _socket.AI_V4MAPPED
    """With an IPv6 protocol: give v4-mapped addresses when there are no IPv6 ones."""
    all_matching = _socket.AI_ALL
    """With ``v4_mapped``: give the IPv6 and the v4-mapped addresses."""
    address_configured = _socket.AI_ADDRCONFIG
    """Only give IPv4 (IPv6) addresses if the system has a non-loopback IPv4 (IPv6) one."""


class resolver_base:
    """The flag names, reachable as ``tcp.resolver.passive`` (Asio's ``resolver_base``)."""

    __slots__ = ()

    flags = resolver_flags
    canonical_name = resolver_flags.canonical_name
    passive = resolver_flags.passive
    numeric_host = resolver_flags.numeric_host
    numeric_service = resolver_flags.numeric_service
    v4_mapped = resolver_flags.v4_mapped
    all_matching = resolver_flags.all_matching
    address_configured = resolver_flags.address_configured


#: The endpoint type of a resolver and its results (``tcp.endpoint`` for ``tcp.resolver``).
_Endpoint = TypeVar("_Endpoint")


class basic_resolver_entry(Generic[_Endpoint]):
    """One result of a lookup: an endpoint and the names it was found under."""

    __slots__ = ("_endpoint", "_host", "_service")

    def __init__(self, endpoint: _Endpoint, host_name: str, service_name: str) -> None:
        self._endpoint = endpoint
        self._host = host_name
        self._service = service_name

    def endpoint(self) -> _Endpoint:
        """The endpoint (``tcp.endpoint``)."""
        return self._endpoint

    def host_name(self) -> str:
        """The host name looked up (the canonical name with ``canonical_name``)."""
        return self._host

    def service_name(self) -> str:
        """The service name looked up."""
        return self._service

    def __eq__(self, other: object) -> bool:
        if isinstance(other, basic_resolver_entry):
            return (self._endpoint, self._host, self._service) == (
                other._endpoint,
                other._host,
                other._service,
            )
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._endpoint, self._host, self._service))

    def __repr__(self) -> str:
        return f"<resolver entry {self._endpoint} host={self._host!r} service={self._service!r}>"


class basic_resolver_results(Sequence[basic_resolver_entry[_Endpoint]], Generic[_Endpoint]):
    """The entries of a lookup (Asio's ``results_type``): iterable, sized, indexable.

    A successful lookup always has at least one entry.
    """

    __slots__ = ("_entries",)

    def __init__(self, entries: Sequence[basic_resolver_entry[_Endpoint]] = ()) -> None:
        self._entries = tuple(entries)

    def size(self) -> int:
        """The number of entries."""
        return len(self._entries)

    def empty(self) -> bool:
        """Whether there are no entries."""
        return not self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[basic_resolver_entry[_Endpoint]]:
        return iter(self._entries)

    @overload
    def __getitem__(self, index: int) -> basic_resolver_entry[_Endpoint]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[basic_resolver_entry[_Endpoint]]: ...

    def __getitem__(
        self, index: int | slice
    ) -> basic_resolver_entry[_Endpoint] | Sequence[basic_resolver_entry[_Endpoint]]:
        return self._entries[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, basic_resolver_results):
            return self._entries == other._entries
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._entries)

    def __repr__(self) -> str:
        return f"<resolver results {[str(e.endpoint()) for e in self._entries]}>"


_EMPTY: basic_resolver_results[Any] = basic_resolver_results()

ResolveHandler = Callable[[error_code, basic_resolver_results[_Endpoint]], object]
"""The handler of :meth:`basic_resolver.async_resolve`."""


class _protocol_like(Protocol):
    """What a query's protocol argument offers (``tcp.v4()``, ``udp.v6()``...)."""

    def family(self) -> int: ...
_IP_FAMILIES = frozenset({int(_socket.AF_INET), int(_socket.AF_INET6)})


class _query:
    __slots__ = ("endpoint", "family", "flags", "host", "service")

    def __init__(
        self, host: str, service: str, flags: int, family: int, endpoint: Any = None
    ) -> None:
        self.host = host
        self.service = service
        self.flags = flags
        self.family = family
        self.endpoint = endpoint

    def answerable_at_once(self) -> bool:
        """Whether getaddrinfo can answer without a name service (no thread needed)."""
        if self.endpoint is not None:
            return False
        service = self.service
        if service and not (service.isascii() and service.isdigit()):
            return False
        host = self.host
        if not host or self.flags & _socket.AI_NUMERICHOST:
            return True
        try:
            ipaddress.ip_address(host.partition("%")[0])
        except ValueError:
            return False
        self.flags |= _socket.AI_NUMERICHOST
        return True


class _resolve_op(queued_op):
    """One ``async_resolve``: delivers ``handler(ec, results)`` (``value`` is the results)."""

    __slots__ = ("done", "owner", "query")

    def __init__(
        self,
        handler: Callable[[error_code, basic_resolver_results[Any]], object],
        executor: Executor | None,
        owner: basic_resolver[Any],
        query: _query,
    ) -> None:
        check_handler(handler, EC_RESULTS)  # a call: lookups are not hot
        self.handler = handler
        self.executor = executor
        self.owner = owner
        self.query = query
        self.done = False
        self.ec = success
        self.value = _EMPTY

    def run(self) -> None:
        """The pool thread's job: look up, then deliver unless cancelled meanwhile."""
        if self.done:
            return
        try:
            ec, results = self.owner._lookup(self.query)
        except Exception:  # a lookup must always complete its handler
            ec, results = no_recovery, _EMPTY
        self.owner._finish(self, ec, results)


class basic_resolver(resolver_base, Generic[_Endpoint]):
    """Resolves host and service names into endpoints.

    Args:
        ctx_or_ex: the io_context, executor or strand that runs the handlers.

    Queries (for :meth:`resolve` and :meth:`async_resolve`, as Asio's overloads):

    * ``(host, service[, flags])``: any IP version;
    * ``(protocol, host, service[, flags])``: only ``protocol``'s version (``tcp.v4()``);
    * ``(endpoint)``: the reverse lookup: the host and service names of an endpoint.

    ``host`` is a name or a numeric address; empty means the loopback address (or, with
    ``passive``, the unspecified address). ``service`` is a port number or a service name
    (``"http"``); empty means port 0.
    """

    __slots__ = ("__weakref__", "_direct", "_executor", "_lock", "_pending", "_sched")

    protocol_type: ClassVar[Any]
    endpoint_type: ClassVar[Any]
    _socktype: ClassVar[int]
    _proto: ClassVar[int]

    if TYPE_CHECKING:
        results_type: TypeAlias = basic_resolver_results[Any]
        entry_type: TypeAlias = basic_resolver_entry[Any]
    else:  # the classes themselves, so that isinstance(x, tcp.resolver.results_type) works
        results_type = basic_resolver_results
        entry_type = basic_resolver_entry

    def __init__(self, ctx_or_ex: Any) -> None:
        executor = as_executor(ctx_or_ex)
        self._executor = executor
        self._sched = use_scheduler(executor)
        self._direct = invokes_directly(executor)
        self._lock = threading.Lock()
        self._pending: set[_resolve_op] = set()

    def get_executor(self) -> Executor:
        """The executor handlers run on by default."""
        return self._executor

    def cancel(self) -> None:
        """Complete every pending lookup with ``operation_aborted`` now.

        A lookup thread that finishes later is ignored: each handler runs once.
        """
        with self._lock:
            ops = list(self._pending)
        for op in ops:
            self._finish(op, operation_aborted, _EMPTY)

    # -- queries ----------------------------------------------------------------------------

    def _parse(self, args: tuple[Any, ...]) -> _query:
        if len(args) == 1 and isinstance(args[0], self.endpoint_type):
            return _query("", "", 0, 0, args[0])
        family = _socket.AF_UNSPEC
        if args and hasattr(args[0], "family") and not isinstance(args[0], str):
            family = args[0].family()
            args = args[1:]
        if len(args) not in (2, 3):
            raise TypeError(
                "resolve(host, service[, flags]), resolve(protocol, host, service[, flags]) "
                "or resolve(endpoint)"
            )
        host, service = args[0], args[1]
        flags = int(args[2]) if len(args) == 3 else 0
        if not isinstance(host, str) or not isinstance(service, str):
            raise TypeError(
                f"host and service are str (service may be a port number as text, e.g. "
                f'"80"), not {type(host).__name__} and {type(service).__name__}'
            )
        return _query(host, service, flags, family)

    def _lookup(self, query: _query) -> tuple[error_code, basic_resolver_results[_Endpoint]]:
        """Run the lookup in the calling thread (blocking)."""
        if query.endpoint is not None:
            return self._reverse(query.endpoint)
        try:
            infos = _socket.getaddrinfo(
                query.host or None,
                query.service or None,
                query.family,
                self._socktype,
                self._proto,
                query.flags,
            )
        except _socket.gaierror as exc:
            return from_gaierror(exc), _EMPTY
        except UnicodeError:
            return host_not_found, _EMPTY  # not encodable as a host name (IDNA)
        host = query.host
        if infos and infos[0][3]:
            host = infos[0][3]
        make = self.endpoint_type._from_sockaddr
        seen: set[Any] = set()
        entries: list[basic_resolver_entry[_Endpoint]] = []
        for family, _type, _proto, _canon, sa in infos:
            if family not in _IP_FAMILIES:
                continue
            endpoint = make(sa)
            if endpoint not in seen:
                seen.add(endpoint)
                entries.append(basic_resolver_entry(endpoint, host, query.service))
        return success, basic_resolver_results(entries)

    def _reverse(self, endpoint: Any) -> tuple[error_code, basic_resolver_results[_Endpoint]]:
        sa = endpoint._sockaddr()
        try:
            try:
                host, service = _socket.getnameinfo(sa, _socket.NI_NAMEREQD)
            except _socket.gaierror:
                host, service = _socket.getnameinfo(sa, _socket.NI_NUMERICHOST)
        except _socket.gaierror as exc:
            return from_gaierror(exc), _EMPTY
        return success, basic_resolver_results([basic_resolver_entry(endpoint, host, service)])

    # -- operations -------------------------------------------------------------------------

    def resolve(self, *args: Any) -> basic_resolver_results[_Endpoint]:
        """Look up a query (see the class), blocking the calling thread.

        Returns:
            The entries (never empty).

        Raises:
            system_error: ``host_not_found``, ``service_not_found``,
                ``host_not_found_try_again``...
        """
        ec, results = self._lookup(self._parse(args))
        if ec:
            raise system_error(ec, "resolve")
        return results

    @overload
    def async_resolve(
        self, host: str, service: str, token: use_awaitable_t, /
    ) -> awaitable[basic_resolver_results[_Endpoint]]: ...

    @overload
    def async_resolve(
        self, host: str, service: str, token: use_future_t, /
    ) -> concurrent.futures.Future[basic_resolver_results[_Endpoint]]: ...

    @overload
    def async_resolve(self, host: str, service: str, token: AdapterToken, /) -> Any: ...

    @overload
    def async_resolve(
        self, host: str, service: str, token: ResolveHandler[_Endpoint], /
    ) -> None: ...

    @overload
    def async_resolve(
        self, host: str, service: str, flags: int, token: use_awaitable_t, /
    ) -> awaitable[basic_resolver_results[_Endpoint]]: ...

    @overload
    def async_resolve(
        self, host: str, service: str, flags: int, token: use_future_t, /
    ) -> concurrent.futures.Future[basic_resolver_results[_Endpoint]]: ...

    @overload
    def async_resolve(self, host: str, service: str, flags: int, token: AdapterToken, /) -> Any: ...

    @overload
    def async_resolve(
        self, host: str, service: str, flags: int, token: ResolveHandler[_Endpoint], /
    ) -> None: ...

    @overload
    def async_resolve(
        self, protocol: _protocol_like, host: str, service: str, token: use_awaitable_t, /
    ) -> awaitable[basic_resolver_results[_Endpoint]]: ...

    @overload
    def async_resolve(
        self, protocol: _protocol_like, host: str, service: str, token: use_future_t, /
    ) -> concurrent.futures.Future[basic_resolver_results[_Endpoint]]: ...

    @overload
    def async_resolve(
        self, protocol: _protocol_like, host: str, service: str, token: AdapterToken, /
    ) -> Any: ...

    @overload
    def async_resolve(
        self, protocol: _protocol_like, host: str, service: str, token: ResolveHandler[_Endpoint], /
    ) -> None: ...

    @overload
    def async_resolve(
        self,
        protocol: _protocol_like,
        host: str,
        service: str,
        flags: int,
        token: use_awaitable_t,
        /,
    ) -> awaitable[basic_resolver_results[_Endpoint]]: ...

    @overload
    def async_resolve(
        self, protocol: _protocol_like, host: str, service: str, flags: int, token: use_future_t, /
    ) -> concurrent.futures.Future[basic_resolver_results[_Endpoint]]: ...

    @overload
    def async_resolve(
        self, protocol: _protocol_like, host: str, service: str, flags: int, token: AdapterToken, /
    ) -> Any: ...

    @overload
    def async_resolve(
        self,
        protocol: _protocol_like,
        host: str,
        service: str,
        flags: int,
        token: ResolveHandler[_Endpoint],
        /,
    ) -> None: ...

    @overload
    def async_resolve(
        self, endpoint: _Endpoint, token: use_awaitable_t, /
    ) -> awaitable[basic_resolver_results[_Endpoint]]: ...

    @overload
    def async_resolve(
        self, endpoint: _Endpoint, token: use_future_t, /
    ) -> concurrent.futures.Future[basic_resolver_results[_Endpoint]]: ...

    @overload
    def async_resolve(self, endpoint: _Endpoint, token: AdapterToken, /) -> Any: ...

    @overload
    def async_resolve(self, endpoint: _Endpoint, token: ResolveHandler[_Endpoint], /) -> None: ...

    def async_resolve(self, *args: Any) -> Any:
        """Start looking up a query (see the class); the last argument is the token.

        ``async_resolve(host, service[, flags], token)``,
        ``async_resolve(protocol, host, service[, flags], token)`` or
        ``async_resolve(endpoint, token)``. A name is looked up on a small shared pool of
        threads (the system's resolver blocks), so lookups may complete in any order; a
        numeric address is answered at once. Either way this call returns immediately;
        the handler is never invoked from within it.

        Args:
            args: the query (see the class), then the completion token: a handler,
                ``use_future``, ``use_awaitable``, or an adapter (``as_tuple``,
                ``cancel_after``...).

        Handler:
            ``handler(ec: error_code, results: results_type)``, run through its associated
            executor (by default the resolver's). ``results`` is empty when ``ec`` is set. A
            handler that cannot take these arguments makes this call raise ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future`` whose result is the
            ``results_type``; with ``use_awaitable``, an ``awaitable`` of it. A failing
            ``ec`` raises :class:`~asiolike.error.system_error` from either.

        Errors:
            ``host_not_found`` (no such name), ``host_not_found_try_again`` (no answer from
            the name service), ``service_not_found``, ``operation_aborted`` (``cancel()``,
            or a per-operation cancellation).

        Cancellation:
            Per operation (a handler with a cancellation slot, ``cancel_after``...):
            terminal, partial and total. Asio's resolver documents none; here the lookup's
            answer is dropped when it arrives, so the resolver is left as if it had never
            started and the handler gets ``operation_aborted`` at once.

        Raises:
            TypeError: no query, a query of none of the forms above, or a host or service
                that is not a ``str``.

        Example:
            ::

                def on_resolve(ec, results):
                    if ec:
                        return fail(ec, "resolve")
                    net.async_connect(sock, results, on_connect)

                resolver.async_resolve("example.com", "http", on_resolve)
        """
        if not args:
            raise TypeError("async_resolve(...) needs a query and a completion token")
        query = self._parse(args[:-1])
        return async_initiate(self._initiate_resolve, args[-1], query)

    def _initiate_resolve(
        self, handler: Callable[[error_code, basic_resolver_results[Any]], object], query: _query
    ) -> None:
        executor = op_executor(handler, self._executor, self._direct)
        op = _resolve_op(handler, executor, self, query)
        sched = self._sched
        if query.answerable_at_once():
            op.done = True
            op.ec, op.value = self._lookup(query)
            sched.post_immediate_completion(op)
            return
        with self._lock:
            self._pending.add(op)
        sched.work_started()
        try:
            resolver_pool.submit(op.run)
        except BaseException:
            with self._lock:
                self._pending.discard(op)
            sched.work_finished()
            raise
        # Per-operation cancellation: terminal, partial and total. Asio documents none for
        # its resolver; here the lookup's answer is simply dropped when it comes, which
        # leaves the resolver as if the lookup had never started.
        install_cancellation(
            handler, cancellation_type.all, self._finish, op, operation_aborted, _EMPTY
        )

    def _finish(
        self, op: _resolve_op, ec: error_code, results: basic_resolver_results[Any]
    ) -> None:
        # From a pool thread or from cancel(): the first caller delivers.
        with self._lock:
            if op.done:
                return
            op.done = True
            self._pending.discard(op)
        op.ec = ec
        op.value = results
        self._sched.post_deferred_completion(op)

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__} pending={len(self._pending)}>"
