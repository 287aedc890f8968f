"""ip.address, address_v4, address_v6, tcp.endpoint and the tcp protocol objects."""

from __future__ import annotations

import ipaddress
import socket

import pytest

import asiolike
from asiolike import error
from asiolike.ip import (
    address,
    address_v4,
    address_v6,
    bad_address_cast,
    make_address,
    make_address_v4,
    make_address_v6,
    tcp,
    v4_mapped,
)

# -- address_v4 -----------------------------------------------------------------------------


def test_address_v4_forms_and_conversions() -> None:
    a = make_address_v4("192.168.1.20")
    assert a.to_bytes() == bytes([192, 168, 1, 20])
    assert a.to_uint() == 0xC0A80114
    assert a.to_string() == str(a) == "192.168.1.20"
    assert address_v4(bytes([192, 168, 1, 20])) == a
    assert address_v4(0xC0A80114) == a
    assert make_address_v4(0xC0A80114) == a
    assert make_address_v4(b"\xc0\xa8\x01\x14") == a
    assert repr(a) == "address_v4('192.168.1.20')"
    assert address_v4() == address_v4.any()


def test_address_v4_constants_and_predicates() -> None:
    assert address_v4.any().to_string() == "0.0.0.0"
    assert address_v4.loopback().to_string() == "127.0.0.1"
    assert address_v4.broadcast().to_string() == "255.255.255.255"
    assert address_v4.any().is_unspecified() and not address_v4.loopback().is_unspecified()
    assert make_address_v4("127.5.6.7").is_loopback()
    assert make_address_v4("239.1.2.3").is_multicast()
    assert not make_address_v4("10.0.0.1").is_multicast()


def test_address_v4_bad_values() -> None:
    with pytest.raises(ValueError):
        address_v4(b"\x01\x02\x03")
    with pytest.raises(ValueError):
        address_v4(2**32)
    with pytest.raises(TypeError):
        address_v4("1.2.3.4")  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["", "1.2.3", "1.2.3.256", "a.b.c.d", "::1", "1.2.3.4 "])
def test_make_address_v4_rejects_bad_text(text: str) -> None:
    with pytest.raises(asiolike.system_error) as info:
        make_address_v4(text)
    assert info.value.code == error.invalid_argument
    assert isinstance(info.value, OSError)


# -- address_v6 -----------------------------------------------------------------------------


def test_address_v6_forms_and_predicates() -> None:
    a = make_address_v6("2001:db8::1")
    assert a.to_string() == "2001:db8::1"
    assert a.to_bytes() == ipaddress.IPv6Address("2001:db8::1").packed
    assert address_v6(a.to_bytes()) == a
    assert address_v6.loopback().to_string() == "::1" and address_v6.loopback().is_loopback()
    assert address_v6.any().to_string() == "::" and address_v6.any().is_unspecified()
    assert make_address_v6("fe80::1").is_link_local()
    assert make_address_v6("fec0::1").is_site_local()
    assert make_address_v6("ff02::1").is_multicast()
    assert make_address_v6("::ffff:10.0.0.1").is_v4_mapped()
    assert not a.is_v4_mapped()
    assert a.scope_id() == 0


def test_address_v6_scope_ids() -> None:
    scoped = make_address_v6("fe80::1%7")
    assert scoped.scope_id() == 7
    assert scoped != make_address_v6("fe80::1")
    assert address_v6(scoped.to_bytes(), 7) == scoped
    assert scoped.to_string().startswith("fe80::1%")
    name, index = socket.if_nameindex()[0][1], socket.if_nameindex()[0][0]
    assert make_address_v6(f"fe80::1%{name}").scope_id() == index
    with pytest.raises(ValueError):
        address_v6(bytes(16), -1)


def test_v4_mapped_conversions() -> None:
    a4 = make_address_v4("10.1.2.3")
    mapped = make_address_v6(v4_mapped, a4)
    assert mapped.to_string() == "::ffff:10.1.2.3"
    assert make_address("::ffff:10.1.2.3").to_v6() == mapped
    assert mapped.is_v4_mapped()
    assert make_address_v4(v4_mapped, mapped) == a4
    with pytest.raises(bad_address_cast):
        make_address_v4(v4_mapped, make_address_v6("2001:db8::1"))


@pytest.mark.parametrize("text", ["", ":::", "1::2::3", "fe80::1%", "12345::", "g::1"])
def test_make_address_v6_rejects_bad_text(text: str) -> None:
    with pytest.raises(asiolike.system_error) as info:
        make_address_v6(text)
    assert info.value.code == error.invalid_argument


# -- address --------------------------------------------------------------------------------


def test_address_holds_either_version() -> None:
    v4 = make_address("127.0.0.1")
    v6 = make_address("::1")
    assert v4.is_v4() and not v4.is_v6() and v4.to_v4() == address_v4.loopback()
    assert v6.is_v6() and not v6.is_v4() and v6.to_v6() == address_v6.loopback()
    with pytest.raises(bad_address_cast):
        v4.to_v6()
    with pytest.raises(bad_address_cast):
        v6.to_v4()
    assert v4.to_string() == str(v4) == "127.0.0.1"
    assert v6.to_string() == "::1"
    assert v4.is_loopback() and v6.is_loopback()
    assert address().is_unspecified() and address().is_v4()
    assert make_address("224.0.0.1").is_multicast()
    assert repr(v6) == "address('::1')"
    assert address(address_v6.loopback()) == v6
    assert make_address(address_v4.loopback()) == v4


def test_address_equality_hash_and_order() -> None:
    a = make_address("10.0.0.1")
    assert a == make_address("10.0.0.1")
    assert a == address_v4(0x0A000001) and address_v4(0x0A000001) == a
    assert hash(a) == hash(make_address("10.0.0.1")) == hash(address_v4(0x0A000001))
    assert a != make_address("10.0.0.2")
    assert a != make_address("::ffff:10.0.0.1")
    ordered = sorted(
        [
            make_address("::1"),
            make_address("10.0.0.2"),
            make_address("::"),
            make_address("10.0.0.1"),
        ]
    )
    assert [str(x) for x in ordered] == ["10.0.0.1", "10.0.0.2", "::", "::1"]
    assert len({make_address("::1"), make_address("::1"), make_address("127.0.0.1")}) == 2


@pytest.mark.parametrize("text", ["", "localhost", "1.2.3.4.5", "::g", "[::1]"])
def test_make_address_rejects_bad_text(text: str) -> None:
    with pytest.raises(asiolike.system_error) as info:
        make_address(text)
    assert info.value.code == error.invalid_argument
    assert "make_address" in str(info.value)


def test_make_address_type_errors() -> None:
    with pytest.raises(TypeError):
        make_address(1234)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        address("127.0.0.1")  # type: ignore[arg-type]


# -- tcp protocol and endpoint --------------------------------------------------------------


def test_tcp_protocols() -> None:
    assert tcp.v4().family() == socket.AF_INET
    assert tcp.v6().family() == socket.AF_INET6
    assert tcp.v4().type() == socket.SOCK_STREAM == tcp.v6().type()
    assert tcp.v4().protocol() == socket.IPPROTO_TCP
    assert tcp.v4() == tcp.protocol_type(socket.AF_INET) and tcp.v4() != tcp.v6()
    assert tcp.protocol_type.v6() == tcp.v6()
    assert repr(tcp.v4()) == "tcp.v4()" and repr(tcp.v6()) == "tcp.v6()"
    assert len({tcp.v4(), tcp.v4(), tcp.v6()}) == 2
    with pytest.raises(ValueError):
        tcp.protocol_type(socket.AF_UNIX)


def test_endpoint_forms() -> None:
    e = tcp.endpoint("127.0.0.1", 8080)
    assert e.address() == make_address("127.0.0.1") and e.port() == 8080
    assert e.protocol() == tcp.v4()
    assert str(e) == "127.0.0.1:8080"
    assert repr(e) == "endpoint('127.0.0.1', 8080)"
    assert tcp.endpoint(make_address("127.0.0.1"), 8080) == e
    assert tcp.endpoint(address_v4.loopback(), 8080) == e
    six = tcp.endpoint("::1", 443)
    assert str(six) == "[::1]:443" and six.protocol() == tcp.v6()
    assert str(tcp.endpoint(tcp.v6(), 80)) == "[::]:80"
    assert str(tcp.endpoint(tcp.v4(), 80)) == "0.0.0.0:80"
    assert str(tcp.endpoint()) == "0.0.0.0:0"
    scoped = tcp.endpoint("fe80::1%3", 1)
    assert scoped.address().to_v6().scope_id() == 3


def test_endpoint_equality_hash_and_order() -> None:
    a = tcp.endpoint("10.0.0.1", 80)
    assert a == tcp.endpoint("10.0.0.1", 80) and hash(a) == hash(tcp.endpoint("10.0.0.1", 80))
    assert a != tcp.endpoint("10.0.0.1", 81) and a != tcp.endpoint("10.0.0.2", 80)
    ordered = sorted(
        [tcp.endpoint("::1", 1), tcp.endpoint("10.0.0.1", 81), tcp.endpoint("10.0.0.1", 80)]
    )
    assert [str(x) for x in ordered] == ["10.0.0.1:80", "10.0.0.1:81", "[::1]:1"]


def test_endpoint_bad_values() -> None:
    with pytest.raises(ValueError):
        tcp.endpoint("127.0.0.1", 65536)
    with pytest.raises(ValueError):
        tcp.endpoint("127.0.0.1", -1)
    with pytest.raises(TypeError):
        tcp.endpoint("127.0.0.1", "80")  # type: ignore[arg-type]
    with pytest.raises(asiolike.system_error) as info:
        tcp.endpoint("example.com", 80)
    assert info.value.code == error.invalid_argument
    with pytest.raises(TypeError):
        tcp.endpoint(1234, 80)


def test_ip_extras() -> None:
    assert asiolike.ip.host_name() == socket.gethostname()
    assert asiolike.ip.v6_only(True).value() is True
