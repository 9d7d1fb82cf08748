"""HTML rendering: Jinja2 with autoescaping and the i18n extension, one file per page.

Every page is self-contained (CSS, JS and SVG inline; no external asset) so it works from
disk and as an e-mail attachment. A Content-Security-Policy allows only this file's own
stylesheet and script (by hash): even if something from the web slipped past escaping, the
browser would not run it.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from crawler.model import Status
from crawler.store.api import RunInfo
from reports.data import URGENCY, EntryReport, RunReport, suggested_url
from reports.i18n import CHANGE_NAMES, Words, check_lang, is_web_url, translations

TEMPLATES = resources.files("reports") / "templates"
STATUSES: tuple[str, ...] = tuple(s.value for s in URGENCY)  # most urgent first
VERDICT_ORDER: tuple[str, ...] = tuple(s.value for s in Status)  # as the README lists them
# Strip cells: width, gap and height in px.
CELL_W, CELL_GAP, CELL_H = 6, 1, 14
CHANGES_SHOWN = 25  # entries listed per kind of change; the rest are counted


@dataclass(frozen=True, slots=True)
class Links:
    """Where a page's links lead: files in the archive, or the routes of ``linkwacht serve``.

    ``None`` leaves the link out (a report sent as an attachment has no archive beside it).
    """

    index: str | None = None  # the list of runs
    run: str | None = "run-{id:04d}.html"  # a run's report, by id
    entry: str | None = None  # an entry's history page, by id

    def run_href(self, run_id: int) -> str | None:
        return None if self.run is None else self.run.format(id=run_id)

    def entry_href(self, entry_id: int) -> str | None:
        return None if self.entry is None else self.entry.format(id=entry_id)


ARCHIVE_LINKS = Links(index="index.html")
SERVE_LINKS = Links(index="/", run="/runs/{id}", entry="/entries/{id}")


def _asset(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


@cache
def _assets() -> tuple[str, str, str]:
    """The stylesheet, the script and the CSP that admits exactly those two."""
    css, js = _asset("report.css"), _asset("report.js")
    csp = (
        "default-src 'none'; "
        f"style-src '{_sha256(css)}'; script-src '{_sha256(js)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return css, js, csp


def content_security_policy() -> str:
    return _assets()[2]


@cache
def environment(lang: str) -> Environment:
    """One environment per language: gettext is installed per environment, and a server
    renders several languages side by side."""
    lang = check_lang(lang)
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    words = Words(lang)
    css, js, csp = _assets()
    env.globals.update(
        w=words,
        lang=lang,
        css=Markup(css),
        js=Markup(js),
        csp=csp,
        verdict_order=VERDICT_ORDER,
        is_web_url=is_web_url,
        suggested_url=suggested_url,
        change_name=lambda field: (
            words.gettext(CHANGE_NAMES[field]) if field in CHANGE_NAMES else field
        ),
        strip_svg=lambda row, runs: _cached_strip(row.strip, runs, lang),
        advice_html=lambda row: words.advice_html(row.result, row.suggested_url),
    )
    return env


def _common(links: Links) -> dict[str, Any]:
    return {"links": links, "generated_at": datetime.now(UTC)}


def render_run(report: RunReport, lang: str, links: Links = Links()) -> str:
    """The report of one run as one self-contained HTML page."""
    template = environment(lang).get_template("run.html")
    return template.render(
        report=report,
        run=report.run,
        changes_shown=CHANGES_SHOWN,
        strip_len=len(report.strip_runs),
        strip_range=_strip_range(report.strip_runs, _words(lang)),
        **_common(links),
    )


def render_index(
    runs: Sequence[RunInfo],
    lang: str,
    links: Links = ARCHIVE_LINKS,
    available: Collection[int] | None = None,
) -> str:
    """The archive's front page: every run, newest first, and the trend of counts.

    ``available``: the runs whose report can be linked (None: all of them)."""
    words = _words(lang)
    newest_first = sorted(runs, key=lambda r: (r.started_at, r.id), reverse=True)
    template = environment(lang).get_template("index.html")
    return template.render(
        runs=newest_first,
        chart=trend_svg(list(reversed(newest_first)), words),
        linked=lambda run_id: available is None or run_id in available,
        **_common(links),
    )


def render_entry(report: EntryReport, lang: str, links: Links = SERVE_LINKS) -> str:
    """One entry's history across runs (served by ``linkwacht serve``)."""
    template = environment(lang).get_template("entry.html")
    return template.render(
        entry=report.entry, history=report.history, changes=report.changes, **_common(links)
    )


# -- inline SVG ------------------------------------------------------------------------------


def _strip_range(runs: Sequence[RunInfo], words: Words) -> str:
    if not runs:
        return ""
    first, last = runs[0].started_at, runs[-1].started_at
    if len(runs) == 1:
        return words.short_date(last)
    return f"{words.short_date(first)} – {words.short_date(last)}"


@lru_cache(maxsize=4096)
def _cached_strip(strip: tuple[str, ...], runs: int, lang: str) -> Markup:
    # Most entries share a handful of histories ("ok" thirty times): draw each once.
    return strip_svg(strip, runs, _words(lang))


@cache
def _words(lang: str) -> Words:
    return Words(lang)


def strip_svg(strip: Sequence[str], runs: int, words: Words) -> Markup:
    """The last runs' statuses as coloured cells, oldest left; one path per status keeps a
    10 000-row page light. The summary is the accessible text (and the tooltip)."""
    paths: dict[str, list[str]] = {}
    offset = runs - len(strip)  # fewer runs than the strip holds: right-aligned
    for i, status in enumerate(strip):
        x = (offset + i) * (CELL_W + CELL_GAP)
        paths.setdefault(status or "none", []).append(f"M{x} 0h{CELL_W}v{CELL_H}h-{CELL_W}z")
    width = max(runs, 1) * (CELL_W + CELL_GAP) - CELL_GAP
    counts = Counter(s for s in strip if s)
    parts = [
        words.gettext("%(count)s × %(verdict)s")
        % {"count": counts[s], "verdict": _strip_name(s, words)}
        for s in (*VERDICT_ORDER, "nj")
        if counts[s]
    ]
    summary = words.ngettext("Last %(num)d run", "Last %(num)d runs", len(strip)) % {
        "num": len(strip)
    }
    label = f"{summary}: {', '.join(parts)}" if parts else summary
    body = "".join(
        f'<path class="st-{status}" d="{"".join(d)}"/>' for status, d in sorted(paths.items())
    )
    return Markup(
        '<svg class="strip" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        'aria-label="{label}" data-runs="{n}"><title>{label}</title>{body}</svg>'
    ).format(w=width, h=CELL_H, label=label, n=len(strip), body=Markup(body))


def _strip_name(status: str, words: Words) -> str:
    return words.gettext("not judged") if status == "nj" else words.verdict(status)


CHART_W, CHART_H, CHART_PAD_L, CHART_PAD_B, CHART_PAD_T = 760, 240, 44, 28, 10


def trend_svg(runs: Sequence[RunInfo], words: Words, last: int = 60) -> Markup:
    """Stacked bars of counts by verdict for the last ``last`` runs, oldest left."""
    runs = [r for r in runs if r.counts][-last:]
    if not runs:
        return Markup("")
    totals = [sum(r.counts.get(s, 0) for s in STATUSES) for r in runs]
    top = max(max(totals), 1)
    plot_w, plot_h = CHART_W - CHART_PAD_L - 4, CHART_H - CHART_PAD_B - CHART_PAD_T
    step = plot_w / len(runs)
    bar = max(step * 0.8, 1.0)
    out: list[str] = []
    for value in _ticks(top):
        y = CHART_PAD_T + plot_h - value / top * plot_h
        out.append(
            f'<line class="grid" x1="{CHART_PAD_L}" x2="{CHART_W - 4}" y1="{y:.1f}" '
            f'y2="{y:.1f}"/><text class="tick" x="{CHART_PAD_L - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{escape(words.number(value))}</text>'
        )
    for i, run in enumerate(runs):
        x = CHART_PAD_L + i * step + (step - bar) / 2
        y = CHART_PAD_T + plot_h
        tip = [f"{words.gettext('Run')} {run.id}, {words.datetime(run.started_at)}"]
        rects: list[str] = []
        # Problems at the bottom, where a change is easiest to see.
        for status in STATUSES:
            n = run.counts.get(status, 0)
            if not n:
                continue
            h = n / top * plot_h
            y -= h
            rects.append(
                f'<rect class="st-{status}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}"/>'
            )
            tip.append(f"{words.verdict(status)}: {words.number(n)}")
        out.append(f"<g><title>{escape(' · '.join(tip))}</title>{''.join(rects)}</g>")
    for i in sorted({0, len(runs) // 2, len(runs) - 1}):
        x = CHART_PAD_L + i * step + step / 2
        out.append(
            f'<text class="tick" x="{x:.1f}" y="{CHART_H - 8}" text-anchor="middle">'
            f"{escape(words.short_date(runs[i].started_at))}</text>"
        )
    label = words.gettext("Number of entries per verdict, run by run")
    return Markup(
        '<svg class="trend" viewBox="0 0 {w} {h}" role="img" aria-label="{label}">'
        "<title>{label}</title>{body}</svg>"
    ).format(w=CHART_W, h=CHART_H, label=label, body=Markup("".join(out)))


def _ticks(top: int) -> list[int]:
    """Round gridline values from 0 to about ``top``."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000):
        if top / step <= 5:
            return list(range(0, top + 1, step))
    step = 10 ** (len(str(top)) - 1)
    return list(range(0, top + 1, step))


__all__ = [
    "ARCHIVE_LINKS",
    "SERVE_LINKS",
    "Links",
    "content_security_policy",
    "render_entry",
    "render_index",
    "render_run",
]
