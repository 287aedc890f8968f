"""Error codes, categories and conditions, as in Asio's ``asio::error``.

Theory of operation: an :class:`error_code` is an immutable ``(value, category)`` pair.
Every named error (``asiolike.error.eof``, ``websocket.error.closed``...) is an
``error_code`` constant made by its category's :meth:`enum_category.define`, so comparing a
result against a name is an ordinary ``==`` and ``if ec:`` tests for failure. A
:class:`error_condition` groups codes from any category (Beast's
``websocket::condition::handshake_failed``); ``ec == condition`` asks the condition.

Asio's ``basic_errors`` live in the system category with their errno values, so an
``OSError`` from the standard library maps to a code by its ``errno`` alone.
"""

from __future__ import annotations

import errno as _errno
import os
import socket as _socket
from collections.abc import Iterable
from typing import Final

__all__ = [
    "error_category",
    "enum_category",
    "condition_category",
    "error_code",
    "error_condition",
    "system_error",
    "system_category",
    "get_system_category",
    "get_misc_category",
    "get_netdb_category",
    "get_addrinfo_category",
    "make_error_code",
    "from_errno",
    "from_gaierror",
    "success",
]


# Categories by name, so that a pickled error_code finds its (unique) category again.
_categories_by_name: dict[str, error_category] = {}


def _category_named(name: str) -> error_category:
    category = _categories_by_name.get(name)
    if category is None:
        raise LookupError(f"no error category {name!r}: import the module that defines it")
    return category


class error_category:
    """A family of error values with a name, as ``asio::error_category``.

    Categories are compared by identity: each exists once (copying one gives it back).
    """

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name
        _categories_by_name.setdefault(name, self)

    def __copy__(self) -> error_category:
        return self

    def __deepcopy__(self, memo: object) -> error_category:
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (_category_named, (self._name,))

    def name(self) -> str:
        """The category's name, e.g. ``"asio.misc"``."""
        return self._name

    def message(self, value: int) -> str:
        """A human-readable description of ``value`` in this category."""
        return f"{self._name} error {value}"

    def value_name(self, value: int) -> str | None:
        """The symbolic name of ``value`` (``"eof"``), or ``None`` if it has none."""
        return None

    def equivalent(self, code: error_code, condition_value: int) -> bool:
        """Whether ``code`` matches the condition ``condition_value`` of this category."""
        return False

    def __repr__(self) -> str:
        return f"<error_category {self._name}>"


class _system_category(error_category):
    __slots__ = ()

    def message(self, value: int) -> str:
        if value == 0:
            return "Success"
        return os.strerror(value)

    def value_name(self, value: int) -> str | None:
        if value == 0:
            return "success"
        name = _SYSTEM_NAMES.get(value)
        if name is not None:
            return name
        return _errno.errorcode.get(value)


class enum_category(error_category):
    """A category whose values are defined one by one with a name and a message.

    Each library layer owns one (``asio.misc``, ``beast.http``, ``beast.websocket``...).
    """

    __slots__ = ("_messages", "_names")

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._names: dict[int, str] = {}
        self._messages: dict[int, str] = {}

    def define(self, value: int, name: str, message: str) -> error_code:
        """Register ``value`` under ``name`` and return its :class:`error_code` constant."""
        if value in self._names:
            raise ValueError(f"{self._name}: value {value} is already {self._names[value]!r}")
        self._names[value] = name
        self._messages[value] = message
        return error_code(value, self)

    def message(self, value: int) -> str:
        if value == 0:
            return "Success"
        return self._messages.get(value, f"{self._name} error {value}")

    def value_name(self, value: int) -> str | None:
        if value == 0:
            return "success"
        return self._names.get(value)


class condition_category(enum_category):
    """A category of conditions, each matching a set of error codes from any category."""

    __slots__ = ("_members",)

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._members: dict[int, frozenset[error_code]] = {}

    def define_condition(
        self, value: int, name: str, message: str, members: Iterable[error_code]
    ) -> error_condition:
        """Register a condition matching every code in ``members``."""
        self.define(value, name, message)
        self._members[value] = frozenset(members)
        return error_condition(value, self)

    def equivalent(self, code: error_code, condition_value: int) -> bool:
        members = self._members.get(condition_value)
        return members is not None and code in members


class error_code(int):
    """An error value and its category, as ``asio::error_code``.

    Falsy on success, truthy on failure: ``if ec: return fail(ec, "read")``. Compares equal
    to the same value of the same category, and to an :class:`error_condition` that
    matches it (never to a bare int). Immutable and hashable.

    It derives from ``int`` (holding the value) for one reason: ``if ec:``, in every
    handler of every program, is then answered by the interpreter without a call into
    Python code. Use :meth:`value` and :meth:`category` rather than arithmetic on it.
    """

    _value: int
    _category: error_category

    def __new__(
        cls, value: int | error_code = 0, category: error_category | None = None
    ) -> error_code:
        # Asio's error_code(e) is make_error_code(e): a copy of a code (every error
        # enumerator here, net.error.eof included, is an error_code), or a value and its
        # category. Anything else fails here, not later in message() or ==.
        if type(value) is not int:
            if isinstance(value, error_code):
                if category is not None:
                    raise TypeError(
                        "error_code(ec, category): a copied error_code keeps its own "
                        "category; pass error_code(ec) or error_code(int_value, category)"
                    )
                category = value._category
                value = value._value
            elif isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(
                    "error_code() takes an error_code (e.g. net.error.eof) or an int value "
                    f"with an optional category, not {value!r}"
                )
            else:
                value = int(value)
        elif category is not None and not isinstance(category, error_category):
            raise TypeError(f"error_code(value, category): not an error_category: {category!r}")
        self = int.__new__(cls, value)
        self._value = value
        self._category = system_category if category is None else category
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (error_code, (self._value, self._category))

    def value(self) -> int:
        """The numeric value (an errno for the system category)."""
        return self._value

    def category(self) -> error_category:
        """The category this value belongs to."""
        return self._category

    def message(self) -> str:
        """A human-readable description, e.g. ``"End of file"``."""
        return self._category.message(self._value)

    def name(self) -> str:
        """The symbolic name, e.g. ``"eof"`` or ``"connection_refused"`` (an asiolike extra)."""
        name = self._category.value_name(self._value)
        return name if name is not None else f"{self._category.name()}:{self._value}"

    def failed(self) -> bool:
        """True when this code holds an error (the same as ``bool(ec)``)."""
        return self._value != 0

    def __eq__(self, other: object) -> bool:
        if type(other) is error_code:
            return self._value == other._value and self._category is other._category
        if isinstance(other, error_condition):
            return other._category.equivalent(self, other._value)
        if isinstance(other, error_code):
            return self._value == other._value and self._category is other._category
        if isinstance(other, int):
            return False  # a bare int is no error_code (int's own == would say otherwise)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash((self._value, id(self._category)))

    def __repr__(self) -> str:
        return f"<error_code {self._category.name()}:{self._value} {self.name()}>"

    def __str__(self) -> str:
        return f"{self.name()} ({self._category.name()}:{self._value}): {self.message()}"


class error_condition:
    """A group of error codes that mean the same thing, as ``asio::error_condition``."""

    __slots__ = ("_category", "_value")

    def __init__(self, value: int, category: error_category) -> None:
        self._value = value
        self._category = category

    def value(self) -> int:
        """The numeric value of the condition."""
        return self._value

    def category(self) -> error_category:
        """The condition's category."""
        return self._category

    def message(self) -> str:
        """A human-readable description of the condition."""
        return self._category.message(self._value)

    def name(self) -> str:
        """The symbolic name, e.g. ``"handshake_failed"``."""
        name = self._category.value_name(self._value)
        return name if name is not None else f"{self._category.name()}:{self._value}"

    def __bool__(self) -> bool:
        return self._value != 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, error_condition):
            return self._value == other._value and self._category is other._category
        if isinstance(other, error_code):
            return self._category.equivalent(other, self._value)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._value, id(self._category)))

    def __repr__(self) -> str:
        return f"<error_condition {self._category.name()}:{self._value} {self.name()}>"


class system_error(OSError):
    """Raised by synchronous operations; carries the :class:`error_code` as ``.code``.

    An ``OSError`` subclass, so code that catches ``OSError`` keeps working; ``errno`` is set
    for system-category codes.
    """

    code: error_code

    def __init__(self, code: error_code, what: str = "") -> None:
        message = f"{what}: {code.message()}" if what else code.message()
        if code.category() is system_category:
            super().__init__(code.value(), message)
        else:
            super().__init__(message)
        self.code = code
        self._what = what

    def __str__(self) -> str:
        return f"{self.args[-1]} [{self.code.name()}]"

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.code, self._what))


system_category: Final[error_category] = _system_category("system")


def get_system_category() -> error_category:
    """The category of operating-system errors (errno values)."""
    return system_category


_misc = enum_category("asio.misc")
_netdb = enum_category("asio.netdb")
_addrinfo = enum_category("asio.addrinfo")


def get_misc_category() -> error_category:
    """The ``asio.misc`` category (``eof``, ``already_open``, ``not_found``...)."""
    return _misc


def get_netdb_category() -> error_category:
    """The ``asio.netdb`` category (``host_not_found``...)."""
    return _netdb


def get_addrinfo_category() -> error_category:
    """The ``asio.addrinfo`` category (``service_not_found``...)."""
    return _addrinfo


success: Final = error_code()
"""The shared success value (falsy)."""

# -- basic_errors: the system category, named as Asio names them -----------------------

_SYSTEM_NAMES: dict[int, str] = {}


def _sys(name: str, value: int) -> error_code:
    _SYSTEM_NAMES.setdefault(value, name)
    return error_code(value, system_category)


access_denied: Final = _sys("access_denied", _errno.EACCES)
address_family_not_supported: Final = _sys("address_family_not_supported", _errno.EAFNOSUPPORT)
address_in_use: Final = _sys("address_in_use", _errno.EADDRINUSE)
already_connected: Final = _sys("already_connected", _errno.EISCONN)
already_started: Final = _sys("already_started", _errno.EALREADY)
broken_pipe: Final = _sys("broken_pipe", _errno.EPIPE)
connection_aborted: Final = _sys("connection_aborted", _errno.ECONNABORTED)
connection_refused: Final = _sys("connection_refused", _errno.ECONNREFUSED)
connection_reset: Final = _sys("connection_reset", _errno.ECONNRESET)
bad_descriptor: Final = _sys("bad_descriptor", _errno.EBADF)
fault: Final = _sys("fault", _errno.EFAULT)
host_unreachable: Final = _sys("host_unreachable", _errno.EHOSTUNREACH)
in_progress: Final = _sys("in_progress", _errno.EINPROGRESS)
interrupted: Final = _sys("interrupted", _errno.EINTR)
invalid_argument: Final = _sys("invalid_argument", _errno.EINVAL)
message_size: Final = _sys("message_size", _errno.EMSGSIZE)
name_too_long: Final = _sys("name_too_long", _errno.ENAMETOOLONG)
network_down: Final = _sys("network_down", _errno.ENETDOWN)
network_reset: Final = _sys("network_reset", _errno.ENETRESET)
network_unreachable: Final = _sys("network_unreachable", _errno.ENETUNREACH)
no_descriptors: Final = _sys("no_descriptors", _errno.EMFILE)
no_buffer_space: Final = _sys("no_buffer_space", _errno.ENOBUFS)
no_memory: Final = _sys("no_memory", _errno.ENOMEM)
no_permission: Final = _sys("no_permission", _errno.EPERM)
no_protocol_option: Final = _sys("no_protocol_option", _errno.ENOPROTOOPT)
no_such_device: Final = _sys("no_such_device", _errno.ENODEV)
not_connected: Final = _sys("not_connected", _errno.ENOTCONN)
not_socket: Final = _sys("not_socket", _errno.ENOTSOCK)
operation_aborted: Final = _sys("operation_aborted", _errno.ECANCELED)
operation_not_supported: Final = _sys("operation_not_supported", _errno.EOPNOTSUPP)
shut_down: Final = _sys("shut_down", _errno.ESHUTDOWN)
timed_out: Final = _sys("timed_out", _errno.ETIMEDOUT)
try_again: Final = _sys("try_again", _errno.EAGAIN)
would_block: Final = _sys("would_block", _errno.EWOULDBLOCK)

# -- netdb_errors, addrinfo_errors, misc_errors -------------------------------------------

host_not_found: Final = _netdb.define(1, "host_not_found", "Host not found (authoritative)")
host_not_found_try_again: Final = _netdb.define(
    2, "host_not_found_try_again", "Host not found (non-authoritative), try again later"
)
no_recovery: Final = _netdb.define(
    3, "no_recovery", "A non-recoverable error occurred during database lookup"
)
no_data: Final = _netdb.define(
    4, "no_data", "The query is valid, but it does not have associated data"
)

service_not_found: Final = _addrinfo.define(
    1, "service_not_found", "Service not found for the specified socket type"
)
socket_type_not_supported: Final = _addrinfo.define(
    2, "socket_type_not_supported", "Socket type not supported"
)

already_open: Final = _misc.define(1, "already_open", "Already open")
eof: Final = _misc.define(2, "eof", "End of file")
not_found: Final = _misc.define(3, "not_found", "Element not found")
fd_set_failure: Final = _misc.define(
    4, "fd_set_failure", "The descriptor does not fit into the select call's fd_set"
)

_CODE_BY_ERRNO: dict[int, error_code] = {}


def from_errno(value: int) -> error_code:
    """The system-category :class:`error_code` for an errno value (shared instances)."""
    code = _CODE_BY_ERRNO.get(value)
    if code is None:
        code = _CODE_BY_ERRNO[value] = error_code(value, system_category)
    return code


_GAI_ERRORS: dict[int, error_code] = {}
for _gai_name, _gai_code in (
    ("EAI_NONAME", host_not_found),
    ("EAI_NODATA", no_data),
    ("EAI_AGAIN", host_not_found_try_again),
    ("EAI_FAIL", no_recovery),
    ("EAI_SERVICE", service_not_found),
    ("EAI_SOCKTYPE", socket_type_not_supported),
    ("EAI_FAMILY", address_family_not_supported),
    ("EAI_MEMORY", no_memory),
    ("EAI_BADFLAGS", invalid_argument),
):
    _gai_value = getattr(_socket, _gai_name, None)
    if _gai_value is not None:
        _GAI_ERRORS.setdefault(_gai_value, _gai_code)


def from_gaierror(exc: _socket.gaierror) -> error_code:
    """Map a ``socket.gaierror`` to the netdb/addrinfo code Asio would report."""
    value = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
    code = _GAI_ERRORS.get(value)
    if code is not None:
        return code
    if value == getattr(_socket, "EAI_SYSTEM", None) and exc.errno:
        return from_errno(exc.errno)
    return host_not_found


def make_error_code(exc: BaseException) -> error_code:
    """The :class:`error_code` an exception stands for.

    ``system_error`` gives its ``.code``; ``socket.gaierror`` maps as the resolver does;
    any other ``OSError`` maps by ``errno`` (``ConnectionResetError`` becomes
    ``connection_reset``...). Anything else is a programming error and is re-raised.
    """
    if isinstance(exc, system_error):
        return exc.code
    if isinstance(exc, _socket.gaierror):
        return from_gaierror(exc)
    if isinstance(exc, OSError) and exc.errno is not None:
        return from_errno(exc.errno)
    if isinstance(exc, TimeoutError):
        return timed_out
    raise exc


for _code in list(globals().values()):
    if type(_code) is error_code and _code.category() is system_category and _code:
        _CODE_BY_ERRNO.setdefault(_code.value(), _code)
del _code
