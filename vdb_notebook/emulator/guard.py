"""What keeps the emulator a local development server: checks on who may call it and where it
may call out to. A web page in the user's browser must not be able to drive it (cross-site
requests, DNS rebinding), and a session's callback_url must not turn it against itself.

- Host: must name this server (its bound host, 127.0.0.1, localhost or [::1], with its port);
  anything else is a rebound DNS name (421).
- Origin: when a browser sends one, it must be this server's own origin (403).
- /_emulator/ control routes need the emulator's key in `x-access-token` (401), and a POST
  must be `application/json` (415): a cross-site form or `text/plain` POST cannot be.
- callback_url: '' (no webhook) or an http(s) URL with a host, never this server itself.

    >>> host_allowed("127.0.0.1:8765", "127.0.0.1", 8765), host_allowed("evil.test:8765", "127.0.0.1", 8765)
    (True, False)
    >>> callback_problem("http://localhost:8765/_emulator/reset", "127.0.0.1", 8765)
    'callback_url must not point at the emulator itself (localhost:8765)'
    >>> callback_problem("https://example.com/hooks", "127.0.0.1", 8765) is None
    True
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "::"})
ANY_INTERFACE = frozenset({"0.0.0.0", "::", ""})


def _split_host(value: str) -> tuple[str, int | None]:
    """'Host' header or netloc -> (lower-case host without brackets, port or None)."""
    try:
        parts = urlsplit("//" + value)
        return (parts.hostname or "").lower(), parts.port
    except ValueError:
        return "", None


def _canonical_host(host: str) -> str:
    """The address a host name stands for without DNS, as a connecting client reads it:
    '::ffff:127.0.0.1' (an IPv4-mapped IPv6 address), '127.1' and '2130706433' (inet_aton's
    short and decimal forms) all mean '127.0.0.1'; 'localhost.' means 'localhost'."""
    host = host.rstrip(".") if host not in ("", ".") else host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return host
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped if mapped is not None else address)


def _is_loopback(host: str) -> bool:
    host = _canonical_host(host)
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_allowed(header: str | None, bound_host: str, port: int) -> bool:
    """True when a request's Host header names this server."""
    if not header:
        return False
    host, given_port = _split_host(header)
    if given_port is not None and given_port != port:
        return False
    if bound_host in ANY_INTERFACE:  # bound to every interface on purpose: any name may reach it
        return True
    return host == bound_host.lower() or _is_loopback(host)


def origin_allowed(origin: str | None, bound_host: str, port: int) -> bool:
    """True when there is no Origin (not a browser) or it is this server's own."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https"):
        return False
    return host_allowed(parts.netloc, bound_host, port) and (parts.port or 80) == port


def callback_problem(url: object, bound_host: str, port: int) -> str | None:
    """Why `url` may not be a callback_url, or None when it may."""
    if url in (None, ""):
        return None
    if not isinstance(url, str):
        return f"callback_url must be a string, not {type(url).__name__}"
    try:
        parts = urlsplit(url)
        url_port = parts.port
    except ValueError as exc:
        return f"callback_url {url[:80]!r} is not a URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return (f"callback_url must be an http:// or https:// URL with a host, "
                f"not {url[:80]!r}")
    host = _canonical_host(parts.hostname.lower())
    url_port = url_port or (443 if parts.scheme == "https" else 80)
    if url_port == port and (_is_loopback(host) or host == _canonical_host(bound_host.lower())):
        return f"callback_url must not point at the emulator itself ({parts.netloc})"
    return None
