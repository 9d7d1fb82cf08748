"""A raw asyncio HTTP/1.1 server for misbehaviours aiohttp will not commit.

One listener, dispatching on the request path, whatever the Host:

``/hang``     reads the request, then never answers (until the client leaves).
``/drip``     sends headers at once, then the body one byte per ``drip_interval`` seconds.
``/endless``  a chunked body that never ends (bounded only by ``max_bytes``/``max_seconds``).
``/reset``    headers and part of the body, then a TCP RST.
``/robots.txt`` and anything else: a quick 404, so robots handling does not mask the case.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from email.utils import formatdate

from yarl import URL

BeginFn = Callable[[str], int]  # host -> requests in flight to it, this one included
RecordFn = Callable[[str, str, str, str, str, float, int, str, int], None]

_DRIP_BODY = (
    b'<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">'
    b"<title>Trage server</title></head>\n<body><p>Deze server antwoordt heel traag.</p>"
    b"</body></html>\n"
)
_ENDLESS_HEAD = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    b"<title>Endless page</title></head>\n<body>\n"
)
_ENDLESS_CHUNK = b"<p>" + b"All work and no play makes Jack a dull boy. " * 1480 + b"</p>\n"


def _head(status: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [
        f"HTTP/1.1 {status}",
        "Server: Apache/2.4.41 (Ubuntu)",
        f"Date: {formatdate(usegmt=True)}",
    ]
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class RawServer:
    def __init__(
        self,
        begin: BeginFn,
        record: RecordFn,
        *,
        drip_interval: float = 1.0,
        max_seconds: float = 300.0,
        max_bytes: int = 8 << 30,
    ) -> None:
        self._begin = begin
        self._record = record
        self.drip_interval = drip_interval
        self.max_seconds = max_seconds
        self.max_bytes = max_bytes
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.add(writer)
        scheme = "https" if writer.get_extra_info("sslcontext") is not None else "http"
        try:
            await self._serve(reader, writer, scheme)
        except (
            ConnectionError,
            TimeoutError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
        ):
            pass
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            if not writer.is_closing():
                writer.close()

    async def close(self) -> None:
        """Drop every open connection (the server sockets are closed by the caller)."""
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, scheme: str
    ) -> None:
        started = time.monotonic()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        host = headers.get("host", "").split(":")[0].lower()
        ua = headers.get("user-agent", "")
        path = URL(target).path if target.startswith("/") else target
        is_head = method == "HEAD"

        status = 0
        concurrent = self._begin(host)
        try:
            if path == "/hang":
                await self._until_eof(reader, self.max_seconds)
            elif path == "/drip":
                status = 200
                await self._while_connected(reader, self._drip(writer, is_head))
            elif path == "/endless":
                status = 200
                await self._while_connected(reader, self._endless(writer, is_head))
            elif path == "/reset":
                status = 200
                await self._reset(writer, is_head)
            else:
                status = 404
                body = b"<html><body><h1>Not Found</h1></body></html>\n"
                writer.write(
                    _head(
                        "404 Not Found",
                        [
                            ("Content-Type", "text/html; charset=iso-8859-1"),
                            ("Content-Length", str(len(body))),
                            ("Connection", "close"),
                        ],
                    )
                    + (b"" if is_head else body)
                )
                await writer.drain()
        finally:
            self._record(host, scheme, method, target, ua, started, status, path, concurrent)

    async def _until_eof(self, reader: asyncio.StreamReader, seconds: float) -> None:
        with contextlib.suppress(TimeoutError, ConnectionError):
            async with asyncio.timeout(seconds):
                while await reader.read(65536):
                    pass

    async def _while_connected(self, reader: asyncio.StreamReader, work: Awaitable[None]) -> None:
        """Run ``work`` until it ends or the client hangs up (seen as EOF on the reader)."""
        worker = asyncio.ensure_future(work)
        watcher = asyncio.ensure_future(self._until_eof(reader, self.max_seconds))
        try:
            await asyncio.wait([worker, watcher], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in (worker, watcher):
                t.cancel()
            await asyncio.gather(worker, watcher, return_exceptions=True)

    async def _drip(self, writer: asyncio.StreamWriter, is_head: bool) -> None:
        writer.write(
            _head(
                "200 OK",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(_DRIP_BODY))),
                ],
            )
        )
        await writer.drain()
        if is_head:
            return
        deadline = time.monotonic() + self.max_seconds
        for i in range(len(_DRIP_BODY)):
            if time.monotonic() > deadline or writer.is_closing():
                return
            writer.write(_DRIP_BODY[i : i + 1])
            await writer.drain()
            await asyncio.sleep(self.drip_interval)

    async def _endless(self, writer: asyncio.StreamWriter, is_head: bool) -> None:
        writer.write(
            _head(
                "200 OK",
                [("Content-Type", "text/html; charset=utf-8"), ("Transfer-Encoding", "chunked")],
            )
        )
        if is_head:
            writer.write(b"")
            await writer.drain()
            return
        frame = f"{len(_ENDLESS_CHUNK):x}\r\n".encode() + _ENDLESS_CHUNK + b"\r\n"
        writer.write(f"{len(_ENDLESS_HEAD):x}\r\n".encode() + _ENDLESS_HEAD + b"\r\n")
        sent = 0
        deadline = time.monotonic() + self.max_seconds
        # Bounded for hygiene only: far beyond any sane crawler byte cap.
        while sent < self.max_bytes and time.monotonic() < deadline and not writer.is_closing():
            writer.write(frame)
            sent += len(frame)
            await writer.drain()
            # drain() need not suspend (a TLS transport whose peer left swallows writes without
            # back-pressure): yield so the loop can deliver connection_lost and serve others.
            await asyncio.sleep(0)

    async def _reset(self, writer: asyncio.StreamWriter, is_head: bool) -> None:
        body = _DRIP_BODY * 400
        writer.write(
            _head(
                "200 OK",
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
        )
        if not is_head:
            writer.write(body[:4000])
        await writer.drain()
        await asyncio.sleep(0.05)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            # Linger 0 turns close() into an RST instead of an orderly FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
