"""Which Host headers the server answers: a guard against DNS rebinding.

A web page can make a browser send requests to a server on loopback by making
its own name resolve to 127.0.0.1; the request then carries the page's name as
its Host. Answering only loopback names, IP literals of the bound address (or
any, when bound to every interface) and names the user allows keeps such pages
out of the API and the viewer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from eventwire_emulator.server.messages import App, Request, Response, error_response

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
_WILDCARDS = frozenset({"0.0.0.0", "::", ""})
#: Host values whose verdict is remembered.
_SEEN = 64


def host_name(value: str) -> str:
    """The name in a Host header, without port or IPv6 brackets, lower-case."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    name, colon, port = value.rpartition(":")
    if colon and port.isascii() and port.isdigit() and ":" not in name:
        return name
    return value


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


class HostPolicy:
    """Decides whether a Host header names this server."""

    def __init__(self, bound: str, allowed: Iterable[str] = ()) -> None:
        extra = {host_name(name) for name in allowed}
        self.any = "*" in extra
        self.names = _LOOPBACK_NAMES | extra | {host_name(bound)}
        self._every_interface = bound in _WILDCARDS
        # Clients send the same Host on every request: decide each value once.
        self._seen: dict[str, bool] = {}

    def allows(self, value: str) -> bool:
        """Whether a request with Host `value` may be answered."""
        known = self._seen.get(value)
        if known is None:
            if len(self._seen) >= _SEEN:
                self._seen.clear()  # bounded: a client can send any number of names
            known = self._seen[value] = self._decide(value)
        return known

    def _decide(self, value: str) -> bool:
        if self.any:
            return True
        name = host_name(value)
        if name in self.names or name.endswith(".localhost"):
            return True
        address = _ip(name)
        # An IP literal cannot be rebound; the bound address's or loopback's is ours.
        return address is not None and (self._every_interface or address.is_loopback)


class HostCheck:
    """An app that answers 403 to requests for other hosts, else passes them on."""

    def __init__(self, app: App, policy: HostPolicy) -> None:
        self.app = app
        self.policy = policy

    def __call__(self, request: Request) -> Response:
        """Answer one request."""
        host = request.headers.get("host")
        # A request without Host cannot come from a browser, which always sends one.
        if host is not None and not self.policy.allows(host):
            return error_response(
                403,
                "ForbiddenException",
                f"Host {host[:100]!r} is not served here (a guard against DNS rebinding); "
                "start the server with --allow-host NAME to accept it.",
            )
        return self.app(request)
