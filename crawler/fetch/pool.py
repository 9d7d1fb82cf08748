"""How a crawl pass runs: in this process, or in worker processes sharded by host.

Both kinds take the URLs of one pass (the main crawl, the re-check, the archive lookups)
and yield each URL's ``(key, Fetch, Extraction)`` as it arrives, and None after a quiet
spell, so the caller can commit what it holds. Each is used for one pass, then closed.

- :class:`InProcessCrawl` (``check.workers = 1``, the default): Scrapy without the Twisted
  reactor, on an asyncio loop in a thread of this process. One process, nothing
  serialised: the least memory and CPU per URL, one core's worth of crawling.
- :class:`WorkerPool` (``check.workers`` = N > 1, or 0 for one per core): N processes
  (``python -m crawler.fetch.worker``), each host wholly in one, for a register so large
  that one core is the limit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import selectors
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from itertools import zip_longest
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

from crawler.config import CheckConfig, Config
from crawler.fetch import wire
from crawler.fetch.turns import host_key
from crawler.model import Extraction, Fetch

if TYPE_CHECKING:
    from scrapy.crawler import AsyncCrawlerRunner

log = logging.getLogger(__name__)

Item = tuple[str, Fetch, Extraction]
STOP_GRACE = 5.0  # seconds a stopping crawl gets to close its connections


class Crawl(Protocol):
    def run(
        self, urls: Sequence[str], config: Config, *, keep_body: bool = False
    ) -> Iterator[Item | None]: ...

    def close(self) -> None: ...


def start_crawl(config: Config, hosts: int | None = None) -> Crawl:
    """The crawl the configuration asks for; ``hosts``: how many hosts this pass visits
    (no more worker processes than hosts)."""
    if config.check.workers == 1:
        return InProcessCrawl()
    return WorkerPool(worker_count(config, hosts))


def worker_count(config: Config, hosts: int | None = None) -> int:
    wanted = config.check.workers or os.cpu_count() or 1
    return max(1, min(wanted, hosts)) if hosts is not None else wanted


def shard_by_host(urls: Sequence[str], workers: int) -> list[list[str]]:
    """Split URLs into at most ``workers`` shards, each host wholly in one shard (so
    per-host politeness holds), balancing the number of URLs (largest host first).

    Within a shard the URLs take turns by host: a crawler fed one host's URLs in a row
    fills its queue with them and leaves the other hosts idle (registers cluster by host).
    """
    by_host: dict[str, list[str]] = defaultdict(list)
    for url in urls:
        by_host[host_key(url)].append(url)
    groups: list[list[list[str]]] = [[] for _ in range(max(1, min(workers, len(by_host))))]
    sizes = [0] * len(groups)
    for _host, group in sorted(by_host.items(), key=lambda kv: -len(kv[1])):
        smallest = sizes.index(min(sizes))
        groups[smallest].append(group)
        sizes[smallest] += len(group)
    return [_take_turns(g) for g in groups if g]


def _take_turns(groups: list[list[str]]) -> list[str]:
    return [url for batch in zip_longest(*groups) for url in batch if url is not None]


class InProcessCrawl:
    """One pass crawled in this process and this thread.

    Scrapy runs without the Twisted reactor (``TWISTED_REACTOR_ENABLED = False``), on an
    asyncio loop that, unlike the reactor, can be started again: the re-check and the
    archive lookups are passes of their own. ``run`` pumps the loop: it runs it until
    answers are ready (or half a second passed), pauses it, and hands them to the caller,
    who judges and stores them while the network waits in the kernel's buffers. One thread
    on purpose: a crawl thread beside a judging thread spent a third more CPU per URL
    taking turns at the GIL than this does.

    SIGTERM and SIGINT are held while the pass runs and handed to the handler they had,
    at the next answer, so they never land inside Scrapy's own code.
    """

    def __init__(self) -> None:
        self._runner: AsyncCrawlerRunner | None = None
        self._signal: int | None = None

    async def _crawl(
        self, urls: list[str], check: CheckConfig, sink: Callable[..., None], keep_body: bool
    ) -> None:
        from crawler.fetch.worker import crawl_async, make_runner

        self._runner = make_runner(check)
        await crawl_async(self._runner, urls, check, sink, keep_body)

    def run(
        self, urls: Sequence[str], config: Config, *, keep_body: bool = False
    ) -> Iterator[Item | None]:
        check = config.check
        loop = asyncio.new_event_loop()
        ready: list[Item] = []
        wake: asyncio.Future[None] | None = None

        def wake_up(*_: object) -> None:
            if wake is not None and not wake.done():
                wake.set_result(None)

        def sink(key: str, fetch: Fetch, extraction: Extraction) -> None:
            ready.append((key, fetch, extraction))
            wake_up()

        ordered = shard_by_host(urls, 1)[0] if urls else []
        held = self._hold_signals()
        task = loop.create_task(self._crawl(ordered, check, sink, keep_body))
        task.add_done_callback(wake_up)
        deadline = time.monotonic() + check.run_budget + 60  # the spider stops first
        try:
            while True:
                if not ready and not task.done():
                    wake = loop.create_future()
                    timer = loop.call_later(0.5, wake_up)
                    loop.run_until_complete(wake)
                    timer.cancel()
                self._deliver_held_signal(held)
                if ready:
                    answers, ready = ready, []
                    yield from answers
                elif task.done() or time.monotonic() > deadline:
                    break
                else:
                    yield None
            if not task.cancelled() and task.exception() is not None:
                # The caller counts the URLs never answered as not checked; say why.
                log.error("the crawl failed", exc_info=task.exception())
        finally:
            self._stop(loop, task)
            self._restore_signals(held)

    def _stop(self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[None]) -> None:
        """Stop the crawl (closing its connections), then the loop."""
        try:
            if not task.done() and self._runner is not None:
                loop.run_until_complete(asyncio.wait_for(self._runner.stop(), STOP_GRACE))
            if not task.done():
                task.cancel()
                loop.run_until_complete(asyncio.wait([task], timeout=STOP_GRACE))
            loop.run_until_complete(loop.shutdown_asyncgens())
        except Exception:  # stopping is best effort: the loop is closed all the same
            log.debug("the crawl did not stop cleanly", exc_info=True)
        finally:
            loop.close()

    def close(self) -> None:
        """Nothing to stop before ``run``: each pass cleans up after itself."""

    def _hold_signals(self) -> dict[int, Any]:
        def hold(signum: int, frame: FrameType | None) -> None:
            self._signal = signum

        held: dict[int, Any] = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                held[sig] = signal.signal(sig, hold)
            except ValueError:  # not the main thread: signals are not ours to handle
                pass
        return held

    def _deliver_held_signal(self, held: dict[int, Any]) -> None:
        signum, self._signal = self._signal, None
        if signum is None:
            return
        handler = held.get(signum)
        if callable(handler):
            handler(signum, None)  # e.g. the check's: raises to stop the run
        elif handler == signal.SIG_DFL:
            self._restore_signals(held)
            signal.raise_signal(signum)

    def _restore_signals(self, held: dict[int, Any]) -> None:
        for sig, handler in held.items():
            signal.signal(sig, handler)


class WorkerPool:
    """Crawl worker processes, started early so that their imports (Scrapy, lxml, the
    language models) overlap with the caller reading the register and the database.

    ``run`` gives each worker a shard of URLs and yields each answer as it arrives, and
    None after a quiet spell (so the caller can commit what it holds).
    """

    def __init__(self, count: int) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        for _ in range(max(1, count)):
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "crawler.fetch.worker"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    start_new_session=True,  # a Ctrl-C reaches us; we stop the workers
                )
            )

    def run(
        self, urls: Sequence[str], config: Config, *, keep_body: bool = False
    ) -> Iterator[Item | None]:
        check = config.check
        shards = shard_by_host(urls, len(self.procs))
        shards += [[] for _ in range(len(self.procs) - len(shards))]
        job_check = asdict(check)
        deadline = time.monotonic() + check.run_budget + 60  # the workers stop first
        selector = selectors.DefaultSelector()
        pending: dict[int, bytes] = {}
        try:
            for proc, shard in zip(self.procs, shards, strict=True):
                assert proc.stdin is not None and proc.stdout is not None
                try:
                    job = {"check": job_check, "urls": shard, "keep_body": keep_body}
                    proc.stdin.write(json.dumps(job).encode())
                    proc.stdin.close()
                except BrokenPipeError:  # died while starting: its URLs count as stranded
                    continue
                if shard:
                    fd = proc.stdout.fileno()
                    os.set_blocking(fd, False)
                    selector.register(fd, selectors.EVENT_READ)
                    pending[fd] = b""
            while pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                ready = selector.select(timeout=min(remaining, 0.5))
                if not ready:
                    yield None
                for key, _ in ready:
                    fd = key.fd
                    chunk = os.read(fd, 1 << 16)
                    if not chunk:
                        selector.unregister(fd)
                        del pending[fd]
                        continue
                    *lines, pending[fd] = (pending[fd] + chunk).split(b"\n")
                    for line in lines:
                        yield wire.decode(line.decode("utf-8"))
        finally:
            selector.close()
            self.close()

    def close(self) -> None:
        """Stop the workers: nothing they hold is unsaved. Their output is closed first, so
        a worker writing its last lines cannot block on a full pipe; one shared deadline."""
        for proc in self.procs:
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + STOP_GRACE
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
