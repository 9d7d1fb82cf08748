"""The run report against the simulated web: every verdict kind, in nl, fr and en.

One real crawl of the scenario catalogue (plus an invalid register URL), preceded by two
stored runs built from the scenarios' expected verdicts with a few differences, so that the
report has history to show: newly broken, working again, newly moved, newly blocked, and a
link broken three runs in a row.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from simconfig import sim_config

from crawler.check import RunOutcome, run_check
from crawler.model import CheckResult, Entry, Hop, Status
from crawler.simweb.server import SimWeb
from crawler.simweb.sites import MARKUP_TITLE
from crawler.store.api import RunState, Store
from reports.data import load_run_report
from reports.i18n import Words
from reports.render import render_run

LANGS = ("nl", "fr", "en")
SECTIONS = ("Informeren", "Sensibiliseren en responsabiliseren", "Handelen")
INVALID_URL = "https://exa mple.org/brochure.pdf"
# What a maintainer reads on each verdict badge.
VERDICT_WORDS = {
    "nl": {
        "ok": "Werkt",
        "redirected": "Verhuisd",
        "broken": "Kapot",
        "transient": "Tijdelijk probleem",
        "blocked": "Geblokkeerd",
        "invalid": "Ongeldige URL",
    },
    "fr": {
        "ok": "Fonctionne",
        "redirected": "Déplacé",
        "broken": "Cassé",
        "transient": "Problème temporaire",
        "blocked": "Bloqué",
        "invalid": "URL invalide",
    },
    "en": {
        "ok": "Works",
        "redirected": "Moved",
        "broken": "Broken",
        "transient": "Temporary problem",
        "blocked": "Blocked",
        "invalid": "Invalid URL",
    },
}
STATE_WORDS = {
    "complete": {"nl": "Volledig", "fr": "Complète", "en": "Complete"},
    "inconclusive": {
        "nl": "het netwerk van deze computer lag plat tijdens de controle, dus werd niets als "
        "kapot beoordeeld",
        "fr": "le réseau de cette machine était en panne pendant la vérification, donc rien "
        "n'a été jugé cassé",
        "en": "the network of this machine was down during the run, so nothing was judged broken",
    },
    "aborted": {"nl": "Afgebroken", "fr": "Interrompue", "en": "Aborted"},
}
BROKEN_SINCE = {
    "nl": "Kapot sinds {date} (3 controles na elkaar)",
    "fr": "Cassé depuis le {date} (3 vérifications d'affilée)",
    "en": "Broken since {date} (3 runs in a row)",
}
ADVICE_SAMPLES = {  # scenario -> language -> the start of the advice a maintainer reads
    "http_404": {
        "nl": "Niet gevonden (404): de pagina is weg of verhuisd.",
        "fr": "Introuvable (404) : la page a disparu ou a été déplacée.",
        "en": "Not found (404): the page is gone or moved.",
    },
    "redirect_301": {
        "nl": "Permanente doorverwijzing: pas het register aan naar {final}",
        "fr": "Redirection permanente : mettez le registre à jour vers {final}",
        "en": "Permanent redirect: update the register to {final}",
    },
    "tls_self_signed": {
        "nl": "Het beveiligingscertificaat van de site is niet geldig",
        "fr": "Le certificat de sécurité du site n'est pas valide",
        "en": "The site's security certificate is not valid",
    },
    "http_503_always": {
        "nl": "Serverfout (503).",
        "fr": "Erreur du serveur (503).",
        "en": "Server error (503).",
    },
}


@dataclass
class SimReport:
    store: Store
    outcome: RunOutcome
    ids: dict[str, int]  # scenario name -> entry id
    expected: dict[str, str]  # scenario name -> status
    final_urls: dict[str, str | None]
    first_run_started: datetime
    html: dict[str, str]
    soup: dict[str, BeautifulSoup]


def _stored(entry: Entry, status: str, reason: str, final: str | None = None) -> CheckResult:
    return CheckResult(
        entry_id=entry.id,
        url=entry.url,
        requested_url=entry.url,
        status=Status(status),
        reason=reason,
        advice="(stored English advice)",
        final_url=final or entry.url,
        http_status=200,
        redirects=(Hop(entry.url, 301),) if status == "redirected" else (),
    )


@pytest.fixture(scope="module")
def sim_report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimReport]:
    tmp = tmp_path_factory.mktemp("report")
    with SimWeb(worlds=("scenarios",)).start_in_thread() as sim:
        scenarios = sim.scenarios
        entries = [
            Entry(
                i,
                SECTIONS[i * 3 // (len(scenarios) + 2)],
                f"Categorie {i % 4}",
                f"Scenario {s.name.replace('_', ' ')}",
                s.url,
            )
            for i, s in enumerate(scenarios, 1)
        ] + [Entry(len(scenarios) + 1, SECTIONS[-1], "Categorie 0", "Ongeldig adres", INVALID_URL)]
        ids = {s.name: i for i, s in enumerate(scenarios, 1)}
        expected = {s.name: s.expect_status for s in scenarios}
        by_id = {e.id: e for e in entries}
        config = sim_config(sim, tmp)
        store = Store.open(config.db_url)
        store.sync_register(entries, source="register.csv")

        # Two earlier runs: as expected, except what should show up as a change.
        then = datetime.now(UTC) - timedelta(days=14)
        earlier = {  # scenario -> (status, reason) in both earlier runs
            "http_404": ("ok", "ok"),  # newly broken
            "http_410": ("broken", "http_410"),  # broken three runs in a row
            "http_503_then_200": ("broken", "http_404"),  # working again
            "redirect_301": ("ok", "ok"),  # newly moved
            "http_401": ("ok", "ok"),  # newly blocked
        }
        for k in range(2):
            run_id = store.start_run("register.csv", now=then + timedelta(days=7 * k))
            results = []
            for s in scenarios:
                status, reason = earlier.get(s.name, (s.expect_status, s.expect_reason or "ok"))
                results.append(_stored(by_id[ids[s.name]], status, reason, s.expect_final_url))
            results.append(_stored(entries[-1], "invalid", "invalid_url"))
            store.add_results(run_id, results)
            store.finish_run(run_id, RunState.COMPLETE, now=then + timedelta(days=7 * k, minutes=3))

        outcome = run_check(
            config, store, store.active_entries(), register="register.csv", out_dir=None
        )
        report = load_run_report(store, outcome.run_id)
        html = {lang: render_run(report, lang) for lang in LANGS}
        yield SimReport(
            store=store,
            outcome=outcome,
            ids=ids,
            expected=expected,
            final_urls={s.name: s.expect_final_url for s in scenarios},
            first_run_started=then,
            html=html,
            soup={lang: BeautifulSoup(page, "html.parser") for lang, page in html.items()},
        )
        store.close()


def row(soup: BeautifulSoup, entry_id: int) -> Tag:
    found = soup.select_one(f"tr#e-{entry_id}")
    assert found is not None, f"no row for entry {entry_id}"
    return found


def text(node: Tag | None) -> str:
    assert node is not None
    return " ".join(node.get_text(" ").split())


# -- every verdict kind, in every language ---------------------------------------------------


def test_the_run_has_every_verdict_kind(sim_report: SimReport) -> None:
    assert sim_report.outcome.state == "complete"
    assert {s.value for s in Status} <= set(sim_report.outcome.counts), sim_report.outcome.counts


@pytest.mark.parametrize("lang", LANGS)
def test_counts_by_verdict_head_the_report(sim_report: SimReport, lang: str) -> None:
    soup = sim_report.soup[lang]
    for status, words in VERDICT_WORDS[lang].items():
        tile = soup.select_one(f'#counts li[data-status="{status}"]')
        assert text(tile) == f"{sim_report.outcome.counts[status]} {words}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_entry_shows_its_verdict_in_the_language(sim_report: SimReport, lang: str) -> None:
    soup = sim_report.soup[lang]
    for name, status in sim_report.expected.items():
        tr = row(soup, sim_report.ids[name])
        assert tr["data-status"] == status, name
        assert text(tr.select_one(".badge")) == VERDICT_WORDS[lang][status], name
    invalid = row(soup, len(sim_report.ids) + 1)
    assert text(invalid.select_one(".badge")) == VERDICT_WORDS[lang]["invalid"]


@pytest.mark.parametrize("lang", LANGS)
def test_every_reason_has_advice_in_the_language(sim_report: SimReport, lang: str) -> None:
    words = Words(lang)
    report = load_run_report(sim_report.store, sim_report.outcome.run_id)
    unknown = {
        r.result.reason
        for r in report.rows
        if words.advice_template(r.result, r.suggested_url) is None
    }
    assert not unknown, f"reasons shown with the English fallback: {unknown}"
    for name, by_lang in ADVICE_SAMPLES.items():
        advice = text(row(sim_report.soup[lang], sim_report.ids[name]).select_one(".advice"))
        expected = by_lang[lang].format(final=sim_report.final_urls[name])
        assert advice.startswith(expected), (name, advice)


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_speaks_the_language(sim_report: SimReport, lang: str) -> None:
    soup = sim_report.soup[lang]
    html = soup.find("html")
    assert isinstance(html, Tag) and html["lang"] == lang
    state = text(soup.select_one("#state"))
    assert state.startswith(STATE_WORDS["complete"][lang])
    run = sim_report.store.get_run(sim_report.outcome.run_id)
    assert run is not None
    started = " ".join(Words(lang).datetime(run.started_at).split())
    assert started in text(soup.select_one(".meta"))


# -- what changed, what to do ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("box", "scenario"),
    [
        ("newly-broken", "http_404"),
        ("recovered", "http_503_then_200"),
        ("new-redirects", "redirect_301"),
        ("new-blocked", "http_401"),
    ],
)
def test_changes_since_the_previous_run(sim_report: SimReport, box: str, scenario: str) -> None:
    section = sim_report.soup["nl"].select_one(f"#ch-{box}")
    assert section is not None
    linked = {a["href"] for a in section.select("a")}
    assert f"#e-{sim_report.ids[scenario]}" in linked
    # Nothing else changed: the earlier runs agree with the catalogue otherwise.
    assert section["data-count"] == "1"


@pytest.mark.parametrize("lang", LANGS)
def test_broken_since_counts_the_runs_in_a_row(sim_report: SimReport, lang: str) -> None:
    item = sim_report.soup[lang].select_one(
        f'#act-broken li[data-entry="{sim_report.ids["http_410"]}"]'
    )
    date = Words(lang).date(sim_report.first_run_started)
    assert BROKEN_SINCE[lang].format(date=date) in text(item)
    fresh = sim_report.soup[lang].select_one(
        f'#act-broken li[data-entry="{sim_report.ids["http_404"]}"] .since'
    )
    assert fresh is not None and "(1 " in text(fresh)


def test_needs_action_lists_every_problem_most_urgent_first(sim_report: SimReport) -> None:
    soup = sim_report.soup["en"]
    order = [s["id"] for s in soup.select('section[id^="act-"]')]
    assert order == ["act-broken", "act-invalid", "act-redirected", "act-blocked", "act-transient"]
    listed = {int(li["data-entry"]) for li in soup.select("ol.actions li")}
    needing = {sim_report.ids[n] for n, s in sim_report.expected.items() if s != "ok"}
    assert listed == needing | {len(sim_report.ids) + 1}


def test_a_move_offers_the_new_address_to_copy(sim_report: SimReport) -> None:
    soup = sim_report.soup["nl"]
    for name, status in sim_report.expected.items():
        item = soup.select_one(f'ol.actions li[data-entry="{sim_report.ids[name]}"]')
        button = item.select_one("button.copy") if item else None
        if status == "redirected" and sim_report.final_urls[name]:
            assert button is not None and button["data-copy"] == sim_report.final_urls[name]
            assert button.has_attr("hidden"), "shown by the script only: it needs JavaScript"
        else:
            assert button is None, name


def test_the_redirect_chain_is_there_on_demand(sim_report: SimReport) -> None:
    tr = row(sim_report.soup["en"], sim_report.ids["redirect_chain_3"])
    hops = [text(li) for li in tr.select("details ol.chain li")]
    assert hops == [
        "301 https://www.simweb.test/chain3/1",
        "301 https://www.simweb.test/chain3/2",
        "301 https://www.simweb.test/chain3/3",
        f"200 {sim_report.final_urls['redirect_chain_3']}",
    ]


# -- safety ----------------------------------------------------------------------------------


def test_a_markup_title_from_the_web_is_shown_as_text(sim_report: SimReport) -> None:
    html = sim_report.html["en"]
    tr = row(sim_report.soup["en"], sim_report.ids["title_markup"])
    # Shown as the text it is, and flagged: it shares no word with the register's title.
    assert text(tr.select_one(".pt")) == f"Page title: {MARKUP_TITLE} differs from the register"
    assert "<script>alert(1)" not in html and "<b>world</b>" not in html
    assert len(sim_report.soup["en"].find_all("script")) == 1  # ours, at the end


def test_the_page_is_self_contained_and_locked_down(sim_report: SimReport) -> None:
    soup = sim_report.soup["fr"]
    assert not soup.select("script[src], link[rel=stylesheet], img[src], iframe, object, embed")
    assert [link["href"] for link in soup.select("link")] == ["data:,"]
    style = soup.find("style")
    script = soup.find("script")
    assert isinstance(style, Tag) and isinstance(script, Tag)
    assert "@import" not in style.string and "url(" not in style.string  # type: ignore[operator]
    assert "@media print" in style.string  # type: ignore[operator]
    csp = soup.select_one('meta[http-equiv="Content-Security-Policy"]')
    assert csp is not None
    policy = str(csp["content"])
    assert "default-src 'none'" in policy
    for body in (style.string, script.string):
        digest = base64.b64encode(hashlib.sha256(str(body).encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert not re.search(r"\son[a-z]+=", sim_report.html["fr"]), "no inline event handlers"


def test_only_web_addresses_are_links(sim_report: SimReport) -> None:
    for a in sim_report.soup["en"].select("a[href]"):
        href = str(a["href"])
        assert href.startswith(("https://", "http://", "#")), href


# -- inconclusive and aborted runs -----------------------------------------------------------


def test_an_inconclusive_run_says_the_network_was_down(tmp_path: Path) -> None:
    with SimWeb(worlds=("scenarios",)).start_in_thread() as sim:
        config = sim_config(sim, tmp_path)
        # None of these names resolve: what a machine without internet sees.
        entries = [
            Entry(i, "Handelen", "Hulpbronnen", f"Site {i}", f"https://site{i}.example.org/page")
            for i in range(1, 7)
        ]
        with Store.open(config.db_url) as store:
            store.sync_register(entries, source="register.csv")
            outcome = run_check(
                config, store, store.active_entries(), register="register.csv", out_dir=None
            )
            assert outcome.state == "inconclusive"
            report = load_run_report(store, outcome.run_id)
    for lang in LANGS:
        soup = BeautifulSoup(render_run(report, lang), "html.parser")
        state = soup.select_one("#state")
        assert state is not None and "state-inconclusive" in state["class"]
        assert STATE_WORDS["inconclusive"][lang] in text(state)
        assert soup.select_one('#counts li[data-status="broken"] .n').get_text() == "0"  # type: ignore[union-attr]
        assert not soup.select("#act-broken")


def test_an_aborted_run_says_how_far_it_got(tmp_path: Path) -> None:
    entries = [
        Entry(i, "Informeren", "Brochures", f"Brochure {i}", f"https://www.sensoa.be/{i}")
        for i in range(1, 5)
    ]
    with Store.open(f"sqlite:///{tmp_path / 'lw.db'}") as store:
        store.sync_register(entries, source="register.csv")
        run_id = store.start_run("register.csv")
        store.add_results(run_id, [_stored(e, "ok", "ok") for e in entries[:2]])
        store.abort_run(run_id, "aborted: stopped by a signal before the run finished")
        report = load_run_report(store, run_id)
    soup = BeautifulSoup(render_run(report, "nl"), "html.parser")
    state = text(soup.select_one("#state"))
    assert state.startswith("Afgebroken: de controle stopte voor het einde. 2 items werden")
    assert "stopped by a signal" in state
    assert len(soup.select("tr.entry")) == 2
