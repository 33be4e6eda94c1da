"""The address policy: only public unicast addresses, in every spelling, unless allowed."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vitrina.images.address_policy import (
    METADATA_ADDRESSES,
    AddressBlocked,
    AddressPolicy,
    forbidden_reason,
    parse_ip,
    system_resolver,
)

BLOCKED_V4 = [
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/29", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
]
BLOCKED_V6 = [
    "::1/128", "::/128", "fe80::/10", "fc00::/7", "ff00::/8", "fec0::/10", "2001:db8::/32",
    "100::/64",
]
NOBODY = AddressPolicy()

blocked_v4 = st.sampled_from(BLOCKED_V4).flatmap(
    lambda net: st.ip_addresses(network=net)
)
blocked_v6 = st.sampled_from(BLOCKED_V6).flatmap(lambda net: st.ip_addresses(network=net))
public_v4 = st.ip_addresses(v=4).filter(
    lambda a: a.is_global and not a.is_multicast and a not in METADATA_ADDRESSES
)


def blocked(policy: AddressPolicy, host: str, address: str) -> bool:
    ip = parse_ip(address)
    assert ip is not None
    try:
        policy.check_address(host, ip)
    except AddressBlocked:
        return True
    return False


@given(blocked_v4)
def test_private_ipv4_is_blocked(address: ipaddress.IPv4Address) -> None:
    assert forbidden_reason(address) is not None
    assert blocked(NOBODY, "shop.example", str(address))


@given(blocked_v6)
def test_private_ipv6_is_blocked(address: ipaddress.IPv6Address) -> None:
    assert blocked(NOBODY, "shop.example", str(address))


@given(blocked_v4)
def test_ipv6_forms_carrying_a_private_ipv4_are_blocked(address: ipaddress.IPv4Address) -> None:
    n = int(address)
    mapped = ipaddress.IPv6Address((0xFFFF << 32) | n)  # ::ffff:a.b.c.d
    nat64 = ipaddress.IPv6Address((0x64FF9B << 96) | n)  # 64:ff9b::a.b.c.d
    sixtofour = ipaddress.IPv6Address((0x2002 << 112) | (n << 80))  # 2002:aabb:ccdd::
    compatible = ipaddress.IPv6Address(n)  # ::a.b.c.d (deprecated)
    for form in (mapped, nat64, sixtofour, compatible):
        assert blocked(NOBODY, "shop.example", str(form)), form


@given(public_v4)
def test_public_ipv4_passes(address: ipaddress.IPv4Address) -> None:
    assert not blocked(NOBODY, "shop.example", str(address))


@given(public_v4)
def test_nat64_of_a_public_ipv4_passes(address: ipaddress.IPv4Address) -> None:
    nat64 = ipaddress.IPv6Address((0x64FF9B << 96) | int(address))
    assert not blocked(NOBODY, "shop.example", str(nat64))


def test_public_ipv6_passes() -> None:
    assert not blocked(NOBODY, "shop.example", "2a00:1450:4001:82a::200e")


@pytest.mark.parametrize("address", sorted(map(str, METADATA_ADDRESSES)))
def test_metadata_addresses_are_blocked_even_the_public_looking_ones(address: str) -> None:
    assert blocked(NOBODY, "shop.example", address)


def test_a_wide_allowed_network_does_not_open_the_metadata_service() -> None:
    policy = AddressPolicy.from_allowlist(["169.254.0.0/16", "0.0.0.0/0"])
    assert not blocked(policy, "x", "169.254.1.1")
    assert blocked(policy, "x", "169.254.169.254")
    assert blocked(policy, "x", "168.63.129.16")
    assert not blocked(AddressPolicy.from_allowlist(["169.254.169.254"]), "x", "169.254.169.254")


def numeric_spellings(address: ipaddress.IPv4Address) -> list[str]:
    """Ways inet_aton (and so getaddrinfo) accepts to write one IPv4 address."""
    n = int(address)
    a, b, c, d = address.packed
    return [
        str(n),  # 2130706433
        hex(n),  # 0x7f000001
        f"0{a:o}.0{b:o}.0{c:o}.0{d:o}",  # 0177.00.00.01
        f"{a}.{(b << 16) | (c << 8) | d}",  # 127.1
        f"{hex(a)}.{b}.{c}.{d}",  # 0x7f.0.0.1
        f"::ffff:{address}",
    ]


@given(blocked_v4)
def test_every_spelling_of_a_private_address_is_caught_after_resolving(
    address: ipaddress.IPv4Address,
) -> None:
    for spelling in numeric_spellings(address):
        with pytest.raises(AddressBlocked):
            NOBODY.resolve(spelling, 80)


@given(public_v4)
def test_every_spelling_of_a_public_address_resolves_to_it(
    address: ipaddress.IPv4Address,
) -> None:
    for spelling in numeric_spellings(address):
        assert NOBODY.resolve(spelling, 80) == [str(address)]


def test_octal_looking_loopback_resolves_to_loopback() -> None:
    assert system_resolver("0177.0.0.1", 80) == ["127.0.0.1"]
    with pytest.raises(AddressBlocked, match="loopback"):
        NOBODY.resolve("0177.0.0.1", 80)


@given(st.ip_addresses(network="127.0.0.0/8"))
def test_an_allowed_network_allows_exactly_its_addresses(address: ipaddress.IPv4Address) -> None:
    policy = AddressPolicy.from_allowlist(["127.0.0.1"])
    assert blocked(policy, "x", str(address)) == (str(address) != "127.0.0.1")
    assert not blocked(AddressPolicy.from_allowlist(["127.0.0.0/8"]), "x", str(address))


def test_an_allowed_ipv4_also_allows_its_mapped_ipv6_form() -> None:
    policy = AddressPolicy.from_allowlist(["127.0.0.1"])
    assert not blocked(policy, "x", "::ffff:127.0.0.1")
    assert blocked(policy, "x", "::1")


@pytest.mark.parametrize("spelling", ["localhost", "LOCALHOST", "localhost.", " localhost "])
def test_allowed_names_match_case_and_trailing_dot_insensitively(spelling: str) -> None:
    policy = AddressPolicy.from_allowlist([spelling])
    assert policy.resolve("LocalHost.", 80) == ["127.0.0.1"]
    assert blocked(policy, "127.0.0.1", "127.0.0.1")


def test_allowlist_entries_are_sorted_into_names_and_networks() -> None:
    policy = AddressPolicy.from_allowlist(
        ["photos.shop.kz", "10.0.0.0/8", "::1", "[fd00::1]", "", "  "]
    )
    assert policy.allowed_hosts == frozenset({"photos.shop.kz"})
    assert [str(n) for n in policy.allowed_networks] == ["10.0.0.0/8", "::1/128", "fd00::1/128"]


def test_a_name_resolving_to_any_blocked_address_is_blocked() -> None:
    with pytest.raises(AddressBlocked, match=r"10\.0\.0\.5"):
        NOBODY.resolve("shop.example", 80, lambda h, p: ["93.184.216.34", "10.0.0.5"])
    assert NOBODY.resolve("shop.example", 80, lambda h, p: ["93.184.216.34"]) == [
        "93.184.216.34"
    ]


@pytest.mark.parametrize("host", ["metadata.google.internal", "METADATA.google.internal."])
def test_metadata_names_are_blocked_before_any_lookup(host: str) -> None:
    def never(host: str, port: int) -> list[str]:
        raise AssertionError("looked up")

    with pytest.raises(AddressBlocked, match="metadata"):
        NOBODY.resolve(host, 80, never)
