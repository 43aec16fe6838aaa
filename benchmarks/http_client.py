"""A lean HTTP/1.1 keep-alive client for load benchmarks: one connection per simulated client.

httpx's AsyncClient spent about 5 ms of CPU a request with 50 connections on this machine,
more than the API it measured; this spends a fraction of that, so the figures are the server's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import urlencode, urlparse

LOST = 0  # the status of a request whose connection broke before its answer


class Connection:
    """One keep-alive connection; requests on it are sequential, as one client's are."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parsed = urlparse(url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.headers = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, *, json_body: Any = None, params: dict[str, Any] | None = None
    ) -> tuple[int, bytes]:
        """(status, body); status LOST when the connection broke before a whole answer (the
        next request opens a new one), so a benchmark counts it instead of dying on it."""
        try:
            return await self._request(method, path, json_body=json_body, params=params)
        except (ConnectionError, asyncio.IncompleteReadError, IndexError, ValueError):
            await self.close()
            self.reader = self.writer = None
            return LOST, b""

    async def _request(
        self, method: str, path: str, *, json_body: Any = None, params: dict[str, Any] | None = None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        if params:
            path = f"{path}?{urlencode(params)}"
        body = json.dumps(json_body).encode() if json_body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.headers}"
            + (f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n" if body else "")
            + "\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, chunked = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value:
                chunked = True
        if not chunked:
            return status, await self.reader.readexactly(length)
        parts = []
        while (size := int((await self.reader.readline()).strip(), 16)) > 0:
            parts.append(await self.reader.readexactly(size))
            await self.reader.readline()
        await self.reader.readline()
        return status, b"".join(parts)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            # The server may have closed the idle connection first: nothing is lost then.
            with contextlib.suppress(ConnectionError):
                await self.writer.wait_closed()
