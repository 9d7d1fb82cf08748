"""The crawl in the checking process itself (``check.workers = 1``, the default): a register
larger than the spider's window, a signal arriving mid-crawl, the garbage-collector tuning."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from simconfig import sim_config
from test_check import check_urls

from crawler.model import Status
from crawler.simweb.load import LoadWorld
from crawler.simweb.server import SimWeb

ROOT = Path(__file__).resolve().parents[1]


def test_a_register_many_times_the_concurrency_is_checked_whole(tmp_path: Path) -> None:
    world = LoadWorld(hosts=3, urls=300, latency_ms=0, scheme="http")
    with SimWeb(worlds=(), load_world=world, log_requests=False).start_in_thread() as web_:
        config = sim_config(
            web_, tmp_path, workers=1, concurrency=4, per_host_concurrency=2, robots_txt=False
        )
        outcome, store = check_urls(config, tmp_path, world.urls())
    assert outcome.state == "complete"
    assert outcome.counts == {"ok": 300}
    assert len(store.results_for_run(outcome.run_id)) == 300


def test_sigterm_mid_crawl_stops_the_run_between_answers(tmp_path: Path) -> None:
    # The signal is held while Scrapy's code runs and handed to the check's own handler at
    # the next answer (or quiet spell): the run ends as aborted, what was judged is kept.
    before = signal.getsignal(signal.SIGTERM)
    with SimWeb(worlds=("scenarios",)).start_in_thread() as sim:
        by_name = {s.name: s.url for s in sim.scenarios}
        config = sim_config(sim, tmp_path, workers=1, timeout=30.0, retries=0)
        timer = threading.Timer(1.5, os.kill, (os.getpid(), signal.SIGTERM))
        timer.start()
        try:
            outcome, store = check_urls(
                config, tmp_path, [by_name["html_nl"], by_name["never_answers"]]
            )
        finally:
            timer.cancel()
    assert outcome.state == "aborted"
    assert [(r.entry_id, r.status) for r in outcome.results] == [(1, Status.OK)]
    run = store.get_run(outcome.run_id)
    assert run is not None and run.state == "aborted"
    # The handlers the crawl held the signals for are back in place.
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_long_run_freezes_start_up_objects_and_collects_young_ones_less_often() -> None:
    code = (
        "import gc; from crawler.gc_tuning import tune_for_a_long_run, YOUNG_THRESHOLD; "
        "before = gc.get_threshold(); tune_for_a_long_run(); "
        "print(gc.get_freeze_count() > 1000, gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.split() == ["True", "True"]


def test_the_command_line_loads_the_heavy_libraries_after_its_start_up_gc_setting(
    tmp_path: Path,
) -> None:
    # Importing the command line is cheap; SQLAlchemy (and Scrapy, the reports) load when a
    # command runs, after run() raised the collector's young threshold for the imports.
    db = f"sqlite:///{tmp_path / 'gc.db'}"
    code = (
        "import atexit, gc, sys; from linkwacht import cli; "
        "early = [m for m in ('sqlalchemy', 'scrapy', 'reports.cli') if m in sys.modules]; "
        "atexit.register(lambda: print(early, gc.get_threshold()[0], 'sqlalchemy' in sys.modules))"
        "; "
        f"sys.argv = ['linkwacht', '--db', {db!r}, 'runs']; cli.run()"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    from crawler.gc_tuning import YOUNG_THRESHOLD

    assert out.stdout.split() == ["[]", str(YOUNG_THRESHOLD), "True"]
