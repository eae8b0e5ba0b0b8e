"""Guarded fetch of one URL named by the user (`rasad extract URL`, `rasad compare URL`).

The same rules as the crawl (crawler.middlewares.PrivateAddressMiddleware), checked on every hop:
the host must resolve, and to public addresses only unless `crawl.allow_private_addresses` is set.
The connection goes to the very address that was checked (no second DNS lookup), and the socket's
peer is checked again, so a name that re-resolves to 127.0.0.1 (DNS rebinding) cannot slip through.
A page larger than `max_bytes` is refused, and the whole fetch, redirects included, ends at a total
deadline however slowly the server drips its answer.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from crawler.middlewares import is_public

REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5  # as the crawl (settings.REDIRECT_MAX_TIMES)
CHUNK = 64 * 1024


class FetchError(ValueError):
    """The fetch was refused or failed; the message names the URL and why."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass
class Fetched:
    url: str  # the final URL, after redirects
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None


AddressCheck = Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool]


def _checker(allow_private: bool, address_ok: AddressCheck | None) -> AddressCheck:
    if address_ok is not None:
        return address_ok
    return (lambda ip: True) if allow_private else is_public


def resolve_checked(url: str, host: str, port: int, allowed: AddressCheck) -> str:
    """The address to connect to: the host's first address, after checking every address it has."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(url, f"host {host} does not resolve ({exc})") from None
    addresses = [info[4][0] for info in infos]
    bad = [a for a in addresses if not allowed(ipaddress.ip_address(a.split("%")[0]))]
    if bad:
        raise FetchError(url, f"host {host} is not a public address ({bad[0]}); "
                              "crawl.allow_private_addresses is off")
    return addresses[0]


class _PinnedConnection(http.client.HTTPSConnection):
    """HTTP(S) to an address fixed in advance; TLS still verifies the certificate for the host name."""

    def __init__(self, host: str, port: int, address: str, tls: bool, timeout: float):
        context = ssl.create_default_context() if tls else None
        super().__init__(host, port, timeout=timeout, context=context)
        self.address = address
        self.tls = tls

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host) if self.tls else sock


def _one_hop(url: str, *, allowed: AddressCheck, timeout: float, deadline: float, max_bytes: int,
             user_agent: str) -> Fetched:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, "only http(s) URLs with a host can be fetched")
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    address = resolve_checked(url, parts.hostname, port, allowed)
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(url, "total time limit reached")
    conn = _PinnedConnection(parts.hostname, port, address, tls, min(timeout, left))
    # The hard deadline: closing the socket ends any read, however slowly the server sends.
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        if conn.sock is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(left, expire)
    timer.daemon = True
    timer.start()
    try:
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        conn.request("GET", path, headers={"User-Agent": user_agent, "Accept-Encoding": "identity"})
        peer = conn.sock.getpeername()[0] if conn.sock is not None else ""
        if not peer or not allowed(ipaddress.ip_address(peer.split("%")[0])):
            raise FetchError(url, f"connected to non-public address {peer}")
        resp = conn.getresponse()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(url, f"response larger than {max_bytes} bytes (Content-Length {declared})")
        chunks: list[bytes] = []
        size = 0
        if resp.status not in REDIRECTS:
            while chunk := resp.read1(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(url, f"response larger than {max_bytes} bytes")
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise FetchError(url, "total time limit reached")
        return Fetched(url, resp.status, b"".join(chunks), headers, headers.get("content-type"))
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set():
            raise FetchError(url, "total time limit reached") from None
        raise FetchError(url, f"fetch failed: {exc}") from None
    finally:
        timer.cancel()
        conn.close()


def guarded_get(
    url: str,
    *,
    allow_private: bool = False,
    timeout: float = 30.0,
    total_timeout: float | None = None,
    max_bytes: int = 10 * 1024 * 1024,
    user_agent: str = "RasadBot/0.1",
    max_redirects: int = MAX_REDIRECTS,
    address_ok: AddressCheck | None = None,
) -> Fetched:
    """GET `url`, following redirects with every hop checked.

    Args:
        allow_private: allow loopback, private and reserved addresses (crawl.allow_private_addresses).
        timeout: seconds for the connection and for each read.
        total_timeout: seconds for the whole fetch, redirects included (default: 3 x timeout).
        max_bytes: the largest body accepted (crawl.max_response_bytes).
        address_ok: replaces the address rule (tests: no public address exists on a test machine).
    Raises:
        FetchError: refused address, unresolvable host, too many redirects, too large, too slow,
            network failure or an HTTP error status.
    """
    deadline = time.monotonic() + (total_timeout if total_timeout is not None else 3 * timeout)
    allowed = _checker(allow_private, address_ok)
    current = url
    for _ in range(max_redirects + 1):
        got = _one_hop(current, allowed=allowed, timeout=timeout, deadline=deadline,
                       max_bytes=max_bytes, user_agent=user_agent)
        if got.status in REDIRECTS and got.headers.get("location"):
            current = urljoin(current, got.headers["location"])
            continue
        if got.status >= 400:
            raise FetchError(current, f"HTTP {got.status}")
        return got
    raise FetchError(url, f"more than {max_redirects} redirects")
