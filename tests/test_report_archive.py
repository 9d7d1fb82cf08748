"""The archive on disk (a report per run, the index with the trend, the latest report) and
`linkwacht report`."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from crawler.store.api import Store
from linkwacht.cli import main
from reports import write_run_report
from reports.sample import populate


@pytest.fixture
def sample(tmp_path: Path) -> tuple[str, list[int]]:
    url = f"sqlite:///{tmp_path / 'lw.db'}"
    with Store.open(url) as store:
        ids = populate(store, entries=20, runs=4)
    return url, ids


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_every_run_keeps_its_report_and_the_latest_is_report_html(
    sample: tuple[str, list[int]], tmp_path: Path
) -> None:
    url, ids = sample
    out = tmp_path / "out"
    with Store.open(url) as store:
        paths = [write_run_report(store, run_id, out, "nl") for run_id in ids]
    assert [p.name for p in paths] == [
        "run-0001.html",
        "run-0002.html",
        "run-0003.html",
        "run-0004.html",
    ]
    assert all(p.parent == out / "reports" for p in paths)
    latest = soup_of(out / "report.html")
    assert latest.title is not None and latest.title.get_text().startswith("Linkcontrole nr. 4")
    nav = latest.select_one(".nav a")
    assert nav is not None and nav["href"] == "reports/index.html"
    assert (out / "reports" / "index.html").exists()


def test_rewriting_an_old_report_leaves_the_latest_alone(
    sample: tuple[str, list[int]], tmp_path: Path
) -> None:
    url, ids = sample
    out = tmp_path / "out"
    with Store.open(url) as store:
        write_run_report(store, ids[-1], out, "nl")
        before = (out / "report.html").read_text()
        write_run_report(store, ids[0], out, "fr")
    assert (out / "report.html").read_text() == before


def test_the_index_lists_runs_and_draws_the_trend(
    sample: tuple[str, list[int]], tmp_path: Path
) -> None:
    url, ids = sample
    out = tmp_path / "out"
    with Store.open(url) as store:
        write_run_report(store, ids[1], out, "en")  # only run 2 has a report file
    index = soup_of(out / "reports" / "index.html")
    rows = index.select("table.runs tbody tr")
    assert [r["data-run"] for r in rows] == ["4", "3", "2", "1"]  # newest first
    links = {a.get_text(): a["href"] for a in index.select("table.runs a")}
    assert links == {"Run 2": "run-0002.html"}, "only existing reports are linked"
    trend = index.select_one("svg.trend")
    assert trend is not None and len(trend.select("g")) == 4
    assert not index.select("script")  # the index needs no script


def test_cli_report_uses_the_configured_language(
    sample: tuple[str, list[int]], tmp_path: Path
) -> None:
    url, _ids = sample
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(
        main, ["--db", url, "report", "--out", str(out)], env={"LINKWACHT_LANG": "fr"}
    )
    assert result.exit_code == 0, result.output
    assert f"run 4: {out / 'reports' / 'run-0004.html'}" in result.output
    html = soup_of(out / "report.html").find("html")
    assert html is not None and html["lang"] == "fr"  # type: ignore[index]


def test_cli_report_all_and_a_given_run(sample: tuple[str, list[int]], tmp_path: Path) -> None:
    url, _ids = sample
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(main, ["--db", url, "report", "--all", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "reports").glob("run-*.html")) == [
        "run-0001.html",
        "run-0002.html",
        "run-0003.html",
        "run-0004.html",
    ]
    result = runner.invoke(main, ["--db", url, "report", "2", "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = soup_of(out / "reports" / "run-0002.html").find("html")
    assert page is not None and page["lang"] == "en"  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "99"], "linkwacht: run 99 does not exist"),
        (["report", "--lang", "de"], "Invalid value for '--lang'"),
    ],
)
def test_cli_report_errors_are_one_clear_line(
    sample: tuple[str, list[int]], tmp_path: Path, args: list[str], message: str
) -> None:
    url, _ids = sample
    result = CliRunner().invoke(main, ["--db", url, *args, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert message in result.output


def test_cli_report_without_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = CliRunner().invoke(main, ["--db", url, "report", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no run yet: run `linkwacht check` first" in result.output


def test_a_broken_entry_offers_its_archived_copy(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from crawler.model import CheckResult, Entry, Status
    from crawler.store.api import ArchiveAnswer, Store
    from reports.data import load_run_report

    store = Store.open(f"sqlite:///{tmp_path / 'a.db'}")
    store.sync_register([Entry(1, "S", "C", "Gone", "https://gone.be/x")], source="r.csv")
    run = store.start_run("r.csv")
    store.add_result(
        run,
        CheckResult(1, "https://gone.be/x", "https://gone.be/x", Status.BROKEN, "http_410", "Gone"),
    )
    store.finish_run(run, "complete")
    copy = "http://web.archive.org/web/2021/https://gone.be/x"
    store.save_archive_copies(
        {
            "https://gone.be/x": ArchiveAnswer(
                copy, datetime(2021, 3, 1, tzinfo=UTC), datetime.now(UTC)
            )
        }
    )
    (row,) = load_run_report(store, run).rows
    assert row.archived_url == copy
