"""Which network addresses the photo fetcher may connect to.

Photo URLs come from the shop's catalog, which anyone with admin access (or a compromised
plugin) can fill with ``http://169.254.169.254/...``. So every address a connection is about to
use is judged here: only public unicast addresses pass, unless ``VITRINA_IMAGE_HOSTS_ALLOW``
names the host or a network containing the address (tests and local demos on 127.0.0.1).

The judgement is made on the *resolved* IP, never on the text of the URL: ``2130706433``,
``0x7f.1``, ``0177.0.0.1`` and ``[::ffff:127.0.0.1]`` all resolve to loopback and are caught the
same way, without a parser of our own to get wrong.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Resolves ``(host, port)`` to IP address strings, in the order to try them.
Resolver = Callable[[str, int], Sequence[str]]

# Cloud metadata services. Most sit in ranges blocked anyway (link-local, ULA, CGNAT), but Azure's
# wire server and Oracle's are on addresses Python calls global. They stay blocked even when an
# allowed network happens to contain them, unless the allowlist names the exact address.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean…
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.253",  # AWS VPC DNS
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::253",  # AWS VPC DNS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure wire server (a public address)
        "192.0.0.192",  # Oracle Cloud
    )
)
METADATA_HOSTS: frozenset[str] = frozenset(
    {"metadata", "metadata.google.internal", "instance-data", "instance-data.ec2.internal"}
)

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")


class AddressBlocked(Exception):
    """A connection to ``host`` would reach an address the policy forbids."""

    def __init__(self, host: str, address: str | None, reason: str) -> None:
        self.host = host
        self.address = address
        self.reason = reason
        self.where = host if address is None or address == host else f"{host} ({address})"
        super().__init__(f"{self.where} is {reason}")


class HostNotFound(Exception):
    """The host name does not resolve to any address."""

    def __init__(self, host: str, detail: str) -> None:
        self.host = host
        super().__init__(f"the server name {host!r} could not be found ({detail})")


def normalize_host(host: str) -> str:
    """Lower-case, no trailing dot, no IPv6 brackets: the form allowlist names are compared in."""
    return host.strip().strip("[]").rstrip(".").lower()


def parse_ip(text: str) -> IPAddress | None:
    """The canonical IP address in ``text`` (IPv6 zone kept), or ``None`` for a host name.

    IPv4-mapped IPv6 (``::ffff:127.0.0.1``) becomes plain IPv4: it reaches the same socket.
    """
    try:
        address = ipaddress.ip_address(normalize_host(text))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 host an IPv6 address really leads to (NAT64, 6to4, Teredo), if any."""
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def forbidden_reason(address: IPAddress) -> str | None:
    """Why ``address`` is not a public unicast address, or ``None`` when it is.

    Python's ``is_global`` does most of the work; multicast and the deprecated site-local range
    count as global there, so they are added, and IPv6 forms that carry an IPv4 address are
    judged by that address too.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return forbidden_reason(address.ipv4_mapped)
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = forbidden_reason(embedded)
            if inner is not None:
                return inner
            if address in _NAT64:  # reserved as a range, yet the route to a public IPv4 host
                return None
        if address.is_site_local:
            return "a private network address"
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address (this machine)"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "an unspecified address"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "a carrier-grade NAT address"
    if address.is_private:
        return "a private network address"
    if address.is_reserved or not address.is_global:
        return "a reserved address"
    return None


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Public unicast addresses only, plus what ``VITRINA_IMAGE_HOSTS_ALLOW`` names.

    ``allowed_hosts`` are host names (any address they resolve to is trusted: the operator
    vouched for the name); ``allowed_networks`` are IPs and CIDRs.
    """

    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_allowlist(cls, entries: Iterable[str]) -> AddressPolicy:
        """Build from ``image_hosts_allow`` entries: host names, IPs or CIDRs."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = normalize_host(raw)
            if not entry:
                continue
            single = parse_ip(entry)
            if single is not None:
                networks.append(ipaddress.ip_network(single))
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry)
        return cls(allowed_hosts=frozenset(hosts), allowed_networks=tuple(networks))

    def host_allowed(self, host: str) -> bool:
        """Whether the allowlist names ``host`` itself."""
        return normalize_host(host) in self.allowed_hosts

    def check_host(self, host: str) -> None:
        """Reject what can be judged from the URL alone: metadata names and literal IPs."""
        name = normalize_host(host)
        if self.host_allowed(name):
            return
        if name in METADATA_HOSTS:
            raise AddressBlocked(host, None, "a cloud metadata server")
        address = parse_ip(name)
        if address is not None:
            self.check_address(host, address)

    def check_address(self, host: str, address: IPAddress) -> None:
        """Raise :class:`AddressBlocked` unless a connection to ``address`` for ``host`` is allowed."""
        if self.host_allowed(host):
            return
        mapped = parse_ip(str(address))
        if mapped is not None:
            address = mapped
        reason = forbidden_reason(address)
        if reason is None:
            return
        if address in METADATA_ADDRESSES:
            # Only an exact entry lets a metadata address through, never a wide CIDR.
            if ipaddress.ip_network(address) in self.allowed_networks:
                return
        elif any(address.version == net.version and address in net
                 for net in self.allowed_networks):
            return
        raise AddressBlocked(host, str(address), reason)

    def resolve(self, host: str, port: int, resolver: Resolver | None = None) -> list[str]:
        """Every address of ``host``, checked; all must pass, so a name cannot mix in a bad one."""
        self.check_host(host)
        texts = (resolver or system_resolver)(host, port)
        if not texts:
            raise HostNotFound(host, "no addresses")
        checked: list[str] = []
        for text in texts:
            address = parse_ip(text)
            if address is None:
                raise HostNotFound(host, f"the resolver returned {text!r}")
            self.check_address(host, address)
            checked.append(str(address))
        return list(dict.fromkeys(checked))


def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer for ``host`` (numeric forms like ``127.1`` included)."""
    try:
        infos = socket.getaddrinfo(normalize_host(host), port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError, OverflowError) as exc:
        raise HostNotFound(host, str(exc)) from exc
    return [str(info[4][0]) for info in infos]
