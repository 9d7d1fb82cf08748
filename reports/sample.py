"""A synthetic register with runs, for benchmarks, browser tests and previews.

``populate`` fills a store with a register shaped like the real one (three sections, their
categories) and a series of finished runs in which every verdict occurs, broken links stay
broken for several runs, and (``hostile=True``) the data carries what a hostile web page
could put in a title, a URL or an error text. Deterministic for a given seed.

    python -m reports.sample sqlite:///tmp/demo.db --entries 94 --runs 12
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crawler.model import CheckResult, Entry, Hop, Status
from crawler.store.api import RunState, Store
from reports.i18n import ADVICE

SECTIONS: dict[str, tuple[str, ...]] = {
    "Informeren": ("Artikels en monografieën", "Onderzoeken", "Brochures", "Andere"),
    "Sensibiliseren en responsabiliseren": (
        "Hulpbronnen en tools",
        "Opleiding en seminars",
        "Preventie- en sensibiliseringscampagnes",
    ),
    "Handelen": ("Hulpbronnen", "Overheidsinstanties", "Verenigingen en groeperingen"),
}
HOSTS = (
    "www.sensoa.be",
    "childfocus.be",
    "www.yapaka.be",
    "www.sofelia.be",
    "veiligonline.be",
    "media-animation.be",
    "www.puntvzw.be",
    "igvm-iefh.belgium.be",
    "www.mediawijs.be",
    "www.youtube.com",
    "www.café.simweb.test",
)
TOPICS = (
    "Cyberpesten",
    "Sexting",
    "Cyberharcèlement",
    "Wraakporno",
    "Grooming",
    "Sextorsion",
    "Online haat",
    "Harcèlement sexiste en ligne",
    "Veilig online",
    "Digitale weerbaarheid",
)

# What a hostile page could make linkwacht store. Each sets window.__pwned if it ever runs.
PWN = "window.__pwned=1"
HOSTILE_SCRIPT_TITLE = f"<script>{PWN};document.title='pwned'</script>Gratis hulp"
HOSTILE_IMG_TITLE = f'<img src=x onerror="{PWN}">Brochure sexting'
HOSTILE_JS_URL = f"javascript:{PWN}"
HOSTILE_ATTR = f'" onmouseover="{PWN}" data-x="'
HOSTILE_ERROR = f"</script><script>{PWN}</script><b>reset</b>"
HOSTILE_SECTION = f'Handelen"><svg onload="{PWN}">'
HOSTILE_CATEGORY = f"Tools'); {PWN}; ('"
MARKUP_TITLE = "Hello <b>world</b><script>alert(1)</script>"  # as crawler/simweb serves it

# verdict -> (weight, reasons)
MIX: dict[Status, tuple[float, tuple[str, ...]]] = {
    Status.OK: (0.78, ("ok", "ok", "ok", "temporary_redirect")),
    Status.REDIRECTED: (0.07, ("permanent_redirect", "permanent_redirect", "meta_refresh")),
    Status.BROKEN: (0.06, ("http_404", "http_410", "dns_unresolved", "connection_refused")),
    Status.TRANSIENT: (0.03, ("timeout", "http_503", "connection_reset")),
    Status.BLOCKED: (0.05, ("forbidden", "robots_disallowed", "challenge_page", "tls_certificate")),
    Status.INVALID: (0.01, ("invalid_url",)),
}
HTTP_CODES = {
    "http_404": 404,
    "http_410": 410,
    "http_503": 503,
    "forbidden": 403,
    "challenge_page": 403,
    "ok": 200,
    "temporary_redirect": 200,
    "permanent_redirect": 200,
    "meta_refresh": 200,
}


@dataclass(frozen=True, slots=True)
class Fate:
    """How one entry behaves over the runs: ``status`` from run ``since`` on, ok before."""

    status: Status
    reason: str
    since: int
    minor: bool = False


def populate(
    store: Store,
    *,
    entries: int = 94,
    runs: int = 6,
    seed: int = 7,
    hostile: bool = False,
    start: datetime = datetime(2025, 1, 6, 6, 0, tzinfo=UTC),
    every: timedelta = timedelta(days=7),
    last_state: RunState = RunState.COMPLETE,
) -> list[int]:
    """Fill ``store`` with a register of ``entries`` and ``runs`` finished runs (the last one
    ending as ``last_state``); returns the run ids, oldest first."""
    rng = random.Random(seed)
    register = make_register(entries, rng, hostile=hostile)
    store.sync_register(register, source="sample.csv", now=start - timedelta(days=1))
    fates = {e.id: _fate(rng, runs) for e in register}
    if hostile:
        fates.update(_hostile_fates(register, runs))
    run_ids: list[int] = []
    for k in range(runs):
        began = start + k * every
        run_id = store.start_run("sample.csv", now=began)
        results = [_result(e, fates[e.id], k, rng, hostile=hostile) for e in register]
        store.add_results(run_id, results)
        state = last_state if k == runs - 1 else RunState.COMPLETE
        message = None
        if state == RunState.INCONCLUSIVE:
            message = "the network was unreachable: 6 of 6 hosts failed at network level"
        store.finish_run(run_id, state, message, now=began + timedelta(minutes=4))
        run_ids.append(run_id)
    return run_ids


def make_register(count: int, rng: random.Random, *, hostile: bool = False) -> list[Entry]:
    slots = [(s, c) for s, cats in SECTIONS.items() for c in cats]
    out: list[Entry] = []
    for i in range(1, count + 1):
        section, category = slots[min((i - 1) * len(slots) // count, len(slots) - 1)]
        host = rng.choice(HOSTS)
        topic = rng.choice(TOPICS)
        title = f"{topic}: {rng.choice(('brochure', 'gids', 'dossier', 'campagne', 'vorming'))} {i}"
        out.append(Entry(i, section, category, title, f"https://{host}/{_slug(topic)}/{i}"))
    if hostile and count >= 8:
        out[0] = Entry(1, out[0].section, out[0].category, HOSTILE_SCRIPT_TITLE, out[0].url)
        out[4] = Entry(
            5,
            out[4].section,
            out[4].category,
            f"Register {HOSTILE_ATTR}",
            f"https://www.sensoa.be/{HOSTILE_ATTR}",
        )
        last = count
        out[last - 1] = Entry(
            last, HOSTILE_SECTION, HOSTILE_CATEGORY, "Hostile section", out[-1].url
        )
    return out


def _slug(text: str) -> str:
    return "-".join(text.lower().replace(":", "").split())


def _fate(rng: random.Random, runs: int) -> Fate:
    statuses = list(MIX)
    status = rng.choices(statuses, weights=[MIX[s][0] for s in statuses])[0]
    reason = rng.choice(MIX[status][1])
    since = rng.randrange(runs) if status in (Status.BROKEN, Status.REDIRECTED) else 0
    return Fate(status, reason, since, minor=status == Status.REDIRECTED and rng.random() < 0.3)


def _hostile_fates(register: list[Entry], runs: int) -> dict[int, Fate]:
    last = runs - 1
    return {
        1: Fate(Status.BROKEN, "http_404", max(0, last - 2)),
        2: Fate(Status.OK, "ok", 0),  # page title: <img onerror>
        3: Fate(Status.REDIRECTED, "permanent_redirect", last),  # to javascript:
        4: Fate(Status.TRANSIENT, "connection_reset", last),  # error text with </script>
        5: Fate(Status.BLOCKED, "forbidden", last),
        6: Fate(Status.OK, "ok", 0),  # the simulated web's markup title
        7: Fate(Status.INVALID, "invalid_url", 0),
        8: Fate(Status.REDIRECTED, "permanent_redirect", last),  # an ordinary move
    }


def _result(entry: Entry, fate: Fate, k: int, rng: random.Random, *, hostile: bool) -> CheckResult:
    status, reason = (fate.status, fate.reason) if k >= fate.since else (Status.OK, "ok")
    if status == Status.OK and k > 0 and rng.random() < 0.02:
        status, reason = Status.TRANSIENT, "timeout"  # an occasional hiccup
    final: str | None = entry.url
    hops: tuple[Hop, ...] = ()
    if status == Status.REDIRECTED:
        final = entry.url.rstrip("/") + "/" if fate.minor else entry.url + "-nieuw"
        hops = (Hop(entry.url, "meta_refresh" if reason == "meta_refresh" else 301),)
    elif reason == "temporary_redirect":
        hops = (Hop(entry.url, 302),)
        final = entry.url + "?tmp=1"
    title: str | None = entry.title.split(":")[0] + " | " + (_host(entry.url) or "site")
    error = None
    if status in (Status.BROKEN, Status.TRANSIENT, Status.INVALID) and reason not in HTTP_CODES:
        title, final, error = None, None, f"{reason.replace('_', ' ')} (simulated)"
    if hostile:
        if entry.id == 2:
            title = HOSTILE_IMG_TITLE
        elif entry.id == 3 and status == Status.REDIRECTED:
            final = HOSTILE_JS_URL
        elif entry.id == 4 and status == Status.TRANSIENT:
            error = HOSTILE_ERROR
        elif entry.id == 6:
            title = MARKUP_TITLE
    advice = ADVICE.get(reason, "See the details.") % {
        "url": final or "",
        "code": HTTP_CODES.get(reason, ""),
    }
    return CheckResult(
        entry_id=entry.id,
        url=entry.url,
        requested_url=entry.url,
        status=status,
        reason=reason,
        advice=advice,
        final_url=final,
        http_status=HTTP_CODES.get(reason),
        redirects=hops,
        minor=fate.minor and status == Status.REDIRECTED,
        title=title,
        title_source="title" if title else None,
        language=rng.choice(("nl", "fr", "en")) if title else None,
        language_source="html_lang" if title else None,
        content_type="application/pdf" if entry.id % 5 == 0 else "text/html",
        size=12_000,
        elapsed_ms=rng.randint(40, 900),
        error=error,
        notes=(f"note: {HOSTILE_ATTR}",) if hostile and entry.id == 5 else (),
    )


def _host(url: str) -> str:
    return url.split("/")[2] if url.count("/") >= 2 else ""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="SQLAlchemy URL of a new database")
    parser.add_argument("--entries", type=int, default=94)
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--hostile", action="store_true")
    args = parser.parse_args(argv)
    with Store.open(args.db) as store:
        ids = populate(store, entries=args.entries, runs=args.runs, hostile=args.hostile)
    print(f"runs {ids[0]}..{ids[-1]} written to {args.db}")


if __name__ == "__main__":
    main()
