"""The report in a real browser: headless Chromium driven by Selenium.

Data with hostile titles (a <script>, an <img onerror>, a javascript: redirect target,
attribute breakers in URLs, section and category names) must never run; the filters must show
the right rows; the page must log no error; without JavaScript it must still be complete.
Screenshots go to test-artifacts/ for a person to look at.

Skipped when chromium or chromedriver is missing, unless LINKWACHT_REQUIRE_BROWSER=1 (CI),
which makes that a failure.
"""

from __future__ import annotations

import asyncio
import base64
import io
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from crawler.store.api import Store
from reports import write_run_report
from reports.archive import write_index
from reports.sample import populate

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("LINKWACHT_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("LINKWACHT_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
REQUIRED = os.environ.get("LINKWACHT_REQUIRE_BROWSER") == "1"
ENTRIES = 94


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            return f"{path} not found (apt-get install {package})"
    return None


@pytest.fixture(scope="module", autouse=True)
def _browser_available() -> None:
    reason = _missing()
    if reason is None:
        return
    if REQUIRED:
        pytest.fail(
            f"browser tests cannot run: {reason} (LINKWACHT_REQUIRE_BROWSER=1)", pytrace=False
        )
    pytest.skip(f"browser tests skipped: {reason}")


Driver = Any  # selenium.webdriver.Chrome; imported lazily so a missing selenium only skips


def make_driver(*, javascript: bool = True) -> Driver:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="lw-chromium-")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,1400",
        "--lang=nl-BE",
    ):
        options.add_argument(arg)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver._lw_profile = profile  # removed with the driver
    return driver


def quit_driver(driver: Driver) -> None:
    driver.quit()
    shutil.rmtree(driver._lw_profile, ignore_errors=True)


@dataclass
class Archive:
    out: Path
    run_id: int
    counts: dict[str, int]
    store_url: str


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'lw.db'}"
    with Store.open(url) as store:
        ids = populate(store, entries=ENTRIES, runs=12, hostile=True)
        for lang in ("fr", "en"):
            write_run_report(store, ids[-1], tmp / lang, lang)
        write_run_report(store, ids[-1], tmp / "nl", "nl")
        write_index(store, tmp / "nl", "nl")
        run = store.get_run(ids[-1])
        assert run is not None
        counts = dict(run.counts)
    return Archive(tmp, ids[-1], counts, url)


@pytest.fixture(scope="module")
def driver() -> Iterator[Driver]:
    d = make_driver()
    yield d
    quit_driver(d)


def open_page(driver: Driver, url: str) -> None:
    driver.get(url)
    driver.get_log("browser")  # drain: each test judges only its own page's messages


def severe(driver: Driver) -> list[dict[str, Any]]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def screenshot(driver: Driver, name: str, *, full: bool = True) -> Path:
    """A PNG of the whole page (not only the window) into test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    if full:
        metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics["cssContentSize"]
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": 0,
                    "width": size["width"],
                    "height": min(size["height"], 6000),
                    "scale": 1,
                },
            },
        )
        path.write_bytes(base64.b64decode(shot["data"]))
    else:
        driver.save_screenshot(str(path))
    return path


def visible_rows(driver: Driver) -> list[dict[str, str]]:
    return driver.execute_script(  # type: ignore[no-any-return]
        "return Array.from(document.querySelectorAll('tr.entry'))"
        ".filter(r => r.offsetParent !== null)"
        ".map(r => ({id: r.id, status: r.dataset.status, section: r.dataset.section,"
        " host: r.dataset.host}))"
    )


def choose(driver: Driver, select_id: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, select_id)).select_by_value(value)


# -- nothing from the data runs ----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
def test_no_script_from_the_data_runs(driver: Driver, archive: Archive, lang: str) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    open_page(driver, (archive.out / lang / "report.html").as_uri())
    # Make every handler a hostile value could have created fire, if it exists.
    driver.execute_script(
        "document.querySelectorAll('*').forEach(el => {"
        " ['mouseover', 'click', 'focus', 'load', 'error'].forEach(t => {"
        "  if (el.tagName !== 'A' && el.tagName !== 'BUTTON') el.dispatchEvent(new Event(t)); });"
        "});"
    )
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert "pwned" not in driver.title
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    handlers = driver.execute_script(
        "return Array.from(document.querySelectorAll('*')).flatMap(el =>"
        " Array.from(el.attributes).map(a => a.name).filter(n => n.startsWith('on')))"
    )
    assert handlers == []
    hrefs = driver.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(a => a.protocol)"
    )
    assert set(hrefs) <= {"http:", "https:", "file:"}, "javascript: is never a link"
    shown = driver.execute_script("return document.querySelector('#e-2 .pt').textContent")
    assert '<img src=x onerror="window.__pwned=1">' in shown, "hostile text is shown as text"
    assert severe(driver) == []
    screenshot(driver, f"report-{lang}.png")


# -- filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", ["broken", "redirected", "blocked", "transient", "invalid", "ok"]
)
def test_filtering_by_verdict_shows_exactly_those_rows(
    driver: Driver, archive: Archive, status: str
) -> None:
    open_page(driver, (archive.out / "nl" / "report.html").as_uri())
    assert len(visible_rows(driver)) == ENTRIES
    choose(driver, "f-status", status)
    rows = visible_rows(driver)
    assert {r["status"] for r in rows} == {status}
    assert len(rows) == archive.counts[status]
    count = driver.find_element("id", "f-count").text
    assert count == f"{archive.counts[status]} van {ENTRIES} items getoond"
    # A category left without a visible row disappears with its heading.
    empty = driver.execute_script(
        "return Array.from(document.querySelectorAll('.group.category'))"
        ".filter(g => g.offsetParent !== null && !g.querySelector('tr.entry:not([hidden])'))"
        ".length"
    )
    assert empty == 0
    if status == "broken":
        screenshot(driver, "report-nl-broken-only.png", full=False)
    assert severe(driver) == []


def test_filters_combine_and_search_matches_text(driver: Driver, archive: Archive) -> None:
    from selenium.webdriver.common.by import By

    open_page(driver, (archive.out / "nl" / "report.html").as_uri())
    choose(driver, "f-section", "Informeren")
    assert {r["section"] for r in visible_rows(driver)} == {"Informeren"}
    choose(driver, "f-section", "")
    choose(driver, "f-host", "www.sensoa.be")
    assert {r["host"] for r in visible_rows(driver)} == {"www.sensoa.be"}
    choose(driver, "f-host", "")
    box = driver.find_element(By.ID, "f-text")
    box.send_keys("onerror")  # the hostile page title of entry 2, as text
    assert [r["id"] for r in visible_rows(driver)] == ["e-2"]
    box.clear()
    box.send_keys("x")
    box.send_keys("\b")
    assert len(visible_rows(driver)) == ENTRIES
    choose(driver, "f-sort", "verdict")
    first = driver.execute_script(
        "return document.querySelector('tbody.rows tr.entry').dataset.urgency"
    )
    assert first == "0"  # broken first within its category
    assert severe(driver) == []


def test_copy_button_copies_the_suggested_address(driver: Driver, archive: Archive) -> None:
    from selenium.webdriver.common.by import By

    open_page(driver, (archive.out / "nl" / "report.html").as_uri())
    buttons = driver.find_elements(By.CSS_SELECTOR, "#act-redirected button.copy")
    assert buttons and all(b.is_displayed() for b in buttons)
    assert all(b.get_attribute("data-copy").startswith("https://") for b in buttons)
    buttons[0].click()
    # The clipboard answers asynchronously: wait for the button to say what happened.
    from selenium.webdriver.support.ui import WebDriverWait

    outcomes = {"Gekopieerd", "Selecteer het adres en kopieer het"}
    WebDriverWait(driver, 10).until(lambda _: buttons[0].text in outcomes)
    assert buttons[0].text in outcomes
    assert severe(driver) == []


# -- without JavaScript, in print -------------------------------------------------------------


def test_without_javascript_the_report_is_complete(archive: Archive) -> None:
    from selenium.webdriver.common.by import By

    plain = make_driver(javascript=False)
    try:
        open_page(plain, (archive.out / "nl" / "report.html").as_uri())
        rows = plain.find_elements(By.CSS_SELECTOR, "tr.entry")
        assert len(rows) == ENTRIES and all(r.is_displayed() for r in rows[:5])
        assert not plain.find_element(By.ID, "controls").is_displayed()  # no dead controls
        assert not any(
            b.is_displayed() for b in plain.find_elements(By.CSS_SELECTOR, "button.copy")
        )
        items = plain.find_elements(By.CSS_SELECTOR, "ol.actions > li")
        needing = sum(n for s, n in archive.counts.items() if s != "ok")
        assert len(items) == needing
        screenshot(plain, "report-nl-no-javascript.png", full=False)
    finally:
        quit_driver(plain)


def test_printing_hides_the_controls(driver: Driver, archive: Archive) -> None:
    from selenium.webdriver.common.by import By

    open_page(driver, (archive.out / "nl" / "report.html").as_uri())
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not driver.find_element(By.ID, "controls").is_displayed()
        assert driver.find_element(By.CSS_SELECTOR, "#act-broken").is_displayed()
        pdf = base64.b64decode(driver.print_page())
        pages = PdfReader(io.BytesIO(pdf)).pages
        printed = "\n".join(page.extract_text() for page in pages)
        # Every entry is on paper, off-screen categories included (content-visibility).
        assert all(f"#{i}" in printed for i in (1, ENTRIES // 2, ENTRIES)), len(pages)
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert severe(driver) == []


def test_the_index_draws_the_trend(driver: Driver, archive: Archive) -> None:
    from selenium.webdriver.common.by import By

    open_page(driver, (archive.out / "nl" / "reports" / "index.html").as_uri())
    bars = driver.find_elements(By.CSS_SELECTOR, "svg.trend g")
    assert len(bars) == 12
    assert driver.find_element(By.CSS_SELECTOR, "svg.trend").size["width"] > 300
    screenshot(driver, "index-nl.png", full=False)
    driver.find_element(By.LINK_TEXT, f"Controle {archive.run_id}").click()
    assert driver.title.startswith(f"Linkcontrole nr. {archive.run_id}")
    assert severe(driver) == []


# -- served by `linkwacht serve` -------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(archive: Archive) -> Iterator[str]:
    from aiohttp import web

    from reports.serve import make_app

    store = Store.open(archive.store_url)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(make_app(store, lang="fr"))
    ready = threading.Event()
    port: list[int] = []

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port.append(runner.addresses[0][1])
        ready.set()

    thread = threading.Thread(
        target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True
    )
    thread.start()
    assert ready.wait(10)
    yield f"http://127.0.0.1:{port[0]}"
    stop: Callable[[], None] = lambda: loop.stop()  # noqa: E731
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(stop)
    thread.join(10)
    store.close()


def test_served_pages_work_under_their_security_headers(driver: Driver, served: str) -> None:
    from selenium.webdriver.common.by import By

    open_page(driver, f"{served}/runs/latest")
    assert driver.execute_script("return document.documentElement.lang") == "fr"
    choose(driver, "f-status", "broken")  # the script runs under the served CSP
    assert {r["status"] for r in visible_rows(driver)} == {"broken"}
    driver.find_element(By.CSS_SELECTOR, "#act-broken li a[href^='#e-']").click()
    link = driver.find_element(By.CSS_SELECTOR, "tr.entry:not([hidden]) td.id a")
    link.click()
    assert "/entries/" in driver.current_url
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert severe(driver) == []
    screenshot(driver, "entry-fr.png", full=False)
