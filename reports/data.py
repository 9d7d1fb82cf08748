"""What a report shows, gathered from the store in a few queries.

A run's results come through the store's public API. The status strips (the last 30 runs of
every entry) and the "broken since" streaks need a few columns of many result rows; building
a full ``CheckResult`` for each of them would cost seconds on a large register, so those two
read the ``results`` table directly, read-only, with one light query each.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.model import CheckResult, Hop, Status
from crawler.store.api import ArchiveAnswer, EntryInfo, HistoryItem, RunInfo, RunState, Store
from crawler.store.models import ResultRow, RunRow
from crawler.verdict import permanent_target
from reports.i18n import is_web_url

STRIP_RUNS = 30
# Most urgent first: the order of the "needs action" list and of "sort by verdict".
URGENCY: tuple[Status, ...] = (
    Status.BROKEN,
    Status.INVALID,
    Status.REDIRECTED,
    Status.BLOCKED,
    Status.TRANSIENT,
    Status.OK,
)
NEEDS_ACTION: tuple[Status, ...] = URGENCY[:-1]
NOT_JUDGED = "network_down"  # a result of an outage: says nothing about the link
PROBLEMS = frozenset({Status.BROKEN, Status.INVALID, Status.TRANSIENT, Status.BLOCKED})
_CHUNK = 500  # ids per IN (...) clause


class ReportError(LookupError):
    """The run (or entry) asked for does not exist."""


@dataclass(frozen=True, slots=True)
class Row:
    """One entry in one run, with what the report derives from its history."""

    entry_id: int
    section: str
    category: str
    register_title: str
    position: int
    result: CheckResult
    host: str
    suggested_url: str | None  # the permanent redirect's target, for "redirected"
    title_mismatch: bool
    strip: tuple[str, ...]  # status per strip run, oldest first; "" = no result, "nj" = not judged
    broken_since: datetime | None = None
    broken_runs: int = 0
    archived_url: str | None = None  # the web archive's closest working copy (broken only)

    @property
    def status(self) -> Status:
        return self.result.status

    @property
    def urgency(self) -> int:
        return URGENCY.index(self.result.status)


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    rows: list[Row]


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    categories: list[Category]


@dataclass(frozen=True, slots=True)
class Changes:
    """What differs from the baseline: the previous complete run."""

    baseline: RunInfo | None
    newly_broken: list[Row] = field(default_factory=list)
    recovered: list[Row] = field(default_factory=list)
    new_redirects: list[Row] = field(default_factory=list)
    new_blocked: list[Row] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.newly_broken or self.recovered or self.new_redirects or self.new_blocked)


@dataclass(frozen=True, slots=True)
class RunReport:
    run: RunInfo
    rows: list[Row]  # register order
    sections: list[Section]
    counts: dict[str, int]  # every verdict
    changes: Changes
    strip_runs: list[RunInfo]  # oldest first, ending with this run
    needs_action: dict[str, list[Row]]  # verdict -> rows, in URGENCY order

    @property
    def hosts(self) -> list[str]:
        return sorted({row.host for row in self.rows if row.host})


@dataclass(frozen=True, slots=True)
class EntryReport:
    entry: EntryInfo
    history: list[HistoryItem]  # newest first
    changes: list[tuple[datetime, str, str | None, str | None]]  # when, field, old, new


def load_run_report(store: Store, run_id: int, *, strip_runs: int = STRIP_RUNS) -> RunReport:
    """Everything the report of ``run_id`` shows."""
    run = store.get_run(run_id)
    if run is None:
        raise ReportError(f"run {run_id} does not exist")
    runs = runs_oldest_first(store)
    upto = [r for r in runs if _order(r) <= _order(run)]
    strip = upto[-strip_runs:]
    baseline = next(
        (r for r in reversed(upto) if r.id != run.id and r.state == RunState.COMPLETE), None
    )
    results = store.results_for_run(run_id)
    entries = {e.id: e for e in store.list_entries(include_retired=True)}
    statuses = _strip_statuses(store, [r.id for r in strip], [r.entry_id for r in results])
    broken_ids = [r.entry_id for r in results if r.status == Status.BROKEN]
    streaks = _broken_streaks(store, broken_ids, run)
    copies = store.archive_copies([r.url for r in results if r.status == Status.BROKEN])

    rows: list[Row] = []
    for result in results:
        entry = entries.get(result.entry_id)
        since, count = streaks.get(result.entry_id, (None, 0))
        register_title = entry.title if entry else ""
        per_run = statuses.get(result.entry_id, {})
        rows.append(
            Row(
                entry_id=result.entry_id,
                section=entry.section if entry else "",
                category=entry.category if entry else "",
                register_title=register_title,
                position=entry.position if entry else 1 << 30,
                result=result,
                host=host_of(result.url),
                suggested_url=suggested_url(result),
                title_mismatch=titles_differ(register_title, result.title),
                strip=tuple(per_run.get(r.id, "") for r in strip),
                broken_since=since,
                broken_runs=count,
                archived_url=_archived_url(copies.get(result.url), result.status),
            )
        )
    rows.sort(key=lambda row: (row.position, row.entry_id))
    counts = {status.value: 0 for status in Status}
    for row in rows:
        counts[row.status.value] += 1
    needs = {s.value: [r for r in rows if r.status == s] for s in NEEDS_ACTION}
    base_results = _baseline_results(store, baseline.id) if baseline else {}
    return RunReport(
        run=run,
        rows=rows,
        sections=group(rows),
        counts=counts,
        changes=compare(rows, baseline, base_results),
        strip_runs=strip,
        needs_action=needs,
    )


def load_entry_report(store: Store, entry_id: int) -> EntryReport:
    entry = store.entry(entry_id)
    if entry is None:
        raise ReportError(f"no entry with id {entry_id}")
    log = [(c.changed_at, c.field, c.old_value, c.new_value) for c in store.changes(entry_id)]
    return EntryReport(entry, store.history(entry_id), log)


def runs_oldest_first(store: Store) -> list[RunInfo]:
    return sorted(store.latest_runs(limit=1_000_000), key=_order)


def _order(run: RunInfo) -> tuple[datetime, int]:
    return (run.started_at, run.id)


def group(rows: Sequence[Row]) -> list[Section]:
    """Rows by section, then category, each in the order it first appears in the register."""
    sections: dict[str, dict[str, list[Row]]] = {}
    for row in rows:
        sections.setdefault(row.section, {}).setdefault(row.category, []).append(row)
    return [
        Section(name, [Category(cat, cat_rows) for cat, cat_rows in cats.items()])
        for name, cats in sections.items()
    ]


def compare(
    rows: Sequence[Row], baseline: RunInfo | None, before: dict[int, CheckResult]
) -> Changes:
    if baseline is None:
        return Changes(None)
    changes = Changes(baseline)
    for row in rows:
        old = before.get(row.entry_id)
        was = old.status if old is not None else None
        now = row.status
        if row.result.reason == NOT_JUDGED:
            continue  # an outage tells nothing about the link
        if now == Status.BROKEN and was != Status.BROKEN:
            changes.newly_broken.append(row)
        elif now in (Status.OK, Status.REDIRECTED) and was in PROBLEMS:
            changes.recovered.append(row)
        if now == Status.REDIRECTED and (
            was != Status.REDIRECTED
            or (old is not None and suggested_url(old) != row.suggested_url)
        ):
            changes.new_redirects.append(row)
        if now == Status.BLOCKED and was != Status.BLOCKED:
            changes.new_blocked.append(row)
    return changes


def _archived_url(answer: ArchiveAnswer | None, status: Status) -> str | None:
    if status != Status.BROKEN or answer is None or not answer.copy_url:
        return None
    return answer.copy_url if answer.copy_url.startswith(("http://", "https://")) else None


def suggested_url(result: CheckResult) -> str | None:
    """The address to put in the register: where the leading permanent redirects lead.

    Only an http(s) address is ever proposed: a ``javascript:`` or ``data:`` target from a
    hostile site gives None (the advice then says a person should look)."""
    if result.status != Status.REDIRECTED:
        return None
    target = permanent_target(result.requested_url, result.redirects, result.final_url)
    target = target or result.final_url
    return target if is_web_url(target) else None


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


# -- title mismatch --------------------------------------------------------------------------

# Words that say nothing about which resource a title names (nl, fr, en), and site-name
# filler. Register titles are bibliographic ("AUTHOR, Title, Publisher, 2021") and in another
# language than the page at times, so only a clear mismatch is flagged.
_STOPWORDS = frozenset(
    """
    de het een van en in op voor met over door naar bij aan als dat die dit zijn wat
    le la les un une des du et en au aux pour par sur dans avec sans qui que est son ses
    the a an of and in on for with to by from at is are your you
    www http https html pdf home accueil startpagina asbl vzw
    """.split()  # noqa: SIM905 - a word list reads best as words
)
_WORD = re.compile(r"[a-z0-9]+")
_STEM = 5  # compare word beginnings: "harcèlement"/"harcelements", "violence"/"violences"


def title_tokens(text: str) -> set[str]:
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return {w[:_STEM] for w in _WORD.findall(plain) if len(w) > 2 and w not in _STOPWORDS}


def titles_differ(register_title: str, page_title: str | None) -> bool:
    """True when the page's title shares no meaningful word with the register's title.

    Overlap is measured against the shorter title (a site name added to the page title, or
    author and publisher in the register's, should not count against it).
    """
    if not page_title or not register_title:
        return False
    ours, theirs = title_tokens(register_title), title_tokens(page_title)
    if not ours or not theirs:
        return False
    return not (ours & theirs)


# -- light history queries -------------------------------------------------------------------


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _strip_statuses(
    store: Store, run_ids: Sequence[int], entry_ids: Sequence[int]
) -> dict[int, dict[int, str]]:
    """entry id -> run id -> status ("nj" when the run could not judge it)."""
    out: dict[int, dict[int, str]] = defaultdict(dict)
    if not run_ids or not entry_ids:
        return out
    wanted = set(entry_ids)
    with Session(store.engine) as session:
        for chunk in _chunks(list(run_ids)):
            query = select(
                ResultRow.run_id, ResultRow.entry_id, ResultRow.status, ResultRow.reason
            ).where(ResultRow.run_id.in_(chunk))
            for run_id, entry_id, status, reason in session.execute(query):
                if entry_id in wanted:
                    out[entry_id][run_id] = "nj" if reason == NOT_JUDGED else status
    return out


def _baseline_results(store: Store, run_id: int) -> dict[int, CheckResult]:
    """The baseline run's results, with only what a comparison needs."""
    query = select(
        ResultRow.entry_id,
        ResultRow.url,
        ResultRow.requested_url,
        ResultRow.status,
        ResultRow.reason,
        ResultRow.final_url,
        ResultRow.redirects,
    ).where(ResultRow.run_id == run_id)
    with Session(store.engine) as session:
        return {
            entry_id: CheckResult(
                entry_id=entry_id,
                url=url,
                requested_url=requested,
                status=Status(status),
                reason=reason,
                advice="",
                final_url=final,
                redirects=tuple(Hop(h["url"], h["status"]) for h in hops or ()),
            )
            for entry_id, url, requested, status, reason, final, hops in session.execute(query)
        }


def _broken_streaks(
    store: Store, entry_ids: Sequence[int], run: RunInfo
) -> dict[int, tuple[datetime, int]]:
    """entry id -> (start of the oldest run of its current broken streak, runs in it).

    Results an outage could not judge neither break nor extend a streak."""
    out: dict[int, tuple[datetime, int]] = {}
    if not entry_ids:
        return out
    with Session(store.engine) as session:
        for chunk in _chunks(list(entry_ids)):
            query = (
                select(ResultRow.entry_id, RunRow.started_at, ResultRow.status, ResultRow.reason)
                .join(RunRow, RunRow.id == ResultRow.run_id)
                .where(ResultRow.entry_id.in_(chunk), RunRow.started_at <= run.started_at)
                .order_by(ResultRow.entry_id, RunRow.started_at.desc(), RunRow.id.desc())
            )
            stopped: set[int] = set()
            for entry_id, started_at, status, reason in session.execute(query):
                if entry_id in stopped or reason == NOT_JUDGED:
                    continue
                if status != Status.BROKEN:
                    stopped.add(entry_id)
                    continue
                count = out[entry_id][1] + 1 if entry_id in out else 1
                out[entry_id] = (_utc(started_at), count)
    return out


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
