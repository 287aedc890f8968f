"""ip.network_v4 / network_v6, make_network_v4/v6, the address ranges, and
address_v4.broadcast/loopback/any: values checked against Asio's rules and, where they
agree, against Python's ipaddress module."""

from __future__ import annotations

import ipaddress

import pytest

import asiolike
from asiolike import error, ip
from asiolike.ip import address_v4, address_v6, make_address_v4, make_address_v6


def test_make_network_v4_keeps_the_address_as_given() -> None:
    net = ip.make_network_v4("10.1.2.3/8")
    assert net.address() == make_address_v4("10.1.2.3")
    assert net.prefix_length() == 8
    assert net.netmask() == make_address_v4("255.0.0.0")
    assert net.network() == make_address_v4("10.0.0.0")
    assert net.broadcast() == make_address_v4("10.255.255.255")
    assert net.canonical() == ip.make_network_v4("10.0.0.0/8")
    assert net != net.canonical()  # address and prefix both count
    assert str(net) == net.to_string() == "10.1.2.3/8"
    assert repr(net) == "network_v4('10.1.2.3/8')"
    assert hash(net) == hash(ip.make_network_v4("10.1.2.3/8"))
    assert not net.is_host() and ip.make_network_v4("1.2.3.4/32").is_host()


@pytest.mark.parametrize(
    "text",
    ["10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/8x", "10.0.0/8", "/8", "a/8", "10.0.0.0/-1"],
)
def test_make_network_v4_rejects_bad_text(text: str) -> None:
    with pytest.raises(asiolike.system_error) as info:
        ip.make_network_v4(text)
    assert info.value.code == error.invalid_argument


def test_constructors_with_prefix_and_netmask() -> None:
    a = make_address_v4("172.16.5.4")
    assert ip.network_v4(a, 12) == ip.network_v4(a, make_address_v4("255.240.0.0"))
    assert ip.network_v4(a, address_v4.any()).prefix_length() == 0
    assert ip.network_v4(a, address_v4.broadcast()).prefix_length() == 32
    assert ip.network_v4() == ip.make_network_v4("0.0.0.0/0")
    assert ip.make_network_v4(a, 16) == ip.network_v4(a, 16)
    with pytest.raises(ValueError, match="non-contiguous"):
        ip.network_v4(a, make_address_v4("255.0.255.0"))
    with pytest.raises(ValueError):
        ip.network_v4(a, 33)
    with pytest.raises(TypeError):
        ip.network_v4(make_address_v6("::1"), 8)  # type: ignore[arg-type]


@pytest.mark.parametrize("prefix", [0, 1, 8, 23, 24, 29, 30, 31, 32])
def test_v4_masks_match_ipaddress(prefix: int) -> None:
    net = ip.network_v4(make_address_v4("203.0.113.77"), prefix)
    ref = ipaddress.ip_interface(f"203.0.113.77/{prefix}").network
    assert str(net.network()) == str(ref.network_address)
    assert str(net.netmask()) == str(ref.netmask)
    assert str(net.broadcast()) == str(ref.broadcast_address)


def test_hosts_as_asio_counts_them() -> None:
    hosts = ip.make_network_v4("192.168.1.77/24").hosts()
    assert len(hosts) == 254 and hosts.size() == 254 and not hosts.empty()
    assert hosts.begin() == make_address_v4("192.168.1.1")
    assert hosts.end() == make_address_v4("192.168.1.255")  # one past the last
    assert list(hosts)[-1] == make_address_v4("192.168.1.254")
    assert make_address_v4("192.168.1.77") in hosts
    assert make_address_v4("192.168.1.255") not in hosts
    assert hosts.find(make_address_v4("192.168.1.9")) == make_address_v4("192.168.1.9")
    assert hosts.find(make_address_v4("10.0.0.1")) == hosts.end()
    assert list(ip.make_network_v4("10.0.0.0/30").hosts()) == [
        make_address_v4("10.0.0.1"),
        make_address_v4("10.0.0.2"),
    ]
    assert ip.make_network_v4("10.0.0.0/31").hosts().empty()
    assert list(ip.make_network_v4("10.0.0.9/32").hosts()) == [make_address_v4("10.0.0.9")]
    assert len(ip.make_network_v4("0.0.0.0/0").hosts()) == 2**32 - 2  # computed, not listed
    whole = ip.make_network_v4("255.255.255.255/32").hosts()
    assert list(whole) == [address_v4.broadcast()]


def test_is_subnet_of_is_a_proper_subnet() -> None:
    big = ip.make_network_v4("192.168.0.0/16")
    assert ip.make_network_v4("192.168.1.0/24").is_subnet_of(big)
    assert ip.make_network_v4("192.168.1.77/24").is_subnet_of(big)
    assert not big.is_subnet_of(big)
    assert not big.is_subnet_of(ip.make_network_v4("192.168.1.0/24"))
    assert not ip.make_network_v4("10.1.0.0/24").is_subnet_of(big)
    assert ip.make_network_v4("10.0.0.1/32").is_subnet_of(ip.make_network_v4("0.0.0.0/0"))


def test_network_v6() -> None:
    net = ip.make_network_v6("2001:db8:abcd::1/48")
    assert net.address() == make_address_v6("2001:db8:abcd::1")
    assert net.prefix_length() == 48
    assert net.network() == make_address_v6("2001:db8:abcd::")
    assert net.canonical() == ip.make_network_v6("2001:db8:abcd::/48")
    assert str(net) == "2001:db8:abcd::1/48"
    assert net.is_subnet_of(ip.make_network_v6("2001:db8::/32"))
    assert not net.is_subnet_of(net)
    small = ip.make_network_v6("fe80::10/126")
    assert [str(a) for a in small.hosts()] == ["fe80::10", "fe80::11", "fe80::12", "fe80::13"]
    assert ip.make_network_v6("::/0").hosts().size() == 2**128  # len() stops at sys.maxsize
    assert list(ip.make_network_v6("::1/128").hosts()) == [address_v6.loopback()]
    assert ip.make_network_v6("::1/128").is_host()
    scoped = ip.network_v6(address_v6(make_address_v6("fe80::1").to_bytes(), 3), 127)
    assert all(a.scope_id() == 3 for a in scoped.hosts())
    assert ip.make_network_v6(make_address_v6("2001:db8::"), 32) == ip.make_network_v6(
        "2001:db8::/32"
    )
    for bad in ("2001:db8::", "2001:db8::/129", "zz::/8", "2001:db8::/x"):
        with pytest.raises(asiolike.system_error) as info:
            ip.make_network_v6(bad)
        assert info.value.code == error.invalid_argument
    with pytest.raises(ValueError):
        ip.network_v6(address_v6(), 129)


def test_ranges_built_directly() -> None:
    r = ip.address_v4_range(make_address_v4("10.0.0.250"), make_address_v4("10.0.1.2"))
    assert [str(a) for a in r][:2] == ["10.0.0.250", "10.0.0.251"] and len(r) == 8
    assert ip.address_v4_range().empty()
    assert ip.address_v4_range(make_address_v4("1.1.1.1")).empty()
    assert r == ip.address_v4_range(make_address_v4("10.0.0.250"), make_address_v4("10.0.1.2"))
    assert "address_v4_range" in repr(r)
    r6 = ip.address_v6_range(make_address_v6("::1"), make_address_v6("::3"))
    assert list(r6) == [make_address_v6("::1"), make_address_v6("::2")]
    assert make_address_v4("0.0.0.1") not in r6


def test_address_v4_broadcast_loopback_any() -> None:
    assert address_v4.broadcast() == make_address_v4("255.255.255.255")
    assert address_v4.loopback() == make_address_v4("127.0.0.1")
    assert address_v4.any() == make_address_v4("0.0.0.0")
    assert address_v4.broadcast(
        make_address_v4("10.1.2.3"), make_address_v4("255.0.0.0")
    ) == make_address_v4("10.255.255.255")
    assert ip.make_network_v4("10.1.2.3/8").broadcast() == address_v4.broadcast(
        make_address_v4("10.1.2.3"), ip.make_network_v4("10.1.2.3/8").netmask()
    )
    with pytest.raises(TypeError):
        address_v4.broadcast(make_address_v4("10.1.2.3"))
