"""The maintainers' report: an HTML page per run, the archive with trends, the fix list,
and ``linkwacht serve``.

``write_run_report(store, run_id, out_dir, lang)`` is what ``linkwacht check`` calls after a
run; the rest lives in the modules (render, archive, fixes, serve, cli).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.store.api import Store

__all__ = ["write_run_report"]


def write_run_report(store: Store, run_id: int, out_dir: str | Path, lang: str) -> Path:
    """Write ``out_dir/reports/run-NNNN.html`` (plus the index, and ``out_dir/report.html``
    when it is the newest run) and return the run's report path."""
    from reports.archive import write_run_report as write  # Jinja2 and Babel load on use

    return write(store, run_id, out_dir, lang)
