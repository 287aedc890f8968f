"""HTTP messages, as Beast's ``http::request<Body>`` / ``http::response<Body>``.

A message *is* its fields (it derives from :class:`~asiolike.beast.http.fields`, as Beast's
``message`` derives from its header's ``Fields``), plus the start line and a ``body``
attribute. Start-line parts are read and written through Beast's overloaded accessors::

    req = http.request(http.verb.get, "/index.html", 11)
    req.set(http.field.host, "example.com")
    req.method()            # verb.get
    req.target("/other")    # set
    res = http.response(http.status.not_found, req.version())
    res.body = "no such page"
    res.prepare_payload()   # Content-Length: 12

The framing helpers (``keep_alive``, ``chunked``, ``content_length``, ``prepare_payload``)
edit the Connection, Transfer-Encoding and Content-Length fields the way Beast does.

A message has a body type (:mod:`~asiolike.beast.http.body`), ``http.string_body`` unless
given: ``http.response(http.status.ok, 11, body_type=http.file_body)``, or spelled as in
C++, ``http.response[http.file_body](http.status.ok, 11)``. ``body`` then starts as a new
``body_type.value_type()``.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, ClassVar, Final, Generic, overload

from typing_extensions import TypeVar

from asiolike.beast.http import _grammar
from asiolike.beast.http.body import (
    body_size,
    empty_body,
    is_body_type,
    string_body,
    vector_body,
)
from asiolike.beast.http.fields import fields
from asiolike.beast.http.status import (
    int_to_status,
    obsolete_reason,
    status,
    status_class,
    to_status_class,
)
from asiolike.beast.http.verb import string_to_verb, verb

__all__ = ["message", "request", "response", "string_body", "empty_body"]

#: The body type a message is parametrised with for type checkers (``request[file_body]``);
#: ``Any`` when not given, so that a bare ``http.request`` accepts every body type.
_B = TypeVar("_B", default=Any)

#: Body types whose value is octets in memory: sized and written in one piece.
IN_MEMORY_BODIES: Final = frozenset((string_body, empty_body, vector_body))


class _Unset(Enum):
    token = 0


_UNSET: Final = _Unset.token
_SUPPORTED_VERSIONS: Final = (10, 11)


def _check_version(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"the version must be an int such as 11, not {type(value).__name__}")
    if value not in _SUPPORTED_VERSIONS:
        raise ValueError(
            f"unsupported HTTP version {value}: use 11 for HTTP/1.1 or 10 for HTTP/1.0"
        )
    return value


def _check_body_type(body_type: Any) -> Any:
    if not is_body_type(body_type):
        raise TypeError(
            f"body_type must be a body type such as http.string_body or http.file_body "
            f"(the class itself), not {body_type!r}"
        )
    return body_type


_specialized: dict[tuple[type, Any], type] = {}


def _specialize(cls: type, body_type: Any) -> type:
    # http.request[http.file_body]: a subclass whose body type defaults to file_body.
    key = (cls, _check_body_type(body_type))
    made = _specialized.get(key)
    if made is None:
        name = f"{cls.__name__}[{getattr(body_type, '__name__', body_type)}]"
        made = type(name, (cls,), {"__slots__": (), "_default_body_type": body_type})
        made.__module__ = cls.__module__
        made.__qualname__ = name
        _specialized[key] = made
    return made


def _lower_tokens(values: list[str]) -> list[str]:
    return [item.lower() for value in values for item in _grammar.split_list(value)]


class message(fields, Generic[_B]):
    """What requests and responses share: version, body and the framing helpers.

    Not instantiated directly: use :class:`request` or :class:`response`.

    Attributes:
        body: The payload, ``bytes`` or ``str`` (written UTF-8 encoded). Any other bytes-like
            object works too. A parser stores the received body here as ``bytes``.
        is_request: ``True`` for :class:`request`, ``False`` for :class:`response`.
    """

    __slots__ = ("_body_type", "_version", "body")

    is_request: ClassVar[bool]
    _default_body_type: ClassVar[Any] = string_body
    body: Any

    def __init__(self, version: int, body: Any, body_type: Any) -> None:
        super().__init__()
        self._version = _check_version(version)
        if body_type is None:
            body_type = self._default_body_type
        elif body_type is not string_body:
            _check_body_type(body_type)
        self._body_type = body_type
        if body is None:
            body = b"" if body_type is string_body or body_type is empty_body else (
                body_type.value_type()
            )
        self.body = body

    def __class_getitem__(cls, body_type: Any) -> Any:
        """``http.request[http.file_body]``: Beast's ``http::request<http::file_body>``.

        The result is a subclass of ``cls`` whose messages default to that body type (for
        a type checker, ``request[file_body]``).
        """
        if is_body_type(body_type):
            return _specialize(cls, body_type)
        return super().__class_getitem__(body_type)  # type: ignore[misc]  # a TypeVar

    def body_type(self) -> Any:
        """The message's body type (``http.string_body`` unless given)."""
        return self._body_type

    def __bool__(self) -> bool:
        # A message is an object, not a container: an empty header must not make it falsy.
        return True

    @overload
    def version(self) -> int: ...
    @overload
    def version(self, value: int) -> None: ...
    def version(self, value: int | None = None) -> int | None:
        """Get or set the HTTP version: ``11`` for HTTP/1.1, ``10`` for HTTP/1.0.

        Raises:
            ValueError: Setting a version other than 10 or 11.
        """
        if value is None:
            return self._version
        self._version = _check_version(value)
        return None

    # -- framing ------------------------------------------------------------------------

    @overload
    def keep_alive(self) -> bool: ...
    @overload
    def keep_alive(self, value: bool) -> None: ...
    def keep_alive(self, value: bool | None = None) -> bool | None:
        """Get or set whether the connection stays open after this message.

        Reading: HTTP/1.1 keeps the connection unless Connection lists ``close``; HTTP/1.0
        closes it unless Connection lists ``keep-alive``. Setting edits the Connection field:
        ``close`` / ``keep-alive`` tokens are removed, then whichever the version needs is
        added; other tokens (``upgrade``) are kept.
        """
        if value is None:
            if "connection" not in self._keys:
                return self._version >= 11
            tokens = _lower_tokens(self.equal_range("connection"))
            if self._version < 11:
                return "keep-alive" in tokens
            return "close" not in tokens
        kept = [
            item
            for raw in self.equal_range("connection")
            for item in _grammar.split_list(raw)
            if item.lower() not in ("close", "keep-alive")
        ]
        if self._version < 11 and value:
            kept.append("keep-alive")
        elif self._version >= 11 and not value:
            kept.append("close")
        if kept:
            self.set("Connection", ", ".join(kept))
        else:
            self.erase("connection")
        return None

    @overload
    def chunked(self) -> bool: ...
    @overload
    def chunked(self, value: bool) -> None: ...
    def chunked(self, value: bool | None = None) -> bool | None:
        """Get or set whether the body is sent with the chunked transfer coding.

        Reading: the last coding of Transfer-Encoding is ``chunked``. Setting ``True``
        appends ``chunked`` to Transfer-Encoding (unless it is last already); ``False``
        removes a final ``chunked``. Either way Content-Length is removed, as in Beast.
        """
        if value is None and "transfer-encoding" not in self._keys:
            return False
        codings = _grammar.split_list(", ".join(self.equal_range("transfer-encoding")))
        is_chunked = bool(codings) and codings[-1].lower() == "chunked"
        if value is None:
            return is_chunked
        if value and not is_chunked:
            self.set("Transfer-Encoding", ", ".join([*codings, "chunked"]))
        elif not value and is_chunked:
            if len(codings) > 1:
                self.set("Transfer-Encoding", ", ".join(codings[:-1]))
            else:
                self.erase("transfer-encoding")
        self.erase("content-length")
        return None

    @overload
    def content_length(self) -> int | None: ...
    @overload
    def content_length(self, value: int | None) -> None: ...
    def content_length(self, value: int | _Unset | None = _UNSET) -> int | None:
        """Get or set Content-Length.

        Args:
            value: The length to set, or ``None`` to remove the field. Setting also removes
                a final ``chunked`` from Transfer-Encoding, as in Beast. Without an argument
                the current length is returned (``None`` when absent or not a number).

        Raises:
            ValueError: A negative length.
        """
        if value is _UNSET:
            text = self.find("content-length")
            return None if text is None else _grammar.uint64(text)
        if value is None:
            self.erase("content-length")
        else:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Content-Length must be an int >= 0, not {value!r}")
            self.set("Content-Length", value)
        if self.chunked():
            self._chunked_off()
        return None

    def _chunked_off(self) -> None:
        codings = _grammar.split_list(", ".join(self.equal_range("transfer-encoding")))
        if len(codings) > 1:
            self.set("Transfer-Encoding", ", ".join(codings[:-1]))
        else:
            self.erase("transfer-encoding")

    def has_content_length(self) -> bool:
        """Whether the message has a Content-Length field."""
        return "content-length" in self._keys

    def payload_size(self) -> int | None:
        """The size of the body in octets, or ``None`` if the body type cannot tell.

        A ``str`` body counts its UTF-8 encoding; a body type without ``size`` (such as
        ``buffer_body``) gives ``None``, as Beast's ``payload_size`` does.
        """
        body = self.body
        if self._body_type in IN_MEMORY_BODIES:
            if isinstance(body, str):
                return len(body) if body.isascii() else len(body.encode())
            return memoryview(body).nbytes
        return body_size(self._body_type, body)

    def need_eof(self) -> bool:
        """Whether the end of this message is signalled by closing the connection."""
        return not self.keep_alive()

    def __str__(self) -> str:
        """The message as it goes on the wire, decoded as UTF-8 (Beast's ``operator<<``).

        ``print(res)`` shows the start line, the fields and the body.
        """
        # Imported here: the serializer imports this module.
        from asiolike.beast.http.serializer import to_bytes

        try:
            data = to_bytes(self)  # type: ignore[arg-type]
        except (ValueError, OSError) as exc:
            return f"{self!r} (cannot be serialized: {exc})"
        return data.decode("utf-8", "replace")

    def prepare_payload(self) -> None:
        """Set the framing fields from the body, as Beast's ``prepare_payload``.

        Subclasses define the rules: see :meth:`request.prepare_payload` and
        :meth:`response.prepare_payload`.
        """
        raise NotImplementedError


class request(message[_B]):
    """An HTTP request: method, target, version, fields and body.

    Args:
        method: A :class:`~asiolike.beast.http.verb`, or any method token as ``str``.
        target: The request target, e.g. ``"/index.html?q=1"``.
        version: ``11`` (HTTP/1.1) or ``10`` (HTTP/1.0).
        body: The payload: ``bytes`` or ``str`` for a string body; by default an empty
            one, or a new ``body_type.value_type()``.
        body_type: The body type (:mod:`~asiolike.beast.http.body`), default
            ``http.string_body``.

    Raises:
        ValueError: A method that is not a token, an empty target or one holding spaces or
            control characters, an unsupported version.
        TypeError: ``body_type`` is not a body type.
    """

    __slots__ = ("_method", "_method_string", "_target")

    is_request: ClassVar[bool] = True

    def __init__(
        self,
        method: verb | str = verb.get,
        target: str = "/",
        version: int = 11,
        body: Any = None,
        body_type: Any = None,
    ) -> None:
        super().__init__(version, body, body_type)
        self._method = verb.get
        self._method_string = ""
        self.method(method)
        self._target = ""
        self.target(target)

    @classmethod
    def _blank(cls) -> request:
        # An empty GET / HTTP/1.1 request without running the validating constructor: for
        # the parser, and for the WebSocket handshake, which composes its own request.
        msg = cls.__new__(cls)
        msg._names, msg._keys, msg._values = [], [], []
        msg._version, msg.body, msg._body_type = 11, b"", string_body
        msg._method, msg._method_string, msg._target = verb.get, "", "/"
        return msg

    @overload
    def method(self) -> verb: ...
    @overload
    def method(self, value: verb | str) -> None: ...
    def method(self, value: verb | str | None = None) -> verb | None:
        """Get or set the method.

        Reading gives ``verb.unknown`` for a method outside :class:`verb`; its text is in
        :meth:`method_string`. Setting accepts a :class:`verb` or any token ``str``.

        Raises:
            ValueError: Setting ``verb.unknown`` (set the text with ``method_string``) or a
                string that is not a token.
        """
        if value is None:
            return self._method
        if isinstance(value, verb):
            if value is verb.unknown:
                raise ValueError(
                    "verb.unknown is not a method: pass the method text to method_string()"
                )
            self._method = value
            self._method_string = ""
        else:
            self.method_string(value)
        return None

    @overload
    def method_string(self) -> str: ...
    @overload
    def method_string(self, value: str) -> None: ...
    def method_string(self, value: str | None = None) -> str | None:
        """Get or set the method as text (``"GET"``, or a method outside :class:`verb`).

        Raises:
            ValueError: Setting a string that is not a token (RFC 9110 section 9.1).
        """
        if value is None:
            return self._method_string if self._method is verb.unknown else self._method.value
        if not isinstance(value, str) or not _grammar.is_token(value):
            raise ValueError(
                f"invalid method {value!r}: a method is a non-empty token such as 'GET' "
                "(letters, digits and !#$%&'*+-.^_`|~, case-sensitive)"
            )
        self._method = string_to_verb(value)
        self._method_string = value if self._method is verb.unknown else ""
        return None

    @overload
    def target(self) -> str: ...
    @overload
    def target(self, value: str) -> None: ...
    def target(self, value: str | None = None) -> str | None:
        """Get or set the request target (``"/path?query"``, ``"*"``, ``"host:443"``...).

        Raises:
            ValueError: Setting an empty target, or one holding a space, a control
                character (CR, LF...) or a character above U+00FF. Percent-encode them.
        """
        if value is None:
            return self._target
        if not isinstance(value, str) or not value:
            raise ValueError("the request target must be a non-empty str such as '/'")
        index = _grammar.first_bad_target_char(value)
        if index >= 0:
            raise ValueError(
                f"invalid request target {value!r}: {value[index]!r} at index {index}; "
                "spaces, CR, LF and other control characters must be percent-encoded"
            )
        self._target = value
        return None

    def prepare_payload(self) -> None:
        """Set the framing fields from the body, as Beast does for requests.

        A non-empty body gets its Content-Length; so does an empty one for OPTIONS, PUT and
        POST (whose servers expect a length). Otherwise Content-Length and a final
        ``chunked`` are removed: the request has no body. A body of unknown size (no
        ``size`` in its body type) makes an HTTP/1.1 request chunked.

        Raises:
            ValueError: A TRACE request with a body (RFC 9110 section 9.3.8).
        """
        size = self.payload_size()
        if size is None:
            if self._method is verb.trace:
                raise ValueError("a TRACE request must not have a body")
            self.content_length(None)
            self.chunked(self._version >= 11)
            return
        if self._method is verb.trace and size > 0:
            raise ValueError("a TRACE request must not have a body")
        if size > 0 or self._method in (verb.options, verb.put, verb.post):
            self.content_length(size)
        else:
            self.chunked(False)

    def __repr__(self) -> str:
        return (
            f"<request {self.method_string()} {self._target} "
            f"HTTP/{self._version // 10}.{self._version % 10} {list(self)!r} "
            f"body={self.payload_size()} octets>"
        )


class response(message[_B]):
    """An HTTP response: status, reason, version, fields and body.

    Args:
        result: A :class:`~asiolike.beast.http.status` or any code from 0 to 999.
        version: ``11`` (HTTP/1.1) or ``10`` (HTTP/1.0).
        body: The payload: ``bytes`` or ``str`` for a string body; by default an empty
            one, or a new ``body_type.value_type()``.
        body_type: The body type, default ``http.string_body``.

    Raises:
        ValueError: A code outside 0-999, an unsupported version.
        TypeError: ``body_type`` is not a body type.
    """

    __slots__ = ("_reason", "_result")

    is_request: ClassVar[bool] = False

    def __init__(
        self,
        result: status | int = status.ok,
        version: int = 11,
        body: Any = None,
        body_type: Any = None,
    ) -> None:
        super().__init__(version, body, body_type)
        self._result = 200
        self.result(result)
        self._reason = ""

    @classmethod
    def _blank(cls, result: int = 200, version: int = 11) -> response:
        # An empty response without running the validating constructor: for the parser, and
        # for the WebSocket handshake's 101, whose code and version (10 or 11) are known good.
        msg = cls.__new__(cls)
        msg._names, msg._keys, msg._values = [], [], []
        msg._version, msg.body, msg._body_type = version, b"", string_body
        msg._result, msg._reason = result, ""
        return msg

    @overload
    def result(self) -> status: ...
    @overload
    def result(self, value: status | int) -> None: ...
    def result(self, value: status | int | None = None) -> status | None:
        """Get or set the status code.

        Reading gives ``status.unknown`` for a code outside :class:`status`; the number is
        in :meth:`result_int`.

        Raises:
            ValueError: Setting a code outside 0-999.
        """
        if value is None:
            return int_to_status(self._result)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 999:
            raise ValueError(f"invalid status code {value!r}: use an int from 100 to 999")
        self._result = int(value)
        return None

    def result_int(self) -> int:
        """The status code as a number, whether or not :class:`status` knows it."""
        return self._result

    @overload
    def reason(self) -> str: ...
    @overload
    def reason(self, value: str) -> None: ...
    def reason(self, value: str | None = None) -> str | None:
        """Get or set the reason phrase.

        Reading gives the phrase set or received, else the standard phrase of the code
        (:func:`~asiolike.beast.http.obsolete_reason`). Setting ``""`` restores that default.

        Raises:
            ValueError: Setting a phrase holding CR, LF or another control character.
        """
        if value is None:
            return self._reason or obsolete_reason(self._result)
        if not isinstance(value, str):
            raise TypeError(f"the reason must be a str, not {type(value).__name__}")
        index = _grammar.first_bad_value_char(value)
        if index >= 0:
            raise ValueError(
                f"invalid reason phrase {value!r}: {value[index]!r} at index {index}; CR, LF "
                "and other control characters would break the status line"
            )
        self._reason = value
        return None

    def need_eof(self) -> bool:
        """Whether the end of this response is signalled by closing the connection.

        True when the response has a body but neither Content-Length nor chunked coding
        delimits it, or when it does not keep the connection alive.
        """
        code = self._result
        if (
            code in (204, 304)
            or to_status_class(code) is status_class.informational
            or self.has_content_length()
            or self.chunked()
        ):
            return not self.keep_alive()
        return True

    def prepare_payload(self) -> None:
        """Set the framing fields from the body, as Beast does for responses.

        Content-Length is set to the body size. 1xx and 204 responses never carry a body nor
        Content-Length (it is removed); a 304 keeps whatever Content-Length it has (it
        describes the would-be 200) but gets none added. Chunked coding is removed. A
        body of unknown size (no ``size`` in its body type) makes an HTTP/1.1 response
        chunked; an HTTP/1.0 one then ends when the connection closes.

        Raises:
            ValueError: A non-empty body on a 1xx, 204 or 304 response.
        """
        size = self.payload_size()
        code = self._result
        if to_status_class(code) is status_class.informational or code in (204, 304):
            if size is None or size > 0:
                raise ValueError(f"a {code} response must not have a body")
            if self.chunked():
                self._chunked_off()
            if code != 304:
                self.erase("content-length")
            return
        if size is None:
            self.content_length(None)
            self.chunked(self._version >= 11)
            return
        self.content_length(size)

    def __repr__(self) -> str:
        return (
            f"<response HTTP/{self._version // 10}.{self._version % 10} {self._result} "
            f"{self.reason()!r} {list(self)!r} body={self.payload_size()} octets>"
        )
