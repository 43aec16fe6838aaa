"""The media URL guard against real servers on loopback: refused before any byte is asked for,
also after redirects; allowed (for tests only) through `allowed_networks`, bounded in size."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from scheduling_platform.media.ingest import ingest_media
from scheduling_platform.media.safe_fetch import FetchError, SafeFetcher
from scheduling_platform.media.store import MediaStore
from tests.media.servers import Route, media_server
from tests.samples import media_bytes

LOOPBACK_ONLY = (ipaddress.ip_network("127.0.0.1/32"),)


def _fetch(fetcher: SafeFetcher, url: str) -> bytes:
    return b"".join(fetcher.pieces(url))


def test_loopback_is_refused_and_never_asked() -> None:
    with media_server() as server:
        server.routes["/a.jpg"] = Route(body=media_bytes("jpg"))
        port = server.url.rsplit(":", 1)[1]
        for url in (
            f"{server.url}/a.jpg",
            f"http://localhost:{port}/a.jpg",
            f"http://[::1]:{port}/a.jpg",
            f"http://2130706433:{port}/a.jpg",  # 127.0.0.1 as one number
        ):
            with pytest.raises(FetchError, match="not a public address"):
                _fetch(SafeFetcher(max_bytes=10_000), url)
        assert server.hits == []


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "10.0.0.8", "192.168.1.1", "100.64.0.1", "fe80::1", "::"]
)
def test_private_link_local_and_reserved_names_are_refused_before_connecting(address: str) -> None:
    # A public-looking name that resolves inside the network is refused by its address.
    fetcher = SafeFetcher(max_bytes=10_000, resolve=lambda host, port: [address])
    with pytest.raises(FetchError, match="not a public address"):
        _fetch(fetcher, "http://media.example.com/latest/meta-data/")


def test_a_redirect_into_the_network_is_refused_at_its_hop() -> None:
    with media_server() as allowed, media_server("127.0.0.2") as inner:
        inner.routes["/secret"] = Route(body=b"internal")
        allowed.routes["/to-inner"] = Route(302, headers={"Location": f"{inner.url}/secret"})
        allowed.routes["/to-metadata"] = Route(
            302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
        )
        fetcher = SafeFetcher(max_bytes=10_000, allowed_networks=LOOPBACK_ONLY)
        for path in ("/to-inner", "/to-metadata"):
            with pytest.raises(FetchError, match="not a public address"):
                _fetch(fetcher, f"{allowed.url}{path}")
        assert inner.hits == []
        assert allowed.hits == ["/to-inner", "/to-metadata"]


def test_allowed_downloads_follow_redirects_and_land_in_the_store(tmp_path: Path) -> None:
    image = media_bytes("png")
    with media_server() as server:
        server.routes["/img"] = Route(body=image, headers={"Content-Type": "image/png"})
        server.routes["/short"] = Route(301, headers={"Location": "/img"})
        fetcher = SafeFetcher(max_bytes=10**6, allowed_networks=LOOPBACK_ONLY)
        (item,) = ingest_media(
            "weibo", (f"{server.url}/short",), MediaStore(tmp_path / "media"), fetcher
        )
    assert item.path.read_bytes() == image and item.path.suffix == ".png"


def test_size_is_bounded_declared_or_not() -> None:
    with media_server() as server:
        server.routes["/declared"] = Route(body=bytes(5000))
        server.routes["/streamed"] = Route(body=bytes(5000), send_length=False)
        fetcher = SafeFetcher(max_bytes=4000, allowed_networks=LOOPBACK_ONLY)
        for path in ("/declared", "/streamed"):
            with pytest.raises(FetchError, match="above 4000 bytes"):
                _fetch(fetcher, f"{server.url}{path}")


def test_time_is_bounded_and_errors_are_refusals() -> None:
    with media_server() as server:
        server.routes["/slow"] = Route(body=b"x", delay_seconds=1.5)
        server.routes["/gone"] = Route(404)
        fetcher = SafeFetcher(max_bytes=100, timeout_seconds=0.5, allowed_networks=LOOPBACK_ONLY)
        with pytest.raises(FetchError, match="could not be fetched"):
            _fetch(fetcher, f"{server.url}/slow")
        with pytest.raises(FetchError, match="HTTP 404"):
            _fetch(fetcher, f"{server.url}/gone")


def test_redirect_loops_end() -> None:
    with media_server() as server:
        server.routes["/loop"] = Route(302, headers={"Location": "/loop"})
        fetcher = SafeFetcher(max_bytes=100, max_redirects=3, allowed_networks=LOOPBACK_ONLY)
        with pytest.raises(FetchError, match="more than 3 times"):
            _fetch(fetcher, f"{server.url}/loop")
        assert len(server.hits) == 4
