"""The benchmark script runs end to end on a small world and prints its figures; it says
which of the issue's targets a run of their setup meets (the targets themselves are
measured by running it, not asserted here: see the README's Benchmarks)."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


@functools.cache
def _bench_module():  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_bench", ROOT / "bench" / "check_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


A = {"urls": 10_000, "hosts": 50, "latency_ms": 20.0, "in_flight": 64, "delay": 0.25}
B = {"urls": 2_000, "hosts": 50, "latency_ms": 20.0, "in_flight": 64, "delay": 0.25}


@pytest.mark.parametrize(
    ("setup", "polite", "wall", "cpu", "rss", "expected"),
    [
        # (a): 10,000 URLs in 12 s (833/s), 12 s of CPU (1.2 ms a URL), 124 MB: all met.
        (A, False, 12.0, 12.0, 124, ["met", "met", "met"]),
        # 16 s of CPU is 1.6 ms a URL; 17 s of wall is 588 URLs/s; 151 MB is over.
        (A, False, 17.0, 16.0, 151, ["MISSED", "MISSED", "MISSED"]),
        (A, False, 16.6, 15.0, 150, ["met", "met", "met"]),  # 602/s, 1.5 ms, 150 MB: on the line
        # (b): the bound is 40 URLs x 0.25 s = 10 s.
        (B, True, 11.5, 3.0, 111, ["met"]),
        (B, True, 11.6, 3.0, 111, ["MISSED"]),
        # Targets speak of their own setups only.
        ({**A, "urls": 1_000}, False, 1.0, 1.0, 100, []),
        ({**B, "delay": 0.05}, True, 2.2, 1.0, 100, []),
        (B, False, 2.0, 2.0, 100, []),
    ],
)
def test_the_benchmark_says_which_targets_its_run_meets(
    setup: dict[str, float], polite: bool, wall: float, cpu: float, rss: int, expected: list[str]
) -> None:
    bench_module = _bench_module()
    figures = bench_module.Figures("linkwacht check", int(setup["urls"]), wall, cpu, rss)
    lines = bench_module.target_lines(setup, polite, figures)
    assert [line.split(": ")[1].split(" ")[0] for line in lines] == expected, lines
