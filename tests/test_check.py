"""The check against the simulated web: every scenario gets the verdict its site was built
to produce, with hops, title and language; politeness, robots.txt, outputs and outages."""

from __future__ import annotations

import asyncio
import csv
import gzip
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from simconfig import sim_config

from crawler.check import RESULT_FIELDS, RunOutcome, run_check
from crawler.config import Config
from crawler.fetch.handler import body_cap
from crawler.model import CheckResult, Entry, Status
from crawler.simweb.server import SimWeb
from crawler.simweb.world import Call, Scenario, Site, World
from crawler.store.api import Store

ROOT = Path(__file__).resolve().parents[1]


def write_register(path: Path, urls: list[str]) -> list[Entry]:
    entries = [Entry(i, "Sectie", "Categorie", f"Entry {i}", url) for i, url in enumerate(urls, 1)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "section", "category", "title", "url"])
        for e in entries:
            writer.writerow([e.id, e.section, e.category, e.title, e.url])
    return entries


def check_urls(config: Config, tmp: Path, urls: list[str]) -> tuple[RunOutcome, Store]:
    entries = write_register(tmp / "register.csv", urls)
    store = Store.open(config.db_url)
    store.sync_register(entries, source="register.csv")
    outcome = run_check(
        config, store, store.active_entries(), register="register.csv", out_dir=Path(config.out)
    )
    return outcome, store


@dataclass
class ScenarioRun:
    sim: SimWeb
    outcome: RunOutcome
    out: Path
    by_url: dict[str, CheckResult]


@pytest.fixture(scope="module")
def sim() -> Iterator[SimWeb]:
    with SimWeb(worlds=("scenarios",)).start_in_thread() as web:
        yield web


# Both ways to run the crawl: worker processes, and in this process (the default).
CRAWL_MODES = pytest.mark.parametrize("workers", [2, 1], ids=["worker-processes", "in-process"])


@pytest.fixture(scope="module", params=[2, 1], ids=["worker-processes", "in-process"])
def scenario_run(
    request: pytest.FixtureRequest, sim: SimWeb, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ScenarioRun]:
    """Every scenario checked once per crawl mode, each against a fresh simulated web
    (some sites answer differently the second time)."""

    def run(web_: SimWeb) -> ScenarioRun:
        tmp = tmp_path_factory.mktemp("scenarios")
        config = sim_config(web_, tmp, workers=request.param)
        outcome, _store = check_urls(config, tmp, [s.url for s in web_.scenarios])
        by_url = {r.url: r for r in outcome.results}
        return ScenarioRun(web_, outcome, Path(config.out), by_url)

    if request.param == 2:
        yield run(sim)
        return
    with SimWeb(worlds=("scenarios",)).start_in_thread() as own:
        yield run(own)


def scenario_ids() -> list[Scenario]:
    return SimWeb(worlds=("scenarios",)).scenarios


@pytest.mark.parametrize("scenario", scenario_ids(), ids=lambda s: s.name)
def test_every_scenario_gets_its_verdict(scenario_run: ScenarioRun, scenario: Scenario) -> None:
    result = scenario_run.by_url[scenario.url]
    got = (result.status.value, result.reason if scenario.expect_reason else None)
    assert got == (scenario.expect_status, scenario.expect_reason), (
        f"{scenario.name}: {result.status} {result.reason} http={result.http_status} "
        f"error={result.error} hops={result.redirects}"
    )
    assert result.advice
    if scenario.expect_status == "redirected":
        assert result.minor is scenario.minor
    if scenario.expect_title is not None:
        assert result.title == scenario.expect_title
    if scenario.expect_language is not None:
        assert result.language == scenario.expect_language
    if scenario.expect_final_url is not None:
        assert result.final_url == scenario.expect_final_url


def test_the_run_is_complete_and_counts_add_up(scenario_run: ScenarioRun) -> None:
    outcome = scenario_run.outcome
    assert outcome.state == "complete"
    assert sum(outcome.counts.values()) == len(scenario_run.sim.scenarios)
    assert outcome.exit_code == 1  # the catalogue has broken links


def test_redirect_chain_records_every_hop(scenario_run: ScenarioRun) -> None:
    chained = [r for r in scenario_run.outcome.results if len(r.redirects) >= 3]
    assert chained, "the catalogue has a chain of 3"
    for result in chained:
        assert all(
            isinstance(h.status, int) or h.status == "meta_refresh" for h in result.redirects
        )
        assert result.redirects[0].url == result.requested_url


def test_only_get_requests_with_an_honest_user_agent(scenario_run: ScenarioRun) -> None:
    records = scenario_run.sim.requests()
    assert records
    assert {r.method for r in records} == {"GET"}
    assert all("linkwacht" in r.user_agent for r in records)


def test_results_json_has_exactly_the_documented_shape(scenario_run: ScenarioRun) -> None:
    doc = json.loads((scenario_run.out / "results.json").read_text())
    assert set(doc) == {"run", "results"}
    assert set(doc["run"]) == {"id", "started_at", "finished_at", "register", "state", "counts"}
    assert doc["run"]["state"] == "complete"
    assert len(doc["results"]) == len(scenario_run.sim.scenarios)
    for row in doc["results"]:
        assert tuple(row) == RESULT_FIELDS
        assert row["status"] in {s.value for s in Status}
        for hop in row["redirects"]:
            assert set(hop) == {"url", "status"}


def test_results_json_explains_a_detected_dead_page(scenario_run: ScenarioRun) -> None:
    doc = json.loads((scenario_run.out / "results.json").read_text())
    by_url = {row["url"]: row for row in doc["results"]}
    soft = by_url[next(s.url for s in scenario_run.sim.scenarios if s.name == "soft_404_wordpress")]
    assert soft["status"] == "broken" and soft["http_status"] == 200
    assert soft["error"].startswith("soft_404: the title says 'Pagina niet gevonden")
    parked = by_url[next(s.url for s in scenario_run.sim.scenarios if s.name == "parked_domain")]
    assert "for sale" in parked["error"]


def test_results_csv_has_the_same_fields(scenario_run: ScenarioRun) -> None:
    with (scenario_run.out / "results.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == RESULT_FIELDS
    assert len(rows) == len(scenario_run.sim.scenarios)


def test_duplicate_urls_each_get_a_result(sim: SimWeb, tmp_path: Path) -> None:
    ok = next(s.url for s in sim.scenarios if s.expect_status == "ok")
    moved = next(s for s in sim.scenarios if s.expect_status == "redirected" and s.expect_final_url)
    # two entries share a URL; a third is the target another entry redirects to
    outcome, _ = check_urls(
        sim_config(sim, tmp_path), tmp_path, [ok, ok, moved.url, moved.expect_final_url or ""]
    )
    assert [r.entry_id for r in outcome.results] == [1, 2, 3, 4]
    assert [r.status for r in outcome.results] == [
        Status.OK,
        Status.OK,
        Status.REDIRECTED,
        Status.OK,
    ]


def test_robots_txt_is_obeyed_while_it_is_still_loading(sim: SimWeb, tmp_path: Path) -> None:
    robots = next(s for s in sim.scenarios if s.name == "robots_disallowed")
    base = robots.url.rsplit("/", 1)[0]
    urls = [f"{base}/doc-{i}.html" for i in range(6)]
    sim.reset()
    config = sim_config(sim, tmp_path, per_host_concurrency=6, concurrency=16, workers=1)
    outcome, _ = check_urls(config, tmp_path, urls)
    assert {(r.status, r.reason) for r in outcome.results} == {
        (Status.BLOCKED, "robots_disallowed")
    }
    host = robots.url.split("/")[2]
    fetched = [r.path for r in sim.requests(host)]
    assert fetched == ["/robots.txt"], "nothing under /private/ may be requested"


def test_one_request_at_a_time_per_host_with_the_delay(tmp_path: Path) -> None:
    async def page(request: web.Request, call: Call) -> web.StreamResponse:
        await asyncio.sleep(0.05)  # a server that takes its time: overlap would show
        return web.Response(text="<title>Page</title>", content_type="text/html")

    world = World("polite", sites=[Site("polite.simweb.test", fallback=page)])
    with SimWeb(worlds=[world]).start_in_thread() as web_:
        config = sim_config(
            web_, tmp_path, per_host_concurrency=1, per_host_delay=0.3, robots_txt=False
        )
        outcome, _ = check_urls(
            config, tmp_path, [f"https://polite.simweb.test/p/{i}" for i in range(4)]
        )
        records = sorted(web_.requests("polite.simweb.test"), key=lambda r: r.started)
    assert {r.status for r in outcome.results} == {Status.OK}
    # the four pages, and the soft-404 probe of their directory: all one at a time
    assert len([r for r in records if r.path.startswith("/p/")]) == 5
    assert max(r.concurrent for r in records) == 1
    gaps = [b.started - a.started for a, b in itertools.pairwise(records)]
    # measured where the server sees them: allow a little event-loop jitter on a busy machine
    assert min(gaps) >= 0.25


def test_network_down_makes_the_run_inconclusive(sim: SimWeb, tmp_path: Path) -> None:
    # None of these names resolve: what a machine without internet sees.
    urls = [f"https://site{i}.example.org/page" for i in range(6)]
    outcome, store = check_urls(sim_config(sim, tmp_path), tmp_path, urls)
    assert outcome.state == "inconclusive"
    assert "network" in outcome.message
    assert outcome.counts == {"transient": 6}
    assert {r.reason for r in outcome.results} == {"network_down"}
    assert store.get_run(outcome.run_id).state == "inconclusive"
    assert outcome.exit_code == 3


def test_cli_check_exit_code_and_outputs(sim: SimWeb, tmp_path: Path) -> None:
    ok = next(s.url for s in sim.scenarios if s.expect_status == "ok")
    gone = next(s.url for s in sim.scenarios if s.expect_reason == "http_410")
    write_register(tmp_path / "reg.csv", [ok, gone])
    config = tmp_path / "linkwacht.toml"
    host_map = "\n".join(f'"{k}" = "{v}"' for k, v in sim.host_map().items())
    config.write_text(
        f'db = "sqlite:///{tmp_path / "cli.db"}"\nout = "{tmp_path / "out"}"\n'
        f"[check]\nper_host_delay = 0.0\nresolve_unmapped = false\nrecheck_delay = 0.0\n"
        f'ca_bundle = "{sim.ca_pem_path}"\n[check.host_map]\n{host_map}\n'
    )
    cmd = [
        sys.executable,
        "-m",
        "linkwacht.cli",
        "--config",
        str(config),
        "check",
        "--register",
        str(tmp_path / "reg.csv"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "broken 1" in proc.stdout and "ok 1" in proc.stdout
    assert "checked 2/2" in proc.stderr  # plain progress lines when not a terminal
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [r["status"] for r in doc["results"]] == ["ok", "broken"]


def test_cli_bad_config_is_exit_code_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[check]\ntimeout = 'x'\n")
    proc = subprocess.run(
        [sys.executable, "-m", "linkwacht.cli", "--config", str(bad), "check"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "check.timeout: expected a number" in proc.stderr


def _cli_env(sim: SimWeb, tmp: Path) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.update(
        LINKWACHT_DB=f"sqlite:///{tmp / 'sig.db'}",
        LINKWACHT_OUT=str(tmp / "out"),
        LINKWACHT_CHECK_HOST_MAP=",".join(f"{k}={v}" for k, v in sim.host_map().items()),
        LINKWACHT_CHECK_RESOLVE_UNMAPPED="false",
        LINKWACHT_CHECK_CA_BUNDLE=str(sim.ca_pem_path),
        LINKWACHT_CHECK_PER_HOST_DELAY="0",
        LINKWACHT_CHECK_TIMEOUT="60",
        LINKWACHT_CHECK_WORKERS="1",
    )
    return env


@CRAWL_MODES
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGKILL"])
def test_a_stopped_run_keeps_its_results_and_is_marked_aborted(
    sim: SimWeb, tmp_path: Path, sig: str, workers: int
) -> None:
    import signal
    import time

    by_name = {s.name: s.url for s in sim.scenarios}
    write_register(tmp_path / "reg.csv", [by_name["html_nl"], by_name["never_answers"]])
    env = _cli_env(sim, tmp_path)
    env["LINKWACHT_CHECK_WORKERS"] = str(workers)
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkwacht.cli", "check", "--register", str(tmp_path / "reg.csv")],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    store: Store | None = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the fast page's result is committed
        time.sleep(0.2)
        db = tmp_path / "sig.db"
        if db.exists():
            store = Store.open(env["LINKWACHT_DB"])
            runs = store.latest_runs(1)
            if runs and store.results_for_run(runs[0].id):
                break
    if store is None or not store.latest_runs(1):
        proc.kill()
        pytest.fail(f"no result stored in time: {proc.communicate()}")
    proc.send_signal(getattr(signal, sig))
    proc.communicate(timeout=30)
    run = store.latest_runs(1)[0]
    if sig == "SIGKILL":  # nobody could write "aborted": the next start does
        assert run.state == "running"
        store.start_run("next")
        run = store.get_run(run.id)
        assert run is not None
    assert run.state == "aborted"
    kept = store.results_for_run(run.id)
    assert [r.entry_id for r in kept] == [1]
    assert kept[0].status is Status.OK
    # The page as first seen is stored with its result: the next run compares with it.
    assert store.first_snapshots()[1].url == by_name["html_nl"]


# -- confirmation, budget, trust, proxy, Retry-After -------------------------------------


def _flaky_world() -> World:
    """A page that fails once with 404 then works, and one that is always gone."""
    world = World("flaky", sites=[Site("flaky.simweb.test")])

    async def flaky(request: web.Request, call: Call) -> web.StreamResponse:
        if call.hit == 1:
            return web.Response(status=404, text="not found")
        return web.Response(text="<html><title>Back again</title></html>", content_type="text/html")

    async def gone(request: web.Request, call: Call) -> web.StreamResponse:
        return web.Response(status=404, text="not found")

    world.route("https://flaky.simweb.test/flaky", flaky)
    world.route("https://flaky.simweb.test/gone", gone)
    return world


@CRAWL_MODES
def test_broken_links_are_rechecked_and_confirmed(tmp_path: Path, workers: int) -> None:
    # In process, the re-check is a second crawl in the same process (no reactor to restart).
    with SimWeb(worlds=[_flaky_world()]).start_in_thread() as web_:
        config = sim_config(web_, tmp_path, workers=workers)
        outcome, store = check_urls(
            config, tmp_path, ["https://flaky.simweb.test/flaky", "https://flaky.simweb.test/gone"]
        )
        hits = [r.path for r in web_.requests("flaky.simweb.test") if r.path in ("/flaky", "/gone")]
    flaky, gone = outcome.results
    assert (flaky.status, flaky.confirmed) == (Status.OK, False)
    assert "first attempt in this run found broken (http_404)" in flaky.notes[-1]
    assert (gone.status, gone.reason, gone.confirmed) == (Status.BROKEN, "http_404", True)
    assert sorted(hits) == ["/flaky", "/flaky", "/gone", "/gone"]
    stored = store.results_for_run(outcome.run_id)
    assert [r.confirmed for r in stored] == [False, True]


def test_run_budget_ends_the_run_with_what_was_not_checked(sim: SimWeb, tmp_path: Path) -> None:
    by_name = {s.name: s.url for s in sim.scenarios}
    config = sim_config(sim, tmp_path, run_budget=3.0, timeout=30.0, workers=1)
    outcome, _ = check_urls(config, tmp_path, [by_name["html_nl"], by_name["never_answers"]])
    assert outcome.state == "complete"
    ok, hung = outcome.results
    assert ok.status is Status.OK
    assert (hung.status, hung.reason) == (Status.TRANSIENT, "run_time_budget")


def test_without_the_extra_ca_bundle_the_certificate_is_not_trusted(
    sim: SimWeb, tmp_path: Path
) -> None:
    page = next(s.url for s in sim.scenarios if s.name == "html_fr")
    outcome, _ = check_urls(sim_config(sim, tmp_path, ca_bundle=""), tmp_path, [page])
    (result,) = outcome.results
    assert (result.status, result.reason) == (Status.BLOCKED, "tls_certificate")


def test_retry_after_is_honoured(sim: SimWeb, tmp_path: Path) -> None:
    url = next(s.url for s in sim.scenarios if s.name == "http_429_then_200")
    sim.reset()
    outcome, _ = check_urls(sim_config(sim, tmp_path), tmp_path, [url])
    assert outcome.results[0].status is Status.OK
    path = url.split("/", 3)[3]
    tries = sorted(r.started for r in sim.requests() if r.target.lstrip("/") == path)
    assert len(tries) == 2
    assert tries[1] - tries[0] >= 0.95  # Retry-After: 1


def test_non_html_bodies_are_not_downloaded(sim: SimWeb, tmp_path: Path) -> None:
    zip_url = next(s.url for s in sim.scenarios if s.name == "zip")
    outcome, _ = check_urls(sim_config(sim, tmp_path), tmp_path, [zip_url])
    (result,) = outcome.results
    assert result.content_type == "application/zip"
    assert result.size and result.size > 0  # from Content-Length, not from reading it


@CRAWL_MODES
@pytest.mark.parametrize("where", ["config", "environment"])
def test_an_http_proxy_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, workers: int
) -> None:
    seen: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append(str(request.url))
        return web.Response(
            text="<html><title>Via the proxy</title></html>", content_type="text/html"
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    with _serve_in_thread(app) as port, SimWeb(worlds=()).start_in_thread() as web_:
        proxy_url = f"http://127.0.0.1:{port}"
        if where == "environment":  # read by this process, inherited by the workers
            monkeypatch.setenv("http_proxy", proxy_url)
            proxy_url = ""
        config = sim_config(
            web_, tmp_path, proxy=proxy_url, robots_txt=False, detectors=False, workers=workers
        )
        outcome, _ = check_urls(config, tmp_path, ["http://behind.proxy.test/page"])
    (result,) = outcome.results
    assert (result.status, result.title) == (Status.OK, "Via the proxy")
    assert seen == ["http://behind.proxy.test/page"]
    if where == "config":  # a crawl in this process leaves the process environment alone
        assert "http_proxy" not in os.environ and "https_proxy" not in os.environ


def test_cli_exit_code_0_when_nothing_is_broken(sim: SimWeb, tmp_path: Path) -> None:
    ok = next(s.url for s in sim.scenarios if s.name == "html_en")
    moved = next(s.url for s in sim.scenarios if s.name == "redirect_301")
    write_register(tmp_path / "reg.csv", [ok, moved])
    env = _cli_env(sim, tmp_path)
    env["LINKWACHT_CHECK_TIMEOUT"] = "5"
    proc = subprocess.run(
        [sys.executable, "-m", "linkwacht.cli", "check", "--register", str(tmp_path / "reg.csv")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "redirected 1" in proc.stdout


@contextmanager
def _serve_in_thread(app: web.Application) -> Iterator[int]:
    import asyncio
    import threading

    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.run_until_complete(runner.cleanup())
        loop.close()


# -- beyond status codes: drift and archived copies --------------------------------------


def test_content_drift_is_noted_against_the_page_first_seen(tmp_path: Path) -> None:
    versions = {
        "now": (
            "Sexting: tips voor ouders",
            "Ouders vragen zich vaak af hoe ze met hun kinderen over sexting kunnen praten. " * 12,
        )
    }
    first = versions["now"]

    async def page(request: web.Request, call: Call) -> web.StreamResponse:
        title, text = versions["now"]
        body = (
            f'<!DOCTYPE html><html lang="nl"><head><title>{title}</title></head>'
            f"<body><main><p>{text}</p></main></body></html>"
        )
        return web.Response(text=body, content_type="text/html")

    url = "https://drift.simweb.test/gids/sexting-tips.html"
    world = World("drift", sites=[Site("drift.simweb.test")])
    world.route(url, page)
    with SimWeb(worlds=[world]).start_in_thread() as web_:
        config = sim_config(web_, tmp_path)
        entries = write_register(tmp_path / "register.csv", [url])
        store = Store.open(config.db_url)
        store.sync_register(entries, source="register.csv")

        def one_run() -> CheckResult:
            out = run_check(config, store, store.active_entries(), register="r", out_dir=None)
            return out.results[0]

        assert not any(n.startswith("drifted") for n in one_run().notes)
        assert store.first_snapshots()[1].title == first[0]
        versions["now"] = (
            "Casino bonus - speel nu",
            "Speel online casino spellen met een welkomstbonus en gratis spins vandaag nog. " * 5,
        )
        later = one_run()
    assert later.status is Status.OK  # drift is a note, not a verdict
    from crawler.check import result_row

    assert (result_row(later)["error"] or "").startswith("drifted")  # results.json says so
    (note,) = [n for n in later.notes if n.startswith("drifted")]
    assert "Casino bonus" in note or "title" in note
    assert store.first_snapshots()[1].title == first[0]  # the first page stays the reference


@CRAWL_MODES
def test_a_broken_link_is_offered_its_archived_copy_once_looked_up(
    tmp_path: Path, workers: int
) -> None:
    asked: list[str] = []

    async def gone(request: web.Request, call: Call) -> web.StreamResponse:
        return web.Response(status=410, text="gone")

    async def available(request: web.Request, call: Call) -> web.StreamResponse:
        asked.append(request.query["url"])
        return web.json_response(
            {
                "url": request.query["url"],
                "archived_snapshots": {
                    "closest": {
                        "status": "200",
                        "available": True,
                        "url": "http://web.archive.org/web/20210301000000/" + request.query["url"],
                        "timestamp": "20210301000000",
                    }
                },
            }
        )

    world = World("archive", sites=[Site("gone.simweb.test"), Site("archive.simweb.test")])
    world.route("https://gone.simweb.test/rapport.pdf", gone)
    world.route("https://archive.simweb.test/wayback/available", available, any_query=True)
    with SimWeb(worlds=[world]).start_in_thread() as web_:
        config = sim_config(
            web_, tmp_path, archive_url="https://archive.simweb.test", workers=workers
        )
        url = "https://gone.simweb.test/rapport.pdf"
        outcome, store = check_urls(config, tmp_path, [url])
        again = run_check(config, store, store.active_entries(), register="r", out_dir=None)
    (result,) = outcome.results
    assert (result.status, result.reason) == (Status.BROKEN, "http_410")
    expected = f"archived copy: http://web.archive.org/web/20210301000000/{url} (2021-03-01)"
    assert expected in result.notes
    assert expected in again.results[0].notes
    assert asked == [url], "the archive's answer is cached, not asked twice"
    assert store.archive_copies([url])[url].copy_url


# -- answers a checker easily gets wrong -------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "cap"),
    [
        ("text/html", 100),
        ("application/xhtml+xml", 100),
        ("text/plain", 100),  # robots.txt, a plain-text page
        (None, 100),  # undeclared: it may well be HTML
        ("application/pdf", 5000),  # parsed whole or not at all
        ("application/zip", 0),  # the headers tell all a verdict needs
        ("image/png", 0),
        ("video/mp4", 0),
        ("application/octet-stream", 0),
    ],
)
def test_body_cap_reads_only_what_a_verdict_needs(content_type: str | None, cap: int) -> None:
    assert body_cap(content_type, text_cap=100, pdf_cap=5000) == cap


def test_compressed_pages_are_read_and_every_request_carries_the_defaults(
    tmp_path: Path,
) -> None:
    seen: list[dict[str, str]] = []

    async def compressed(request: web.Request, call: Call) -> web.StreamResponse:
        seen.append(dict(request.headers))
        page = '<html lang="fr"><head><title>Page compress\u00e9e</title></head><body>ok</body>'
        return web.Response(
            body=gzip.compress(page.encode()),
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
        )

    host = "gz.simweb.test"
    world = World("gz", sites=[Site(host)])
    world.route(f"https://{host}/page", compressed)
    with SimWeb(worlds=[world]).start_in_thread() as web_:
        config = sim_config(web_, tmp_path, workers=1)
        outcome, _ = check_urls(config, tmp_path, [f"https://{host}/page"])
    (result,) = outcome.results
    assert (result.status, result.title, result.language) == (
        Status.OK,
        "Page compress\u00e9e",
        "fr",
    )
    (headers,) = seen
    assert "linkwacht" in headers["User-Agent"]
    assert "gzip" in headers["Accept-Encoding"]
    assert "text/html" in headers["Accept"]


def test_large_downloads_and_chunked_files_are_not_called_broken(tmp_path: Path) -> None:
    async def big_zip(request: web.Request, call: Call) -> web.StreamResponse:
        # announces 60 MB (more than any cap): the headers alone tell it works
        response = web.StreamResponse(
            headers={"Content-Type": "application/zip", "Content-Length": str(60 << 20)}
        )
        await response.prepare(request)
        await response.write(b"PK\x03\x04" + b"\0" * 1024)
        return response

    async def chunked_zip(request: web.Request, call: Call) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/zip"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b"PK\x03\x04" + b"\0" * 4096)
        await response.write_eof()
        return response

    async def long_page(request: web.Request, call: Call) -> web.StreamResponse:
        head = b'<html lang="nl"><head><title>Een lange pagina</title></head><body>'
        filler = b"<p>" + b"Veel tekst over online veiligheid. " * 100 + b"</p>"
        return web.Response(body=head + filler * 1000, content_type="text/html")  # ~3.5 MB

    async def sets_consent(request: web.Request, call: Call) -> web.StreamResponse:
        response = web.Response(status=302, headers={"Location": "/cookie/a-done"})
        response.set_cookie("consent", "yes")
        return response

    seen_cookies: list[str] = []

    async def done(request: web.Request, call: Call) -> web.StreamResponse:
        seen_cookies.append(request.headers.get("Cookie", ""))
        return web.Response(text="<title>Klaar</title>", content_type="text/html")

    host = "files.simweb.test"
    world = World("files", sites=[Site(host)])
    for path, handler in [
        ("/downloads/big.zip", big_zip),
        ("/downloads/chunked.zip", chunked_zip),
        ("/pages/long.html", long_page),
        ("/cookie/a", sets_consent),
        ("/cookie/a-done", done),
        ("/cookie/b", done),
    ]:
        world.route(f"https://{host}{path}", handler)
    with SimWeb(worlds=[world]).start_in_thread() as web_:
        config = sim_config(web_, tmp_path, workers=1, per_host_concurrency=1)
        urls = [f"https://{host}{p}" for p in (
            "/downloads/big.zip", "/downloads/chunked.zip", "/pages/long.html", "/cookie/a",
            "/cookie/b",
        )]  # fmt: skip
        outcome, _ = check_urls(config, tmp_path, urls)
    big, chunked, long, cookie_a, cookie_b = outcome.results
    assert (big.status, big.size) == (Status.OK, 60 << 20)
    assert (chunked.status, chunked.size) == (Status.OK, None)  # size unknown, not "empty"
    assert (long.status, long.title) == (Status.OK, "Een lange pagina")  # read up to the cap
    assert cookie_a.status is Status.OK and cookie_b.status is Status.OK
    # the cookie set in /cookie/a's chain reached its next hop, and no other entry
    assert sorted(seen_cookies) == ["", "consent=yes"]
