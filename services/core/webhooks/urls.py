"""The guard against server-side request forgery: a webhook may only reach the public internet.

A subscriber chooses the URL the service will POST to, so without this guard a staff key (or
whoever holds one) could make the server call its own admin ports, the cloud metadata service
(169.254.169.254) or any host of the private network. The URL is checked when a subscription
is saved and again before every attempt, since DNS answers change. Every address a name
resolves to must be public; `resolve_url` returns them so that the caller connects to one of
these very addresses rather than resolving the name a second time (DNS rebinding).

`allow_private` (setting `OBSERVATOIRE_WEBHOOK_ALLOW_PRIVATE`) lifts the address rule, for
deployments whose subscribers live on the same private network.
"""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = ("http", "https")
RESOLVE_TIMEOUT_SECONDS = 5.0

# Not covered by the `is_*` properties on every Python version, or worth naming explicitly.
_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on most systems
        "100.64.0.0/10",  # carrier-grade NAT, shared address space
        "192.0.0.0/24",  # IETF protocol assignments
        "198.18.0.0/15",  # benchmarking
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeUrl(ValueError):
    """A URL that webhooks must not call; the message says why."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress) -> bool:
    """True when the address is globally routable unicast: nothing local, private or special."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and not is_public_address(embedded):
            return False
    if (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    ):
        return False
    return not any(address.version == network.version and address in network for network in _BLOCKED_NETWORKS)


def _parse(url: str):
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"Malformed URL: {exc}.") from exc
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise UnsafeUrl("Only http:// and https:// URLs can receive webhooks.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("The URL must not contain credentials (user:password@).")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("The URL has no host.")
    if port is None:
        port = 443 if parts.scheme.lower() == "https" else 80
    return host, port


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


async def _resolve(host: str, port: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_SECONDS
        )
    except (OSError, UnicodeError, TimeoutError) as exc:
        raise UnsafeUrl(f"The host {host!r} cannot be resolved.") from exc
    addresses: list[IPAddress] = []
    for family, _type, _proto, _canonname, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeUrl(f"The host {host!r} cannot be resolved.")
    return addresses


async def resolve_url(url: str, allow_private: bool) -> list[IPAddress]:
    """Every address the URL's host stands for, all of them safe to call; else UnsafeUrl."""
    host, port = _parse(url)
    literal = _literal_address(host)
    # A literal address needs no DNS query; some resolvers also accept forms such as
    # "2130706433" or "0x7f.1" for 127.0.0.1, which is why names are judged by what they
    # resolve to, never by how they are spelt.
    addresses = [literal] if literal is not None else await _resolve(host, port)
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                shown = host if literal is not None else f"{host} ({address})"
                raise UnsafeUrl(
                    f"The URL points to a non-public address: {shown}. Webhooks only call "
                    "public internet addresses."
                )
    return addresses


async def check_url(url: str, allow_private: bool) -> None:
    """Raise UnsafeUrl unless webhooks may call `url`."""
    await resolve_url(url, allow_private)
