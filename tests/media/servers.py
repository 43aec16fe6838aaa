"""Tiny real HTTP servers on loopback addresses that count the requests they get."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    send_length: bool = True
    delay_seconds: float = 0.0


@dataclass
class MediaServer:
    url: str
    routes: dict[str, Route]
    hits: list[str] = field(default_factory=list)


@contextmanager
def media_server(host: str = "127.0.0.1") -> Iterator[MediaServer]:
    """A server on `host` answering the paths in its `routes` (404 otherwise)."""
    server_state = MediaServer("", {})

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return None

        def do_GET(self) -> None:
            server_state.hits.append(self.path)
            route = server_state.routes.get(self.path, Route(status=404))
            if route.delay_seconds:
                time.sleep(route.delay_seconds)
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.send_length:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            try:
                self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    httpd = ThreadingHTTPServer((host, 0), Handler)
    httpd.daemon_threads = True
    server_state.url = f"http://{host}:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()
