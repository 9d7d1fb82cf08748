"""The report archive on disk: every run's report, an index with the trend, the latest.

out/report.html              the latest run's report (what a maintainer opens)
out/reports/index.html       every run, newest first, with the trend chart
out/reports/run-0001.html    one report per run, kept
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from crawler.store.api import Store
from reports.data import load_run_report, runs_oldest_first
from reports.render import ARCHIVE_LINKS, Links, render_index, render_run

REPORTS_DIR = "reports"
LATEST = "report.html"
INDEX = "index.html"
_RUN_FILE = re.compile(r"^run-(\d+)\.html$")
_INDEX_MARK = "lw-index-href-5d1c0e"


def run_file_name(run_id: int) -> str:
    return f"run-{run_id:04d}.html"


def write_run_report(store: Store, run_id: int, out_dir: str | Path, lang: str) -> Path:
    """Write the report of ``run_id`` into the archive under ``out_dir``, refresh the index,
    and make it ``out_dir/report.html`` when it is the newest run. Returns the report's path.

    Called after every ``linkwacht check``; ``linkwacht report`` calls it for any run."""
    out = Path(out_dir)
    archive = out / REPORTS_DIR
    archive.mkdir(parents=True, exist_ok=True)
    report = load_run_report(store, run_id)
    # The two copies differ only in where "all runs" leads: render once (a 10 000-entry page
    # takes seconds), then put each copy's link in place of a marker.
    # The nav link comes before any data, so the first occurrence is the one.
    page = render_run(report, lang, Links(index=_INDEX_MARK, run=None))
    path = archive / run_file_name(run_id)
    atomic_write(path, page.replace(_INDEX_MARK, INDEX, 1))
    runs = runs_oldest_first(store)
    if runs and runs[-1].id == run_id:
        atomic_write(out / LATEST, page.replace(_INDEX_MARK, f"{REPORTS_DIR}/{INDEX}", 1))
    write_index(store, out, lang)
    return path


def write_index(store: Store, out_dir: str | Path, lang: str) -> Path:
    """(Re)write ``reports/index.html``, linking the runs whose report file exists."""
    archive = Path(out_dir) / REPORTS_DIR
    archive.mkdir(parents=True, exist_ok=True)
    available = {
        int(match.group(1)) for p in archive.iterdir() if (match := _RUN_FILE.match(p.name))
    }
    path = archive / INDEX
    atomic_write(path, render_index(runs_oldest_first(store), lang, ARCHIVE_LINKS, available))
    return path


def atomic_write(path: Path, text: str) -> None:
    """Readers (a browser, ``linkwacht serve``) never see a half-written page."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
