"""A header's fields: a case-insensitive, insertion-ordered multimap, as Beast's ``http::fields``.

Theory of operation: three parallel lists hold each field's name as given, its lower-cased
key and its value. Lookups (``find``, ``count``, ``in``) are then single C-level list scans;
a header has a few dozen fields at most, so this beats a dict of lists and keeps the wire
order for free. Every name and value is validated when it goes in, so a header that is
written can never be split or extended by the data it carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from asiolike.beast.http import _grammar

__all__ = ["fields"]

_OWS = " \t"


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"a field name must be a str or an http.field, not {type(name).__name__}")
    text = str(name)
    if _grammar.TOKEN.fullmatch(text) is None:
        raise ValueError(
            f"invalid field name {text!r}: a name must be a non-empty token of letters, digits "
            "and !#$%&'*+-.^_`|~ (RFC 9110 section 5.1); no spaces, colons or control characters"
        )
    return text


def _check_value(name: str, value: object) -> str:
    if isinstance(value, str):
        text = str(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    else:
        raise TypeError(
            f"the value of field {name!r} must be a str or an int, not {type(value).__name__}"
        )
    index = _grammar.first_bad_value_char(text)
    if index >= 0:
        char = text[index]
        if char in "\r\n\x00":
            what = "CR, LF and NUL would split the header or truncate it"
        elif ord(char) > 0xFF:
            what = "only Latin-1 characters have a one-octet encoding: encode it first (RFC 8187)"
        else:
            what = "control characters other than HTAB are not allowed (RFC 9110 section 5.5)"
        raise ValueError(f"invalid value for field {name!r}: {char!r} at index {index}; {what}")
    # Surrounding whitespace is not part of a field value (RFC 9110 section 5.5).
    return text.strip(_OWS)


class fields:
    """The fields of an HTTP header: a case-insensitive multimap that keeps insertion order.

    Names are compared without regard to letter case and kept as given for writing. Several
    fields may share a name (``insert``); ``set`` replaces them all. Iterating yields
    ``(name, value)`` pairs in the order the fields were added (or received).

    Names may be ``str`` or :class:`~asiolike.beast.http.field`; values ``str`` or ``int``
    (formatted in decimal). A name must be an RFC 9110 token; a value must not hold CR, LF,
    NUL or another control character except HTAB: anything else raises ``ValueError`` at
    once, so a bad name or value never reaches the wire. Leading and trailing spaces and tabs
    of a value are removed.

    :class:`~asiolike.beast.http.request` and :class:`~asiolike.beast.http.response` derive
    from this class, so a message is used as its own fields: ``req[field.host]``.
    """

    __slots__ = ("_keys", "_names", "_values")

    def __init__(self) -> None:
        self._names: list[str] = []
        self._keys: list[str] = []
        self._values: list[str] = []

    # -- lookup -------------------------------------------------------------------------

    def find(self, name: str) -> str | None:
        """The value of the first field called ``name``.

        Args:
            name: The field name (any letter case) or a :class:`field`.

        Returns:
            The value, or ``None`` when there is no such field.
        """
        key = name.lower()
        keys = self._keys
        if key in keys:
            return self._values[keys.index(key)]
        return None

    def count(self, name: str) -> int:
        """The number of fields called ``name``."""
        return self._keys.count(name.lower())

    def contains(self, name: str) -> bool:
        """Whether at least one field is called ``name`` (the same as ``name in fields``)."""
        return name.lower() in self._keys

    def equal_range(self, name: str) -> list[str]:
        """The values of every field called ``name``, in order (empty if there is none)."""
        key = name.lower()
        if key not in self._keys:
            return []  # the usual answer (Sec-WebSocket-Extensions...): no scan, no zip
        return [value for k, value in zip(self._keys, self._values, strict=True) if k == key]

    def at(self, name: str) -> str:
        """The value of the first field called ``name``.

        Raises:
            KeyError: There is no such field (Beast throws ``std::out_of_range``).
        """
        value = self.find(name)
        if value is None:
            raise KeyError(name)
        return value

    def __getitem__(self, name: str) -> str:
        """The value of the first field called ``name``, or ``""`` if there is none (Beast's
        ``operator[]``); use :meth:`find` to tell an empty value from a missing field."""
        key = name.lower()
        keys = self._keys
        if key in keys:
            return self._values[keys.index(key)]
        return ""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._keys

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return zip(self._names, self._values, strict=True)

    def __len__(self) -> int:
        return len(self._names)

    # -- modifiers ----------------------------------------------------------------------

    def insert(self, name: str, value: str | int) -> None:
        """Append a field, keeping any others of the same name.

        Args:
            name: The field name (a token) or a :class:`field`.
            value: The value, a ``str`` or an ``int``.

        Raises:
            ValueError: The name is not a token or the value holds a forbidden character.
            TypeError: The name or value has the wrong type.
        """
        text = _check_name(name)
        checked = _check_value(text, value)
        self._names.append(text)
        self._keys.append(text.lower())
        self._values.append(checked)

    def set(self, name: str, value: str | int) -> None:
        """Replace every field called ``name`` by one field with ``value``, added at the end.

        Args:
            name: The field name (a token) or a :class:`field`.
            value: The value, a ``str`` or an ``int``.

        Raises:
            ValueError: The name is not a token or the value holds a forbidden character.
            TypeError: The name or value has the wrong type.
        """
        text = _check_name(name)
        checked = _check_value(text, value)
        key = text.lower()
        if key in self._keys:
            self._remove(key)
        self._names.append(text)
        self._keys.append(key)
        self._values.append(checked)

    def __setitem__(self, name: str, value: str | int) -> None:
        self.set(name, value)

    def erase(self, name: str) -> int:
        """Remove every field called ``name``.

        Returns:
            How many fields were removed (0 if there was none).
        """
        key = name.lower()
        if key not in self._keys:
            return 0
        return self._remove(key)

    def __delitem__(self, name: str) -> None:
        if self.erase(name) == 0:
            raise KeyError(name)

    def clear(self) -> None:
        """Remove every field."""
        self._names.clear()
        self._keys.clear()
        self._values.clear()

    def _remove(self, key: str) -> int:
        keep = [i for i, k in enumerate(self._keys) if k != key]
        removed = len(self._keys) - len(keep)
        self._names = [self._names[i] for i in keep]
        self._keys = [self._keys[i] for i in keep]
        self._values = [self._values[i] for i in keep]
        return removed

    def _append_trusted(
        self, names: Iterable[str], keys: Iterable[str], values: Iterable[str]
    ) -> None:
        # Appends without the checks of insert(): for the parser, whose octets the header
        # grammar validated already, and for fields the library composes itself from
        # constants and values valid by construction (the WebSocket handshake). ``keys``
        # are the lower-cased names; values must not need trimming.
        self._names += names
        self._keys += keys
        self._values += values

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {list(self)!r}>"
