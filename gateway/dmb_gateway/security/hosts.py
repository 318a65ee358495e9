"""Only the gateway's own host names are answered, and only its own pages (or configured origins) may change
state: a web page elsewhere, or one whose name was re-pointed at this machine (DNS rebinding), cannot
drive the API through a visitor's browser."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from dmb_gateway.security.responses import refuse

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Probes reach a pod by its address, not by the public name; the answer says nothing but "ok".
UNCHECKED_PATHS = frozenset({"/healthz"})


def host_name(netloc: str) -> str:
    """`Example.com:8000` → `example.com`, `[::1]:8000` → `::1`."""
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        return netloc[1 : netloc.find("]")] if "]" in netloc else netloc
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc


class HostAndOriginMiddleware:
    def __init__(self, app: ASGIApp, *, allowed_hosts: Iterable[str], allowed_origins: Iterable[str]) -> None:
        self.app = app
        patterns = [h.lower() for h in allowed_hosts]
        self.exact = frozenset(p for p in patterns if not p.startswith("*."))
        self.suffixes = tuple(p[1:] for p in patterns if p.startswith("*."))  # "*.example.com" → ".example.com"
        self.allowed_origins = frozenset(o.rstrip("/").lower() for o in allowed_origins)

    def host_allowed(self, host: str) -> bool:
        return host in self.exact or "*" in self.exact or host.endswith(self.suffixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in UNCHECKED_PATHS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        netloc = headers.get("host", "")
        if not self.host_allowed(host_name(netloc)):
            message = f"This server does not answer to the host name {netloc!r}"
            await refuse(scope, receive, send, 400, message, "header.Host")
            return
        origin = headers.get("origin")
        if scope.get("method", "GET") not in SAFE_METHODS and origin is not None and not self.same_site(origin, netloc):
            message = f"Requests that change data are not accepted from pages of {origin!r}"
            await refuse(scope, receive, send, 403, message, "header.Origin")
            return
        await self.app(scope, receive, send)

    def same_site(self, origin: str, netloc: str) -> bool:
        """The page is the gateway's own (same host and port as the request's Host) or a configured origin.
        An opaque `null` origin (sandboxed frames, file: pages) is never the gateway's own."""
        if origin.rstrip("/").lower() in self.allowed_origins:
            return True
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc.lower() == netloc.strip().lower()
