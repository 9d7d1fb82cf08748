"""The benchmark script runs end to end on a small world and prints its figures (its
targets are measured by hand, not asserted: see the README's Benchmarks)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, "bench/check_bench.py", "--hosts", "3", "--latency-ms", "1", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_the_benchmark_prints_the_check_beside_the_plain_loop() -> None:
    out = bench("--urls", "60")
    check = re.search(r"linkwacht check +(\d+) URLs/s .* = +([\d.]+) ms/URL .*per 60 URLs", out)
    assert check is not None, out
    assert float(check.group(2)) > 0
    assert re.search(r"plain aiohttp loop +\d+ URLs/s", out), out
    assert re.search(r"CPU per URL is [\d.]+x the plain loop's", out), out


def test_a_polite_benchmark_never_beats_the_per_host_bound() -> None:
    # 20 URLs a host, 0.05 s apart: a wall time under the bound would mean two requests to
    # one host closer than the delay.
    out = bench("--urls", "60", "--polite", "--delay", "0.05", "--skip-baseline")
    bound = re.search(r"lower bound 20 URLs x 0.05 s = 1.0 s; linkwacht took ([\d.]+)x", out)
    assert bound is not None, out
    assert float(bound.group(1)) >= 1.0
