"""Benchmark a full `linkwacht check` against the simulated web on loopback.

Prints URLs/s, CPU seconds per 1,000 URLs and peak RSS (the whole process tree, sampled),
and the same for a plain aiohttp fetch loop over the same URLs: the ceiling to close on.
Run on the setup of one of the issue's targets, it says whether the (median) run meets it.

    python bench/check_bench.py                  # (a) 10,000 URLs, 50 hosts, 20 ms, 64 in flight
    python bench/check_bench.py --polite         # (b) 2,000 URLs, 50 hosts, 1 per host, 0.25 s
    python bench/check_bench.py --repeat 3       # each run and the median (runs spread ±15%)
    python bench/check_bench.py --urls 2000 --instructions   # a count that does not spread

Only loopback is contacted; every loop is bounded by the URL count and a time limit.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.config import Config  # noqa: E402
from crawler.simweb.load import LoadWorld  # noqa: E402
from crawler.simweb.server import SimWeb  # noqa: E402

PACKAGES = ("crawler", "linkwacht", "reports", "scheduler")
TIME_LIMIT = 900.0  # seconds for any one measured command


@dataclass
class Figures:
    name: str
    urls: int
    wall: float
    cpu: float
    peak_rss_mb: float

    def line(self) -> str:
        return (
            f"{self.name:<22} {self.urls / self.wall:8.0f} URLs/s  wall {self.wall:6.1f} s  "
            f"CPU {self.cpu:6.1f} s = {1000 * self.cpu / self.urls:5.2f} ms/URL "
            f"({self.cpu:.1f} s per {self.urls:,} URLs)  peak RSS {self.peak_rss_mb:5.0f} MB"
        )


# The targets, for the setups it states them for (2 cores): (a) 10,000 URLs over 50
# hosts, 20 ms per response, 64 in flight, politeness off; (b) 2,000 URLs over 50 hosts, one
# request at a time per host, 0.25 s apart.
A_SETUP = {"urls": 10_000, "hosts": 50, "latency_ms": 20.0, "in_flight": 64}
B_SETUP = {"urls": 2_000, "hosts": 50, "latency_ms": 20.0, "delay": 0.25}
A_MIN_URLS_PER_S = 600.0
A_MAX_CPU_MS_PER_URL = 1.5
A_MAX_RSS_MB = 150.0
B_MAX_RATIO = 1.15


def target_lines(setup: dict[str, float], polite: bool, check: Figures) -> list[str]:
    """A line per target of the measured setup, saying "met" or "MISSED" (of the median
    run); none for a setup the targets do not speak of."""

    def line(name: str, met: bool, figure: str) -> str:
        return f"target {name}: {'met' if met else 'MISSED'} ({figure})"

    if not polite and all(setup.get(k) == v for k, v in A_SETUP.items()):
        rate, cpu_ms = check.urls / check.wall, 1000 * check.cpu / check.urls
        return [
            line(f"(a) >= {A_MIN_URLS_PER_S:.0f} URLs/s", rate >= A_MIN_URLS_PER_S, f"{rate:.0f}"),
            line(
                f"(a) <= {A_MAX_CPU_MS_PER_URL} ms CPU per URL",
                cpu_ms <= A_MAX_CPU_MS_PER_URL,
                f"{cpu_ms:.2f} ms",
            ),
            line(
                f"(a) <= {A_MAX_RSS_MB:.0f} MB peak RSS",
                check.peak_rss_mb <= A_MAX_RSS_MB,
                f"{check.peak_rss_mb:.0f} MB",
            ),
        ]
    if polite and all(setup.get(k) == v for k, v in B_SETUP.items()):
        ratio = check.wall / (setup["urls"] / setup["hosts"] * setup["delay"])
        return [
            line(f"(b) <= {B_MAX_RATIO}x the per-host bound", ratio <= B_MAX_RATIO, f"{ratio:.2f}x")
        ]
    return []


def tree_rss_kb(pid: int) -> int:
    """RSS of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def measure(name: str, cmd: list[str], env: dict[str, str], urls: int) -> Figures:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss_kb(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _, err = proc.communicate(timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise SystemExit(f"{name}: over the {TIME_LIMIT:.0f} s limit") from None
    wall = time.monotonic() - start
    stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{name} failed ({proc.returncode}):\n{err[-3000:]}")
    return Figures(name, urls, wall, cpu, peak / 1024)


def instructions(env: dict[str, str], out: Path) -> int:
    """Instructions executed by one `linkwacht check`, counted by callgrind."""
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (the Debian package valgrind)")
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
    cmd += [sys.executable, "-m", "linkwacht.cli", "check", "--no-report"]
    proc = subprocess.run(
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        timeout=TIME_LIMIT * 4,
    )  # fmt: skip
    if proc.returncode not in (0, 1):
        raise SystemExit(f"linkwacht check failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    for line in out.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise SystemExit(f"no instruction total in {out}")


def _crawl_mode(workers: int) -> str:
    if workers == 1:
        return "crawl in the checking process"
    return f"{workers or os.cpu_count()} crawl processes"


async def aiohttp_loop(urls: list[str], host_map: dict[str, str], in_flight: int) -> None:
    """The ceiling: GET every URL with plain aiohttp, `in_flight` at a time, read the body."""
    import aiohttp

    from crawler.fetch.handler import HostMapResolver

    connector = aiohttp.TCPConnector(
        limit=in_flight, resolver=HostMapResolver(host_map, resolve_unmapped=False)
    )
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)

    async with aiohttp.ClientSession(connector=connector) as session:

        async def work() -> None:
            while not queue.empty():
                url = queue.get_nowait()
                async with session.get(url) as resp:
                    await resp.read()

        await asyncio.wait_for(asyncio.gather(*(work() for _ in range(in_flight))), TIME_LIMIT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument(
        "--polite", action="store_true", help="one request at a time per host, --delay between them"
    )
    parser.add_argument("--delay", type=float, default=0.25)
    parser.add_argument(
        "--workers",
        type=int,
        help="check.workers (default: the configuration's, 1 = crawl in the checking process)",
    )
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="check this many times, each on the same freshly imported database; "
        "prints every run and the median (this 2-core machine's spread is about ±15%%)",
    )
    parser.add_argument(
        "--no-detectors",
        action="store_true",
        help="status codes only: no soft-404 probe, parking, drift detectors",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="instead of timing: count the check's CPU instructions under valgrind's callgrind "
        "(the same code gives the same count whatever else the machine does; ~50x slower, so "
        "use a few thousand --urls)",
    )
    parser.add_argument("--aiohttp-child", help=argparse.SUPPRESS)  # internal: the baseline
    args = parser.parse_args()
    urls_n = args.urls or (2000 if args.polite else 10_000)

    if args.aiohttp_child:  # run inside a child so its CPU and RSS are measured alike
        import json

        job = json.loads(Path(args.aiohttp_child).read_text())
        asyncio.run(aiohttp_loop(job["urls"], job["host_map"], job["in_flight"]))
        return

    # Our modules compiled once, as an installed package's are: this machine sets
    # PYTHONDONTWRITEBYTECODE, which would otherwise have every run compile them anew.
    subprocess.run([sys.executable, "-m", "compileall", "-q", *PACKAGES], cwd=ROOT, check=True)
    world = LoadWorld(hosts=args.hosts, urls=urls_n, latency_ms=args.latency_ms, scheme="http")
    with (
        SimWeb(worlds=(), load_world=world, log_requests=False).start_in_thread() as sim,
        tempfile.TemporaryDirectory() as tmp_dir,
    ):
        tmp = Path(tmp_dir)
        urls = world.urls()
        register = tmp / "register.csv"
        with register.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "section", "category", "title", "url"])
            for i, url in enumerate(urls, 1):
                writer.writerow([i, "Bench", f"host {i % args.hosts}", f"Page {i}", url])
        workers = args.workers if args.workers is not None else Config().check.workers
        cores = os.cpu_count() or 1
        env = dict(os.environ)
        env.update(
            LINKWACHT_DB=f"sqlite:///{tmp / 'bench.db'}",
            LINKWACHT_OUT=str(tmp / "out"),
            LINKWACHT_REGISTER=str(register),
            LINKWACHT_CHECK_HOST_MAP=",".join(f"{k}={v}" for k, v in sim.host_map().items()),
            LINKWACHT_CHECK_RESOLVE_UNMAPPED="false",
            LINKWACHT_CHECK_WORKERS=str(workers),
            LINKWACHT_CHECK_TIMEOUT="30",
            LINKWACHT_CHECK_DETECTORS="false" if args.no_detectors else "true",
        )
        if args.polite:
            env.update(
                LINKWACHT_CHECK_PER_HOST_CONCURRENCY="1",
                LINKWACHT_CHECK_PER_HOST_DELAY=str(args.delay),
                LINKWACHT_CHECK_CONCURRENCY=str(args.hosts),
            )
        else:
            env.update(
                LINKWACHT_CHECK_PER_HOST_CONCURRENCY=str(args.in_flight),
                LINKWACHT_CHECK_PER_HOST_DELAY="0",
                LINKWACHT_CHECK_ROBOTS_TXT="false",
                # per crawl process: the in-flight total is the same whatever the count
                LINKWACHT_CHECK_CONCURRENCY=str(max(1, args.in_flight // (workers or cores))),
            )
        # The register is imported first: a nightly run finds it unchanged.
        subprocess.run(
            [sys.executable, "-m", "linkwacht.cli", "register", "import", str(register)],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=TIME_LIMIT,
        )
        mode = (
            f"polite: 1 per host, {args.delay} s apart"
            if args.polite
            else f"{args.in_flight} in flight, politeness off"
        )
        print(
            f"{urls_n:,} URLs over {args.hosts} hosts, {args.latency_ms:g} ms per response, "
            f"{mode}, detectors {'off' if args.no_detectors else 'on'}, {_crawl_mode(workers)}, "
            f"{os.cpu_count()} cores"
        )
        if args.instructions:
            count = instructions(env, tmp / "callgrind.out")
            print(
                f"linkwacht check: {count / 1e9:.2f} G instructions = "
                f"{count / urls_n / 1e6:.2f} M per URL (start-up included)"
            )
            return
        # The crawl, then the HTML report apart: two costs an administrator can tell apart.
        db = tmp / "bench.db"
        shutil.copyfile(db, tmp / "imported.db")
        checks: list[Figures] = []
        for _ in range(max(1, args.repeat)):
            for leftover in (db, db.with_name("bench.db-wal"), db.with_name("bench.db-shm")):
                leftover.unlink(missing_ok=True)
            shutil.copyfile(tmp / "imported.db", db)
            checks.append(
                measure(
                    "linkwacht check",
                    [sys.executable, "-m", "linkwacht.cli", "check", "--no-report"],
                    env,
                    urls_n,
                )
            )
            print(checks[-1].line())
        by = "wall time" if args.polite else "CPU"  # what each target is about
        check = sorted(checks, key=lambda f: f.wall if args.polite else f.cpu)[len(checks) // 2]
        if len(checks) > 1:
            print(f"median of {len(checks)} by {by}:")
            print(check.line())
        report = measure(
            "linkwacht report", [sys.executable, "-m", "linkwacht.cli", "report"], env, urls_n
        )
        print(
            f"{'  + the HTML report':<22} wall {report.wall:6.1f} s  CPU {report.cpu:6.1f} s  "
            f"peak RSS {report.peak_rss_mb:5.0f} MB"
        )
        if args.polite:
            per_host = urls_n / args.hosts
            bound = per_host * args.delay
            print(
                f"per-host lower bound {per_host:.0f} URLs x {args.delay} s = {bound:.1f} s; "
                f"linkwacht took {check.wall / bound:.2f}x of it"
            )
        setup = {
            "urls": urls_n,
            "hosts": args.hosts,
            "latency_ms": args.latency_ms,
            "in_flight": args.in_flight,
            "delay": args.delay,
        }
        for line in target_lines(setup, args.polite, check):
            print(line)
        if not args.skip_baseline:
            import json

            job = tmp / "job.json"
            job.write_text(
                json.dumps({"urls": urls, "host_map": sim.host_map(), "in_flight": args.in_flight})
            )
            base = measure(
                "plain aiohttp loop",
                [sys.executable, __file__, "--aiohttp-child", str(job)],
                env,
                urls_n,
            )
            print(base.line())
            # The machine's speed drifts (steal time): the ratio to the plain loop of the same
            # run is the figure that compares across runs and machines.
            print(
                f"linkwacht's CPU per URL is {check.cpu / base.cpu:.1f}x the plain loop's, "
                f"its URLs/s {base.wall / check.wall:.2f}x"
            )


if __name__ == "__main__":
    main()
