"""Which model endpoints a user may point the platform at (server-side request forgery limits).

A user's base URL is fetched by our servers, so it must not reach what only they can reach: the cloud's
metadata service, the loopback interface, the private network. The rule, shared by the gateway (when a URL is
saved or given with a job) and the AI service (again at call time, since DNS answers can change):

- http or https, a host, no user name or password in it;
- every address the host resolves to is public, unless the operator allows private endpoints
  (DMB_AI_ALLOW_PRIVATE_ENDPOINTS; by default allowed only in local mode, where the one user runs the platform on
  their own machine, e.g. next to a llama.cpp server on localhost);
- the cloud metadata addresses are refused always.

The operator's own default endpoint (DMB_AI_BASE_URL) is not a user's URL and is not checked.
Messages name the URL's host (the user typed it) but never the addresses it resolves to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: host, port -> the addresses the host resolves to (tests inject their own DNS).
Resolver = Callable[[str, int], Awaitable[list[str]]]

#: Cloud metadata services (AWS, GCP, Azure, OpenStack; AWS over IPv6; Alibaba; ECS task metadata).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2")
)
#: A lookup slower than this counts as "cannot be found" (a request must not hang on a user's DNS).
DNS_TIMEOUT_SECONDS = 5
PRIVATE_HINT = (
    "a private, loopback or link-local address, which this platform does not call for users "
    "(the operator may allow it with DMB_AI_ALLOW_PRIVATE_ENDPOINTS=true)"
)


def private_endpoints_allowed(explicit: bool | None, local_mode: bool) -> bool:
    """The operator's choice when made, else: allowed in local mode only."""
    return local_mode if explicit is None else explicit


def url_problem(url: str) -> str | None:
    """What is wrong with `url` as a model endpoint before any lookup (scheme, host, credentials), or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "must be an http:// or https:// URL, e.g. https://api.openai.com/v1"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL, e.g. https://api.openai.com/v1"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user name or password: give the key in the API key field"
    if port == 0:
        return "has no usable port"
    return None


def address_problem(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why the platform must not call `address`, or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address, which is never called"
    if address.is_multicast or address.is_unspecified:
        return "an address that is not a host"
    if address.is_loopback or address.is_private or address.is_link_local or not address.is_global:
        return None if allow_private else PRIVATE_HINT
    return None


def addresses_problem(host: str, addresses: Iterable[str], *, allow_private: bool) -> str | None:
    for text in addresses:
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) is link-local
        except ValueError:
            return f"the host {host!r} resolves to something that is not an IP address"
        problem = address_problem(address, allow_private=allow_private)
        if problem is not None:
            return f"the host {host!r} is {problem}" if _literal(host) else f"the host {host!r} resolves to {problem}"
    return None


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def endpoint_problem(url: str, *, allow_private: bool, resolve: Resolver = system_resolver) -> str | None:
    """What stops the platform from calling `url` for a user, in words for them, or None when it may."""
    problem = url_problem(url)
    if problem is not None:
        return f"the base URL {problem}"
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    if _literal(host):
        addresses = [host.strip("[]")]
    else:
        try:
            async with asyncio.timeout(DNS_TIMEOUT_SECONDS):
                addresses = await resolve(host, port)
        except (OSError, UnicodeError, ValueError, TimeoutError):
            addresses = []
        if not addresses:
            # Where private addresses are allowed, a name only the model's network knows is fine (the call says
            # whether it is reached); elsewhere a name that cannot be checked is not called.
            return None if allow_private else f"the host {host!r} of the base URL cannot be found (DNS)"
    problem = addresses_problem(host, addresses, allow_private=allow_private)
    return None if problem is None else f"the base URL is refused: {problem}"


@dataclass(frozen=True)
class EndpointGuard:
    """The rule as a process applies it: whether private addresses are allowed, and the operator's own
    endpoints (trusted, never checked). `problem(None)` is None: no base URL means OpenAI's public API."""

    allow_private: bool
    trusted: frozenset[str] = frozenset()
    resolve: Resolver = system_resolver

    @classmethod
    def of(cls, allow_private: bool, *operator_urls: str | None) -> EndpointGuard:
        return cls(allow_private, frozenset(url.rstrip("/") for url in operator_urls if url))

    async def problem(self, url: str | None) -> str | None:
        if url is None or url.rstrip("/") in self.trusted:
            return None
        return await endpoint_problem(url, allow_private=self.allow_private, resolve=self.resolve)
