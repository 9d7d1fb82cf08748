"""The report's building blocks: catalogues, words per language, title checks, safe links."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from markupsafe import Markup

from crawler.model import CheckResult, Hop, Status
from reports import i18n
from reports.data import suggested_url, titles_differ
from reports.i18n import LANGS, UnknownLanguage, Words, is_web_url
from reports.render import strip_svg, trend_svg

REPORTS = Path(i18n.__file__).resolve().parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalog(lang: str):  # type: ignore[no-untyped-def]
    with (REPORTS / "locale" / lang / "LC_MESSAGES" / "linkwacht.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def source_messages() -> set[str | tuple[str, ...]]:
    """Every message in the code and templates, as pybabel extract finds it."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(REPORTS), method_map):
        found.add(message)
    return found


# -- catalogues ------------------------------------------------------------------------------


def _ids(cat) -> set[str | tuple[str, ...]]:  # type: ignore[no-untyped-def]
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in cat if m.id}


def test_the_template_lists_every_message() -> None:
    with (REPORTS / "messages.pot").open("rb") as fh:
        pot = read_po(fh)
    assert _ids(pot) == source_messages(), "run the pybabel commands in reports/i18n.py"


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_in_the_catalogue(lang: str) -> None:
    missing = source_messages() - _ids(catalog(lang))
    assert not missing, f"{lang}: not in the .po file: {missing}"


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_every_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    for message in catalog(lang):
        if not message.id:
            continue
        assert not message.fuzzy, f"{lang}: fuzzy: {message.id!r}"
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(strings), f"{lang}: untranslated: {message.id!r}"
        wanted = {name for s in ids for name in PLACEHOLDER.findall(s)}
        for s in strings:
            # A plural form may leave out the count ("1 run"), never another value.
            assert set(PLACEHOLDER.findall(s)) | {"num"} >= wanted, (lang, message.id, s)
            assert set(PLACEHOLDER.findall(s)) <= wanted, (lang, message.id, s)


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(UnknownLanguage, match="use one of nl, fr, en"):
        Words("de")


# -- words per language ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "date", "when"),
    [
        ("nl", "3 mrt 2025", "3 mrt 2025, 13:02"),
        ("fr", "3 mars 2025", "3 mars 2025, 13:02"),
        ("en", "Mar 3, 2025", "Mar 3, 2025, 1:02\u202fPM"),
    ],
)
def test_dates_are_written_the_local_way(lang: str, date: str, when: str) -> None:
    words = Words(lang, tz=UTC)
    moment = datetime(2025, 3, 3, 13, 2, tzinfo=UTC)
    assert words.date(moment) == date
    assert words.datetime(moment) == when


def test_times_follow_the_local_zone_with_its_summer_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "Europe/Brussels")  # a server in Brussels, whatever the season
    words = Words("nl")
    assert words.datetime(datetime(2025, 1, 6, 6, 0, tzinfo=UTC)) == "6 jan 2025, 07:00"
    assert words.datetime(datetime(2025, 7, 6, 6, 0, tzinfo=UTC)) == "6 jul 2025, 08:00"


def result(status: Status, reason: str, **kw: object) -> CheckResult:
    base: dict[str, object] = dict(
        entry_id=1,
        url="http://a.be/x",
        requested_url="http://a.be/x",
        status=status,
        reason=reason,
        advice="stored English advice",
    )
    base.update(kw)
    return CheckResult(**base)  # type: ignore[arg-type]


MOVED = result(
    Status.REDIRECTED,
    "permanent_redirect",
    final_url="https://a.be/new",
    redirects=(Hop("http://a.be/x", 301),),
    http_status=200,
)


@pytest.mark.parametrize(
    ("lang", "res", "advice"),
    [
        ("nl", MOVED, "Permanente doorverwijzing: pas het register aan naar https://a.be/new"),
        (
            "fr",
            MOVED,
            "Redirection permanente\u00a0: mettez le registre à jour vers https://a.be/new",
        ),
        (
            "en",
            result(Status.TRANSIENT, "http_502", http_status=502),
            "Server error (502). Usually temporary; linkwacht checks again next run.",
        ),
        (
            "nl",
            result(Status.BROKEN, "http_451", http_status=451),
            "De server weigert dit adres (451). Kijk de URL na en vervang hem.",
        ),
        (
            "fr",
            result(Status.BLOCKED, "forbidden", http_status=999),
            "Le site refuse les robots (999). Pas forcément mort\u00a0: une personne doit "
            "vérifier.",
        ),
        (
            "nl",
            result(Status.TRANSIENT, "network_down"),
            "Niet beoordeeld: het netwerk van deze computer lag plat tijdens de controle. "
            "Wordt bij de volgende controle opnieuw nagekeken.",
        ),
        ("fr", result(Status.BROKEN, "something_new"), "stored English advice"),  # fallback
    ],
)
def test_advice_is_chosen_by_reason(lang: str, res: CheckResult, advice: str) -> None:
    assert Words(lang).advice(res, suggested_url(res)) == advice


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("reason", sorted(i18n.ADVICE))
def test_every_advice_fills_its_placeholders(lang: str, reason: str) -> None:
    res = result(
        Status.REDIRECTED if "redirect" in reason or reason == "meta_refresh" else Status.BROKEN,
        reason,
        final_url="https://a.be/new",
        http_status=403,
    )
    text = Words(lang).advice(res, suggested_url(res))
    assert "%(" not in text and text != res.advice


def test_the_advice_html_escapes_the_address() -> None:
    hostile = result(
        Status.REDIRECTED, "permanent_redirect", final_url='https://a.be/"><script>x()</script>'
    )
    html = Words("en").advice_html(hostile, suggested_url(hostile))
    assert isinstance(html, Markup)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_redirect_to_a_non_web_address_is_never_suggested() -> None:
    res = result(
        Status.REDIRECTED,
        "permanent_redirect",
        final_url="javascript:alert(1)",
        redirects=(Hop("http://a.be/x", 301),),
    )
    assert suggested_url(res) is None
    advice = Words("nl").advice(res, None)
    assert advice.startswith("Het adres verwijst door naar javascript:alert(1), dat geen webadres")


@pytest.mark.parametrize(
    ("url", "clickable"),
    [
        ("https://www.sensoa.be/", True),
        ("http://garance.be/spip.php?article1382", True),
        ("HTTPS://EXAMPLE.BE/", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox(1)", False),
        ("//evil.example/", False),
        ("", False),
        (None, False),
    ],
)
def test_only_http_addresses_become_links(url: str | None, clickable: bool) -> None:
    assert is_web_url(url) is clickable


# -- titles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("register", "page", "differs"),
    [
        # the real register: bibliographic titles against the sites' own
        (
            "BENDIB, Revenge porn, Namen, Femmes de droit, gepubliceerd in januari 2021",
            "Revenge porn – Femmes de Droit",
            False,
        ),
        ("GOZIAN, Le harcèlement virtuel, Brussel, Yapaka, 2018", "Le harcèlement virtuel", False),
        ("Cyberharcèlement", "CYBERHARCELEMENTS – Sofélia", False),  # case, accents, plural
        ("Stop cyberhate", "Stop cyberhate | Police", False),
        ("Strip Le harcèlement sexiste virtuel, c’est RÉEL! door Sofélia", "Six planches BD", True),
        ("Handleiding sexting", "Domain for sale", True),
        ("Handleiding sexting", None, False),  # nothing to compare
        ("Handleiding sexting", "www", False),  # no meaningful word
    ],
)
def test_a_clear_title_mismatch_is_flagged(register: str, page: str | None, differs: bool) -> None:
    assert titles_differ(register, page) is differs


# -- inline SVG ------------------------------------------------------------------------------


def test_the_strip_is_one_path_per_status_with_a_summary() -> None:
    svg = strip_svg(["ok", "ok", "broken", "", "nj", "broken"], 30, Words("en"))
    assert svg.count("<path") == 4
    assert 'data-runs="6"' in svg
    assert "Last 6 runs: 2 × Works, 2 × Broken, 1 × not judged" in svg


def test_the_trend_has_a_bar_per_finished_run() -> None:
    from crawler.store.api import RunInfo, RunState

    def run(i: int, counts: dict[str, int]) -> RunInfo:
        return RunInfo(
            i,
            "r.csv",
            RunState.COMPLETE,
            datetime(2025, 1, i, tzinfo=UTC),
            None,
            None,
            sum(counts.values()),
            counts,
            None,
            None,
            None,
        )

    runs = [run(1, {"ok": 90, "broken": 4}), run(2, {}), run(3, {"ok": 88, "broken": 6})]
    svg = trend_svg(runs, Words("fr"))
    assert svg.count("<g>") == 2  # the run without counts (still running) has no bar
    assert "Vérification 3" in svg and "Cassé\u00a0: 6" not in svg and "Cassé: 6" in svg
