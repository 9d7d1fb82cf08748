"""One full check: every active register entry fetched, judged, stored, exported.

The crawl runs in this process or in worker processes sharded by host
(``crawler/fetch/pool.py``). Each answer is judged as it arrives and committed a few at a
time; results.json / results.csv are written at the end.
"""

from __future__ import annotations

import csv
import json
import signal
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from crawler.config import Config
from crawler.detect import Snapshot, availability_url, drift, parse_availability
from crawler.fetch.pool import Crawl, start_crawl
from crawler.model import CheckResult, Entry, ErrorKind, Extraction, Fetch, Status
from crawler.outage import assess, host_of
from crawler.outage import reached as reached_host
from crawler.store.api import ArchiveAnswer, PageSnapshot, Store
from crawler.urls import InvalidURL, request_url
from crawler.verdict import judge

EXIT_OK, EXIT_BROKEN, EXIT_USAGE, EXIT_INCONCLUSIVE = 0, 1, 2, 3
RESULT_FIELDS = (
    "entry_id", "url", "final_url", "status", "reason", "http_status", "redirects",
    "title", "language", "content_type", "error", "elapsed_ms",
)  # fmt: skip


class RunInterrupted(Exception):
    """SIGTERM or SIGINT arrived: stop the workers, keep what was stored."""


@dataclass
class RunOutcome:
    run_id: int
    state: str
    counts: dict[str, int]
    message: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.state == "inconclusive":
            return EXIT_INCONCLUSIVE
        bad = self.counts.get(Status.BROKEN, 0) + self.counts.get(Status.INVALID, 0)
        return EXIT_BROKEN if bad or self.state != "complete" else EXIT_OK


ProgressFn = Callable[[CheckResult, int, int], None]


def run_check(
    config: Config,
    store: Store,
    entries: Sequence[Entry],
    *,
    register: str,
    out_dir: Path | None,
    progress: ProgressFn | None = None,
    pool: Crawl | None = None,
) -> RunOutcome:
    """Check ``entries`` (already synced into ``store``) and record a run.

    Broken links are fetched once more after ``check.recheck_delay`` (a hard failure seen
    twice is ``confirmed``); a run whose hosts were mostly unreachable is inconclusive.
    ``pool``: the main pass's crawl, started early by the caller; by default it starts here."""
    run_id = store.start_run(register)
    check = config.check
    deadline = time.monotonic() + check.run_budget
    by_url: dict[str, list[Entry]] = defaultdict(list)
    results: dict[int, CheckResult] = {}
    failed: dict[str, Fetch] = {}  # only failures are kept: the outage may re-judge them
    reached: dict[str, bool] = {}  # host -> answered at least once
    drift_watch = _DriftWatch(store.first_snapshots() if check.detectors else {})
    batch = _Batch(store, run_id, drift_watch)

    def judged(entry: Entry, fetch: Fetch, extraction: Extraction) -> CheckResult:
        result = make_result(entry, fetch, extraction, max_redirects=check.max_redirects)
        return drift_watch.note(entry, result, extraction)

    def record(entry: Entry, result: CheckResult) -> None:
        batch.add(result)
        results[entry.id] = result
        if progress is not None:
            progress(result, len(results), len(entries))

    def observe(key: str, fetch: Fetch) -> None:
        if fetch.error is not None:
            failed[key] = fetch
        ok = reached_host(fetch)
        if ok is not None:
            host = host_of(key)
            reached[host] = reached.get(host, False) or ok

    for entry in entries:
        try:
            by_url[request_url(entry.url)].append(entry)
        except InvalidURL as exc:
            fetch = Fetch(entry.url, error=ErrorKind.INVALID_URL, error_text=str(exc))
            record(entry, make_result(entry, fetch, Extraction()))

    previous = _install_signal_handlers()
    try:
        for key, fetch, extraction in _fetch_all(pool, list(by_url), config, batch):
            observe(key, fetch)
            for entry in by_url[key]:
                record(entry, judged(entry, fetch, extraction))
        batch.flush()
        outage = assess(reached, share=check.outage_share, min_hosts=check.outage_min_hosts)
        if not outage.inconclusive:
            # The re-check and the archive lookups share what is left of the run's budget.
            rest = _within(config, deadline - check.recheck_delay)
            if rest is not None:
                _recheck(rest, by_url, results, batch, judged)
            rest = _within(config, deadline)
            if rest is not None and check.archive_lookups:
                _offer_archived_copies(rest, store, results, batch)
    except RunInterrupted:
        _ignore_signals()  # a second Ctrl-C must not stop us from recording the abort
        batch.flush()
        message = "aborted: stopped by a signal before the run finished"
        store.abort_run(run_id, message)
        kept = [results[e.id] for e in entries if e.id in results]
        if out_dir is not None:  # what was checked, under the aborted run's name
            write_outputs(store, run_id, kept, out_dir)
        counts = dict(Counter(r.status.value for r in kept))
        return RunOutcome(run_id, "aborted", counts, message, kept)
    finally:
        _restore_signal_handlers(previous)

    state, message = "complete", ""
    if outage.inconclusive:
        state, message = "inconclusive", outage.message
        # What the outage explains is re-judged: not broken, "not judged".
        for key, fetch in failed.items():
            for entry in by_url.get(key, []):
                redone = make_result(
                    entry, fetch, Extraction(), network_down=True, max_redirects=check.max_redirects
                )
                batch.add(redone)
                results[entry.id] = redone
        batch.flush()
    store.finish_run(run_id, state, message or None)
    ordered = [results[e.id] for e in entries if e.id in results]
    counts = dict(Counter(r.status.value for r in ordered))
    outcome = RunOutcome(run_id, state, counts, message, ordered)
    if out_dir is not None:
        write_outputs(store, run_id, ordered, out_dir)
    return outcome


def _within(config: Config, deadline: float) -> Config | None:
    """The configuration for a further pass, with the run's remaining budget; None when
    nothing is left (the pass is skipped)."""
    remaining = deadline - time.monotonic()
    if remaining < 1:
        return None
    return replace(config, check=replace(config.check, run_budget=remaining))


def _fetch_all(
    pool: Crawl | None,
    urls: list[str],
    config: Config,
    batch: _Batch,
    *,
    keep_body: bool = False,
) -> Iterator[tuple[str, Fetch, Extraction]]:
    """Every URL's answer; a URL the crawl never answered (a worker died) is not checked."""
    if not urls:
        if pool is not None:
            pool.close()
        return
    pool = pool or start_crawl(config, len({host_of(u) for u in urls}))
    answered: set[str] = set()
    for item in pool.run(urls, config, keep_body=keep_body):
        if item is None:  # a quiet spell: commit what waits
            batch.tick()
            continue
        answered.add(item[0])
        yield item
    for key in urls:
        if key not in answered:
            yield (
                key,
                Fetch(
                    key, error=ErrorKind.NOT_CHECKED, error_text="the crawl worker stopped early"
                ),
                Extraction(),
            )


def _recheck(
    config: Config,
    by_url: Mapping[str, list[Entry]],
    results: dict[int, CheckResult],
    batch: _Batch,
    judged: Callable[[Entry, Fetch, Extraction], CheckResult],
) -> None:
    """Fetch the broken links once more, later: the same failure twice is ``confirmed``;
    a different answer replaces the first, with a note (a hiccup is not a broken link)."""
    broken = sorted(
        {
            r.requested_url
            for r in results.values()
            if r.status is Status.BROKEN and r.requested_url in by_url
        }
    )
    if not broken:
        return
    time.sleep(config.check.recheck_delay)
    for key, fetch, extraction in _fetch_all(None, broken, config, batch):
        for entry in by_url[key]:
            first = results[entry.id]
            again = judged(entry, fetch, extraction)
            if again.status is Status.BROKEN and again.reason == first.reason:
                note = "confirmed by a re-check in this run"
                again = replace(again, confirmed=True, notes=(*again.notes, note))
            else:
                note = (
                    f"the first attempt in this run found {first.status.value} "
                    f"({first.reason}); the re-check found {again.status.value}"
                )
                again = replace(again, notes=(*again.notes, note))
            batch.add(again)
            results[entry.id] = again
    batch.flush()


ARCHIVED_NOTE = "archived copy: "
DRIFT_NOTE = "drifted"
DETECTIONS = frozenset({"soft_404", "parked_domain", "video_unavailable"})


def _offer_archived_copies(
    config: Config, store: Store, results: dict[int, CheckResult], batch: _Batch
) -> None:
    """For every broken link, the web archive's closest working copy, as a note. Answers are
    kept for ``archive_cache_days``: the archive is asked little, and slowly (one host)."""
    check = config.check
    broken = sorted({r.url for r in results.values() if r.status is Status.BROKEN})
    if not broken:
        return
    now = datetime.now(UTC)
    known = store.archive_copies(broken)
    stale = now - timedelta(days=check.archive_cache_days)
    ask = {
        availability_url(check.archive_url, url): url
        for url in broken
        if url not in known or known[url].looked_up_at < stale
    }
    api = replace(config, check=replace(check, robots_txt=False, detectors=False))
    fresh: dict[str, ArchiveAnswer] = {}
    for key, fetch, _ in _fetch_all(None, list(ask), api, batch, keep_body=True):
        if fetch.http_status == 200:  # a failed lookup is asked again next run
            copy = parse_availability(fetch.body)
            fresh[ask[key]] = ArchiveAnswer(
                copy.url if copy else None, copy.timestamp if copy else None, now
            )
    store.save_archive_copies(fresh)
    answers = {**known, **fresh}
    for entry_id, result in list(results.items()):
        answer = answers.get(result.url)
        if result.status is Status.BROKEN and answer is not None and answer.copy_url:
            when = answer.archived_at.date().isoformat() if answer.archived_at else "?"
            note = f"{ARCHIVED_NOTE}{answer.copy_url} ({when})"
            updated = replace(result, notes=(*result.notes, note))
            batch.add(updated)
            results[entry_id] = updated
    batch.flush()


class _DriftWatch:
    """Compares each page with the page first seen at the entry's URL (and with the
    register's title); holds the first-seen pages this run adds until they are stored."""

    def __init__(self, firsts: dict[int, PageSnapshot]) -> None:
        self.firsts = firsts
        self.new: dict[int, PageSnapshot] = {}  # not stored yet

    def take_new(self) -> dict[int, PageSnapshot]:
        new, self.new = self.new, {}
        return new

    def note(self, entry: Entry, result: CheckResult, extraction: Extraction) -> CheckResult:
        if extraction.fingerprint is None or result.status not in (Status.OK, Status.REDIRECTED):
            return result
        now = Snapshot(
            extraction.title,
            extraction.language,
            extraction.fingerprint,
            extraction.word_count or 0,
        )
        first = self.firsts.get(entry.id)
        if first is None or first.url != entry.url:
            taken = PageSnapshot(
                entry.url,
                now.title,
                now.language,
                now.fingerprint,
                now.word_count,
                datetime.now(UTC),
            )
            self.firsts[entry.id] = self.new[entry.id] = taken
            return result  # the first sight: nothing to compare with yet
        before = Snapshot(first.title, first.language, first.fingerprint, first.word_count)
        change = drift(before, now, entry.title)
        if change is None:
            return result
        note = f"{DRIFT_NOTE} (score {change.score:.2f}): " + "; ".join(change.evidence)
        return replace(result, notes=(*result.notes, note))


class _Batch:
    """Results are committed as they arrive, a few at a time: at most ``size`` results or
    ``seconds`` old, so a killed run loses at most that much and a fast crawl is not slowed
    by one commit per URL. The first-seen pages go with them: a killed run keeps those of
    the pages it stored, and a finished one has none left to write after its last answer."""

    def __init__(
        self,
        store: Store,
        run_id: int,
        drift_watch: _DriftWatch,
        size: int = 100,
        seconds: float = 0.5,
    ):
        self.store, self.run_id, self.size, self.seconds = store, run_id, size, seconds
        self.drift_watch = drift_watch
        self.items: list[CheckResult] = []
        self.since = time.monotonic()

    def add(self, result: CheckResult) -> None:
        if not self.items:
            self.since = time.monotonic()
        self.items.append(result)
        if len(self.items) >= self.size or time.monotonic() - self.since >= self.seconds:
            self.flush()

    def tick(self) -> None:
        if self.items and time.monotonic() - self.since >= self.seconds:
            self.flush()

    def flush(self) -> None:
        if self.items:
            self.store.add_results(self.run_id, self.items)
            self.items = []
        if self.drift_watch.new:
            self.store.save_first_snapshots(self.drift_watch.take_new())


def make_result(
    entry: Entry,
    fetch: Fetch,
    extraction: Extraction,
    *,
    max_redirects: int = 10,
    network_down: bool = False,
) -> CheckResult:
    verdict = judge(fetch, max_redirects=max_redirects, network_down=network_down)
    return CheckResult(
        entry_id=entry.id,
        url=entry.url,
        requested_url=fetch.requested_url,
        status=verdict.status,
        reason=verdict.reason,
        advice=verdict.advice,
        final_url=fetch.final_url,
        http_status=fetch.http_status,
        redirects=fetch.hops,
        minor=verdict.minor,
        title=extraction.title,
        title_source=extraction.title_source,
        language=extraction.language,
        language_source=extraction.language_source,
        content_type=fetch.content_type,
        size=fetch.size,
        elapsed_ms=fetch.elapsed_ms,
        error=fetch.error_text,
        notes=verdict.notes
        + extraction.notes
        + (("body truncated at the size cap",) if fetch.truncated else ()),
    )


def _install_signal_handlers() -> dict[int, Any]:
    def stop(signum: int, frame: FrameType | None) -> None:
        raise RunInterrupted(signal.Signals(signum).name)

    previous: dict[int, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            previous[sig] = signal.signal(sig, stop)
        except ValueError:  # not the main thread: the caller handles signals
            pass
    return previous


def _ignore_signals() -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            signal.signal(sig, signal.SIG_IGN)
        except ValueError:
            pass


def _restore_signal_handlers(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


# -- outputs ------------------------------------------------------------------------


def result_row(result: CheckResult) -> dict[str, Any]:
    """One result in the exported shape (results.json / results.csv)."""
    return {
        "entry_id": result.entry_id,
        "url": result.url,
        "final_url": result.final_url,
        "status": result.status.value,
        "reason": result.reason,
        "http_status": result.http_status,
        "redirects": [{"url": h.url, "status": h.status} for h in result.redirects],
        "title": result.title,
        "language": result.language,
        "content_type": result.content_type,
        "error": _explanation(result),
        "elapsed_ms": result.elapsed_ms,
    }


def _explanation(result: CheckResult) -> str | None:
    """``error`` says what is wrong with the link: the network error, or else the evidence
    of a detector (a 200 that is dead all the same) or of content drift."""
    if result.error:
        return result.error
    if result.reason in DETECTIONS:
        return f"{result.reason}: " + "; ".join(n for n in result.notes if not _run_note(n))
    drifted = [n for n in result.notes if n.startswith(DRIFT_NOTE)]
    return drifted[0] if drifted else None


def _run_note(note: str) -> bool:
    return note.startswith(("confirmed by a re-check", "the first attempt", ARCHIVED_NOTE))


def write_outputs(store: Store, run_id: int, results: Sequence[CheckResult], out_dir: Path) -> None:
    """results.json and results.csv, written side by side one result at a time (no 10k-row
    document in memory), each replacing the old file only once complete.

    results.json holds one result per line: readable, diffable, and written by json's C
    encoder (``indent`` switches to its pure-Python one, ten times slower on 10k results).
    """
    run = store.get_run(run_id)
    if run is None:
        raise ValueError(f"run {run_id} does not exist")
    out_dir.mkdir(parents=True, exist_ok=True)
    head = {
        "id": run.id,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "register": run.register,
        "state": run.state,
        "counts": run.counts,
    }
    json_tmp, csv_tmp = out_dir / "results.json.tmp", out_dir / "results.csv.tmp"
    with (
        json_tmp.open("w", encoding="utf-8") as jfh,
        csv_tmp.open("w", encoding="utf-8", newline="") as cfh,
    ):
        jfh.write(json.dumps({"run": head}, ensure_ascii=False)[:-1] + ', "results": [')
        writer = csv.DictWriter(cfh, fieldnames=RESULT_FIELDS)
        writer.writeheader()
        for i, result in enumerate(results):
            row = result_row(result)
            jfh.write(("\n  " if i == 0 else ",\n  ") + json.dumps(row, ensure_ascii=False))
            row["redirects"] = json.dumps(row["redirects"], ensure_ascii=False)
            writer.writerow(row)
        jfh.write("\n ]}\n" if results else "]}\n")
    json_tmp.replace(out_dir / "results.json")
    csv_tmp.replace(out_dir / "results.csv")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
