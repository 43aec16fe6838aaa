"""Downloading a user's media URL without letting it reach inside the network.

http(s) only; every hop (the URL and each redirect) is resolved, each address must be public
(no private, loopback, link-local, multicast or reserved one), and the connection goes to the
address that was checked, so a DNS answer cannot change between check and use. Size and
total time are bounded. `allowed_networks` lets tests fetch from a loopback server; nothing
reads it from the environment, so no user setting can open the guard.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class FetchError(ValueError):
    """A media URL that is refused or cannot be downloaded; never names credentials."""


def system_resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the system resolver)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise FetchError(f"media host {host} does not resolve") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


@dataclass
class SafeFetcher:
    max_bytes: int
    timeout_seconds: float = 60.0
    max_redirects: int = 5
    allowed_networks: Sequence[Network] = ()
    resolve: Callable[[str, int], list[str]] = system_resolve

    def _checked_address(self, host: str, port: int) -> str:
        addresses = self.resolve(host, port)
        if not addresses:
            raise FetchError(f"media host {host} does not resolve")
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            allowed = any(address in net for net in self.allowed_networks)
            if not (allowed or is_public(address)):
                # Loopback, private, link-local (cloud metadata) ... are never fetched.
                raise FetchError(
                    f"media host {host} resolves to {address}, which is not a public address"
                )
        return addresses[0]

    def pieces(self, url: str) -> Generator[bytes, None, None]:
        """The body of `url` in pieces, each hop checked; FetchError on any refusal."""
        deadline = time.monotonic() + self.timeout_seconds
        current = _parse(url)
        with httpx.Client(trust_env=False, follow_redirects=False) as client:
            for _hop in range(self.max_redirects + 1):
                response = self._open(client, current, deadline)
                try:
                    if response.is_redirect and "location" in response.headers:
                        current = _parse(str(current.join(response.headers["location"])))
                        continue
                    if response.status_code >= 400:
                        raise FetchError(
                            f"media host {current.host} answered HTTP {response.status_code}"
                        )
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > self.max_bytes:
                        raise FetchError(f"media at {current.host} is above {self.max_bytes} bytes")
                    yield from self._body(response, current.host, deadline)
                    return
                finally:
                    response.close()
        raise FetchError(f"media URL redirects more than {self.max_redirects} times")

    def _open(self, client: httpx.Client, url: httpx.URL, deadline: float) -> httpx.Response:
        port = url.port or (443 if url.scheme == "https" else 80)
        address = self._checked_address(url.host, port)
        request = client.build_request(
            "GET",
            url.copy_with(host=address),
            headers={"Host": url.netloc.decode("ascii")},
            # TLS still checks the certificate against the name, not the address.
            extensions={"sni_hostname": url.host} if url.scheme == "https" else {},
            timeout=httpx.Timeout(_remaining(deadline, url.host)),
        )
        try:
            return client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise FetchError(
                f"media host {url.host} could not be fetched ({type(exc).__name__})"
            ) from None

    def _body(
        self, response: httpx.Response, host: str, deadline: float
    ) -> Generator[bytes, None, None]:
        size = 0
        try:
            for piece in response.iter_bytes():
                size += len(piece)
                if size > self.max_bytes:
                    raise FetchError(f"media at {host} is above {self.max_bytes} bytes")
                _remaining(deadline, host)
                yield piece
        except httpx.HTTPError as exc:
            raise FetchError(f"media at {host} could not be read ({type(exc).__name__})") from None


def _remaining(deadline: float, host: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(f"media at {host} took too long to download")
    return left


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise FetchError("the media URL is not a valid URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(f"media URLs must be http or https, not {parsed.scheme or 'none'}")
    return parsed
