"""Terminal progress for a check: one updating line on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TextIO

from crawler.model import CheckResult, Status

ORDER = [*(s.value for s in Status), "unreachable"]
UNREACHABLE = frozenset({"dns_unresolved", "connection_refused", "timeout"})


class Progress:
    """done/total, rate and counts by verdict; on a pipe, a line every 10 % or 10 s."""

    def __init__(self, stream: TextIO | None = None, *, interval: float = 10.0) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self.counts: Counter[str] = Counter()
        self.interval = interval
        self._last_line = 0.0
        self._last_done = 0

    def __call__(self, result: CheckResult, done: int, total: int) -> None:
        # Until the run is judged, a host that could not be reached is only that: if most
        # are, the run is inconclusive and nothing is broken.
        unreachable = result.reason in UNREACHABLE
        self.counts["unreachable" if unreachable else result.status.value] += 1
        now = time.monotonic()
        if self.tty:
            # Redraw at most ten times a second: a terminal is slower than the crawl.
            if done != total and now - self._last_line < 0.1:
                return
            self.stream.write("\r\x1b[K" + self.line(done, total, now))
            if done == total:
                self.stream.write("\n")
            self.stream.flush()
            self._last_line = now
            return
        step = max(1, total // 10)
        due = done - self._last_done >= step or now - self._last_line >= self.interval
        if done == total or due:
            self.stream.write(self.line(done, total, now) + "\n")
            self.stream.flush()
            self._last_line, self._last_done = now, done

    def line(self, done: int, total: int, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self.started, 1e-6)
        counts = " ".join(f"{k} {self.counts[k]}" for k in ORDER if self.counts[k])
        return f"checked {done}/{total}  {done / elapsed:.1f} URLs/s  {counts}"
