"""Tests for asiolike.error: error codes, categories, conditions, system_error, mappings."""

from __future__ import annotations

import copy
import errno
import os
import pickle
import socket

import pytest

from asiolike import error
from asiolike.error import (
    condition_category,
    enum_category,
    error_code,
    error_condition,
    system_error,
)

# Every Asio name the library promises, with its category and (for system codes) errno.
ASIO_SYSTEM_NAMES = {
    "operation_aborted": errno.ECANCELED,
    "connection_reset": errno.ECONNRESET,
    "connection_refused": errno.ECONNREFUSED,
    "connection_aborted": errno.ECONNABORTED,
    "broken_pipe": errno.EPIPE,
    "timed_out": errno.ETIMEDOUT,
    "would_block": errno.EWOULDBLOCK,
    "not_connected": errno.ENOTCONN,
    "bad_descriptor": errno.EBADF,
    "address_in_use": errno.EADDRINUSE,
    "shut_down": errno.ESHUTDOWN,
    "message_size": errno.EMSGSIZE,
    "invalid_argument": errno.EINVAL,
}
ASIO_OTHER_NAMES = {
    "eof": ("asio.misc", 2),
    "already_open": ("asio.misc", 1),
    "not_found": ("asio.misc", 3),
    "host_not_found": ("asio.netdb", 1),
    "service_not_found": ("asio.addrinfo", 1),
}


# -- error_code basics ----------------------------------------------------------------------


def test_success_is_falsy_and_zero() -> None:
    assert not error.success
    assert error.success.failed() is False
    assert error.success.value() == 0
    assert error.success.category() is error.system_category
    assert error.success.message() == "Success"
    assert error.success.name() == "success"
    assert error_code() == error.success
    assert error_code(0, error.system_category) == error.success


def test_failure_is_truthy() -> None:
    assert error.eof
    assert error.eof.failed() is True
    assert bool(error.operation_aborted) is True


@pytest.mark.parametrize(("name", "value"), sorted(ASIO_SYSTEM_NAMES.items()))
def test_asio_system_names_exist(name: str, value: int) -> None:
    code = getattr(error, name)
    assert type(code) is error_code
    assert code.value() == value
    assert code.category() is error.system_category
    assert code.category().name() == "system"
    assert code.message() == os.strerror(value)
    assert code


@pytest.mark.parametrize(("name", "where"), sorted(ASIO_OTHER_NAMES.items()))
def test_asio_other_names_exist(name: str, where: tuple[str, int]) -> None:
    code = getattr(error, name)
    assert type(code) is error_code
    assert (code.category().name(), code.value()) == where
    assert code.name() == name
    assert code


def test_names_and_messages() -> None:
    assert error.eof.name() == "eof"
    assert error.eof.message() == "End of file"
    assert error.connection_reset.name() == "connection_reset"
    assert error.operation_aborted.name() == "operation_aborted"
    assert error.host_not_found.message() == "Host not found (authoritative)"
    # A value nobody named still has a usable name and message.
    odd = error_code(4242, error.get_misc_category())
    assert odd.name() == "asio.misc:4242"
    assert odd.message() == "asio.misc error 4242"


def test_category_names_and_accessors() -> None:
    assert error.get_system_category() is error.system_category
    assert error.get_system_category().name() == "system"
    assert error.get_misc_category().name() == "asio.misc"
    assert error.get_netdb_category().name() == "asio.netdb"
    assert error.get_addrinfo_category().name() == "asio.addrinfo"
    assert error.eof.category() is error.get_misc_category()
    assert error.host_not_found.category() is error.get_netdb_category()
    assert error.service_not_found.category() is error.get_addrinfo_category()


def test_equality_is_value_and_category() -> None:
    assert error.eof == error_code(2, error.get_misc_category())
    assert error.eof != error_code(2, error.system_category)  # ENOENT, another category
    assert error.eof != error.already_open
    assert error.connection_reset == error_code(errno.ECONNRESET)
    assert error.connection_reset != error.connection_refused
    assert (error.eof == 2) is False
    assert (error.eof != "eof") is True
    # Success of another category is not *the* success value, but it is still falsy.
    other_success = error_code(0, error.get_misc_category())
    assert other_success != error.success
    assert not other_success


def test_hash_matches_equality() -> None:
    assert hash(error.eof) == hash(error_code(2, error.get_misc_category()))
    table = {error.eof: "eof", error.connection_reset: "reset"}
    assert table[error_code(errno.ECONNRESET)] == "reset"
    assert table[error_code(2, error.get_misc_category())] == "eof"
    assert len({error.eof, error_code(2, error.get_misc_category()), error.success}) == 2


def test_repr_and_str() -> None:
    assert repr(error.eof) == "<error_code asio.misc:2 eof>"
    assert str(error.eof) == "eof (asio.misc:2): End of file"
    reset = error.connection_reset
    assert repr(reset) == f"<error_code system:{errno.ECONNRESET} connection_reset>"
    assert str(reset) == (
        f"connection_reset (system:{errno.ECONNRESET}): {os.strerror(errno.ECONNRESET)}"
    )


def test_codes_are_values_under_copy_and_pickle() -> None:
    # Immutable values: a copy (or a pickled round trip) is equal to the original.
    for code in (error.eof, error.connection_reset, error.host_not_found, error.success):
        assert copy.copy(code) == code
        assert copy.deepcopy(code) == code
        assert pickle.loads(pickle.dumps(code)) == code
    assert copy.deepcopy({"ec": error.eof})["ec"] == error.eof


# -- enum categories and conditions ---------------------------------------------------------


def test_enum_category_define() -> None:
    cat = enum_category("test.layer")
    first = cat.define(1, "first_thing", "The first thing went wrong")
    assert first == error_code(1, cat)
    assert first.name() == "first_thing"
    assert first.message() == "The first thing went wrong"
    assert first.category().name() == "test.layer"
    assert repr(cat) == "<error_category test.layer>"
    # Same value, different category: not equal.
    assert first != error_code(1, enum_category("test.layer"))
    with pytest.raises(ValueError, match="already 'first_thing'"):
        cat.define(1, "again", "dup")


def test_conditions_match_members_from_any_category() -> None:
    cat = enum_category("test.errors")
    bad_a = cat.define(1, "bad_a", "bad a")
    bad_b = cat.define(2, "bad_b", "bad b")
    fine = cat.define(3, "fine", "fine")
    conds = condition_category("test.condition")
    broken = conds.define_condition(1, "broken", "something broke", [bad_a, bad_b, error.eof])
    assert isinstance(broken, error_condition)
    assert broken.name() == "broken"
    assert broken.message() == "something broke"
    assert broken.value() == 1
    assert broken.category() is conds
    assert bad_a == broken and broken == bad_a
    assert bad_b == broken
    assert error.eof == broken
    assert fine != broken and broken != fine
    assert error.connection_reset != broken
    assert broken == error_condition(1, conds)
    assert hash(broken) == hash(error_condition(1, conds))
    assert repr(broken) == "<error_condition test.condition:1 broken>"
    assert broken


# -- system_error -------------------------------------------------------------------------


def test_system_error_is_oserror_with_code() -> None:
    exc = system_error(error.connection_reset, "read")
    assert isinstance(exc, OSError)
    assert exc.code == error.connection_reset
    assert exc.errno == errno.ECONNRESET
    assert str(exc) == f"read: {os.strerror(errno.ECONNRESET)} [connection_reset]"
    with pytest.raises(OSError) as info:
        raise exc
    assert info.value.code == error.connection_reset  # type: ignore[attr-defined]


def test_system_error_for_non_system_category() -> None:
    exc = system_error(error.eof)
    assert exc.code == error.eof
    assert exc.errno is None
    assert str(exc) == "End of file [eof]"


def test_system_error_pickles() -> None:
    exc = system_error(error.connection_reset, "read")
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is system_error
    assert back.code == error.connection_reset
    assert str(back) == str(exc)


# -- mapping from exceptions ----------------------------------------------------------------


def test_from_errno_shares_named_constants() -> None:
    assert error.from_errno(errno.ECONNRESET) is error.connection_reset
    assert error.from_errno(errno.ECANCELED) is error.operation_aborted
    assert error.from_errno(errno.EPIPE) == error.broken_pipe
    unnamed = error.from_errno(errno.ENOENT)
    assert unnamed == error_code(errno.ENOENT)
    assert unnamed is error.from_errno(errno.ENOENT)
    assert unnamed.name() == "ENOENT"


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ConnectionResetError(errno.ECONNRESET, "reset"), error.connection_reset),
        (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), error.connection_refused),
        (ConnectionAbortedError(errno.ECONNABORTED, "aborted"), error.connection_aborted),
        (BrokenPipeError(errno.EPIPE, "pipe"), error.broken_pipe),
        (BlockingIOError(errno.EWOULDBLOCK, "again"), error.would_block),
        (OSError(errno.EBADF, "bad fd"), error.bad_descriptor),
        (OSError(errno.EADDRINUSE, "in use"), error.address_in_use),
        (TimeoutError(errno.ETIMEDOUT, "timed out"), error.timed_out),
        (TimeoutError(), error.timed_out),
        (system_error(error.eof, "read"), error.eof),
    ],
)
def test_make_error_code(exc: BaseException, expected: error_code) -> None:
    assert error.make_error_code(exc) == expected


def test_make_error_code_from_real_failure() -> None:
    with pytest.raises(OSError) as info:
        os.close(_closed_fd())
    assert error.make_error_code(info.value) == error.bad_descriptor


def _closed_fd() -> int:
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    return r


def test_make_error_code_reraises_non_os_errors() -> None:
    with pytest.raises(ValueError, match="not an I/O error"):
        error.make_error_code(ValueError("not an I/O error"))


@pytest.mark.parametrize(
    ("eai", "expected"),
    [
        ("EAI_NONAME", error.host_not_found),
        ("EAI_AGAIN", error.host_not_found_try_again),
        ("EAI_FAIL", error.no_recovery),
        ("EAI_SERVICE", error.service_not_found),
        ("EAI_SOCKTYPE", error.socket_type_not_supported),
        ("EAI_FAMILY", error.address_family_not_supported),
    ],
)
def test_gaierror_mapping(eai: str, expected: error_code) -> None:
    exc = socket.gaierror(getattr(socket, eai), "lookup failed")
    assert error.from_gaierror(exc) == expected
    assert error.make_error_code(exc) == expected


def test_gaierror_unknown_value_is_host_not_found() -> None:
    assert error.from_gaierror(socket.gaierror(12345, "odd")) == error.host_not_found
    assert error.from_gaierror(socket.gaierror()) == error.host_not_found


# -- error_code(...) is make_error_code: a copy, or a value (Core v2 defect 5) ----------------


@pytest.mark.parametrize("code", [error.eof, error.operation_aborted, error.success])
def test_error_code_of_an_error_code_is_a_copy(code: error_code) -> None:
    copy = error_code(code)
    assert copy == code and copy.category() is code.category()
    assert copy.message() == code.message()
    assert str(copy) == str(code)
    assert error.system_error(copy).code == code
    assert bool(copy) == bool(code)
    assert hash(copy) == hash(code)


@pytest.mark.parametrize("bad", ["eof", 1.5, None, True, b"\x01", object()])
def test_error_code_of_anything_else_raises_at_once(bad: object) -> None:
    with pytest.raises(TypeError, match="error_code"):
        error_code(bad)  # type: ignore[arg-type]


def test_error_code_copy_takes_no_category() -> None:
    with pytest.raises(TypeError, match="keeps its own category"):
        error_code(error.eof, error.system_category)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="error_category"):
        error_code(5, "system")  # type: ignore[arg-type]
    assert error_code(104) == error.connection_reset
