"""`linkwacht serve`: the archive and each entry's history, read-only, on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from bs4 import BeautifulSoup

from crawler.store.api import Store
from reports.cli import serve_cmd
from reports.sample import populate
from reports.serve import make_app


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("serve") / "lw.db"
    with Store.open(f"sqlite:///{path}") as opened:
        populate(opened, entries=30, runs=3, hostile=True)
        yield opened


@pytest.fixture
async def client(store: Store) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(store, lang="nl"))) as test_client:
        yield test_client


async def page(client: TestClient, path: str) -> BeautifulSoup:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    assert response.content_type == "text/html"
    return BeautifulSoup(await response.text(), "html.parser")


async def test_the_front_page_lists_the_runs_with_the_trend(client: TestClient) -> None:
    soup = await page(client, "/")
    assert [a["href"] for a in soup.select("table.runs a")] == ["/runs/3", "/runs/2", "/runs/1"]
    assert soup.select_one("svg.trend") is not None


async def test_a_run_report_links_each_entry_to_its_history(client: TestClient) -> None:
    soup = await page(client, "/runs/3")
    assert soup.title is not None and soup.title.get_text().startswith("Linkcontrole nr. 3")
    assert soup.select_one("tr#e-12 td.id a")["href"] == "/entries/12"  # type: ignore[index]
    assert soup.select_one(".nav a")["href"] == "/"  # type: ignore[index]


async def test_an_entry_history_is_escaped_and_newest_first(client: TestClient) -> None:
    soup = await page(client, "/entries/1")  # its register title is a <script>
    assert soup.h1 is not None and "<script>window.__pwned" in soup.h1.get_text()
    assert len(soup.find_all("script")) == 0
    runs = [a.get_text() for a in soup.select("tbody tr td:first-child a")]
    assert runs == ["3", "2", "1"]
    assert soup.select_one("tbody tr .badge").get_text() == "Kapot"  # type: ignore[union-attr]


async def test_the_language_can_be_chosen_per_page(client: TestClient) -> None:
    soup = await page(client, "/runs/3?lang=fr")
    assert soup.html is not None and soup.html["lang"] == "fr"
    response = await client.get("/runs/latest?lang=en", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/runs/3?lang=en"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/runs/99", 404),
        ("GET", "/entries/999", 404),
        ("GET", "/etc/passwd", 404),
        ("GET", "/runs/abc", 404),
        ("POST", "/", 405),
        ("PUT", "/runs/3", 405),
        ("DELETE", "/entries/1", 405),
    ],
)
async def test_nothing_else_is_served(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path)
    assert response.status == status
    assert "Content-Security-Policy" in response.headers


async def test_pages_carry_protective_headers(client: TestClient) -> None:
    response = await client.get("/")
    headers = response.headers
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "192.168.1.5"])
async def test_other_host_names_are_refused_on_loopback(client: TestClient, host: str) -> None:
    response = await client.get("/", headers={"Host": host})
    assert response.status == 421  # a page rebinding its name to 127.0.0.1 gets nothing


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "localhost", "[::1]:8080"])
async def test_loopback_names_are_served(client: TestClient, host: str) -> None:
    response = await client.get("/", headers={"Host": host})
    assert response.status == 200


def test_serve_binds_to_loopback_by_default() -> None:
    host = next(p for p in serve_cmd.params if p.name == "host")
    port = next(p for p in serve_cmd.params if p.name == "port")
    assert (host.default, port.default) == ("127.0.0.1", 8080)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_linkwacht_serve_answers_on_127_0_0_1(store: Store, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "LINKWACHT_DB": store.engine.url.render_as_string(hide_password=False)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkwacht.cli", "serve", "--port", str(port), "--lang", "en"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/entries/2", timeout=5) as r:
                    body = r.read().decode()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"serve did not answer: {proc.communicate(timeout=5)}")
                time.sleep(0.2)
        assert '<html lang="en">' in body and "&lt;img src=x onerror=" in body
    finally:
        proc.terminate()
        out, _err = proc.communicate(timeout=10)
    assert f"serving the reports on http://127.0.0.1:{port}/" in out
