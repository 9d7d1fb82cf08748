"""The store's API: the register's entries, runs and their results, and history.

Every call is one short transaction, committed before it returns; nothing holds a session
open, so a killed crawler loses at most the result it was writing. Calls return plain
dataclasses and ``crawler.model`` objects, never live ORM rows.
"""

from __future__ import annotations

import os
import socket
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple, Self

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crawler.model import CheckResult, Entry, Hop, Status
from crawler.store.db import (
    WRITE_OPTION,
    StoreError,
    current_revision,
    describe_db_error,
    head_revision,
    make_engine,
    safe_url,
    upgrade,
)
from crawler.store.models import (
    ArchiveCopyRow,
    EntryChangeRow,
    EntryRow,
    ResultRow,
    RunRow,
    SnapshotRow,
)

DEFAULT_STALE_AFTER = timedelta(hours=2)
STALE_RUN_MESSAGE = "aborted: the process stopped before the run finished"
TRACKED_FIELDS = ("url", "title", "section", "category")


class RunState(StrEnum):
    RUNNING = "running"
    COMPLETE = "complete"
    ABORTED = "aborted"  # stopped before the end (killed, crashed, cancelled)
    INCONCLUSIVE = "inconclusive"  # finished, but the results cannot be trusted


FINAL_STATES = frozenset({RunState.COMPLETE, RunState.ABORTED, RunState.INCONCLUSIVE})
# An aborted run may still be finished: it was only presumed dead (heartbeat too old).
OPEN_STATES = (RunState.RUNNING.value, RunState.ABORTED.value)


@dataclass(frozen=True, slots=True)
class EntryInfo:
    """A register entry as the store knows it, retired or not."""

    id: int
    section: str
    category: str
    title: str
    url: str
    position: int
    retired: bool
    first_seen: datetime
    last_seen_in_register: datetime
    retired_at: datetime | None
    url_changed_at: datetime | None
    title_changed_at: datetime | None

    @property
    def entry(self) -> Entry:
        return Entry(self.id, self.section, self.category, self.title, self.url)


@dataclass(frozen=True, slots=True)
class EntryChange:
    """One line of an entry's change log."""

    entry_id: int
    field: str  # "url", "title", "section", "category", "added", "retired", "reactivated"
    old_value: str | None
    new_value: str | None
    changed_at: datetime
    source: str


@dataclass(frozen=True, slots=True)
class FieldChange:
    entry_id: int
    field: str
    old: str
    new: str


@dataclass(slots=True)
class SyncReport:
    """What importing a register changed."""

    source: str
    added: list[Entry] = field(default_factory=list)
    changed: list[FieldChange] = field(default_factory=list)
    retired: list[Entry] = field(default_factory=list)
    reactivated: list[Entry] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.retired or self.reactivated)

    def summary(self) -> str:
        if not self.has_changes:
            return f"{self.source}: no changes"
        return (
            f"{self.source}: {len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.retired)} retired, {len(self.reactivated)} reactivated"
        )

    def lines(self) -> list[str]:
        """One readable line per change, e.g. ``changed 12 url: old -> new``."""
        out = [f"added {e.id}: {e.title} <{e.url}>" for e in self.added]
        out += [f"reactivated {e.id}: {e.title} <{e.url}>" for e in self.reactivated]
        out += [f"changed {c.entry_id} {c.field}: {c.old} -> {c.new}" for c in self.changed]
        out += [f"retired {e.id}: {e.title} <{e.url}>" for e in self.retired]
        return out


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    register: str
    state: RunState
    started_at: datetime
    finished_at: datetime | None
    heartbeat_at: datetime | None
    total: int | None  # results stored; set when the run ends
    counts: Mapping[str, int]  # verdict -> results; empty while running
    message: str | None
    pid: int | None
    host: str | None


class HistoryItem(NamedTuple):
    run: RunInfo
    result: CheckResult


class Store:
    """Linkwacht's database. Make one with ``Store.open(url)``; close it when done."""

    def __init__(self, engine: Engine, *, stale_after: timedelta = DEFAULT_STALE_AFTER) -> None:
        self.engine = engine
        self.stale_after = stale_after
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    @classmethod
    def open(
        cls,
        url: str,
        *,
        migrate: bool = True,
        stale_after: timedelta = DEFAULT_STALE_AFTER,
    ) -> Store:
        """Connect to ``url``, migrating the schema to the newest revision unless ``migrate``
        is false, in which case a database not at that revision is refused."""
        engine = make_engine(url)
        try:
            found, wanted = current_revision(engine), head_revision()
            if found != wanted and migrate:
                upgrade(engine)
            elif found != wanted:
                raise StoreError(
                    f"database {safe_url(engine.url)!r} is at schema revision {found} "
                    f"but this linkwacht needs {wanted}: upgrade it first"
                )
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, stale_after=stale_after)

    @property
    def url(self) -> str:
        """The database URL, password masked."""
        return safe_url(self.engine.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._db_errors(), self._reader.begin() as session:
            yield session

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._db_errors(), self._writer.begin() as session:
            yield session

    @contextmanager
    def _db_errors(self) -> Iterator[None]:
        try:
            yield
        except IntegrityError:
            raise  # a caller's mistake, translated where it is expected
        except DBAPIError as exc:
            raise StoreError(describe_db_error(self.engine, exc)) from exc

    # -- the register ---------------------------------------------------------------------

    def sync_register(
        self, entries: Sequence[Entry], *, source: str, now: datetime | None = None
    ) -> SyncReport:
        """Make the store's entries match a freshly read register file.

        New ids are added; changed fields are recorded in the change log with the date;
        entries missing from the file are retired (kept, with their history) and come back
        reactivated when they reappear. Importing the same file twice changes nothing.
        """
        now = _aware(now)
        duplicates = sorted(i for i, n in Counter(e.id for e in entries).items() if n > 1)
        if duplicates:
            raise StoreError(f"{source}: entry ids listed more than once: {duplicates}")
        report = SyncReport(source=source)
        log: list[EntryChangeRow] = []

        def record(entry_id: int, what: str, old: str | None, new: str | None) -> None:
            log.append(
                EntryChangeRow(
                    entry_id=entry_id,
                    field=what,
                    old_value=old,
                    new_value=new,
                    changed_at=now,
                    source=source,
                )
            )

        with self._write() as session:
            # The stored entries as plain tuples first; only those that change are loaded
            # as objects (a nightly run mostly finds the file as it was: none are).
            current = {
                row.id: row
                for row in session.execute(
                    select(EntryRow.id, EntryRow.retired, EntryRow.position, *_TRACKED_COLUMNS)
                )
            }
            if not entries and any(not row.retired for row in current.values()):
                # Almost certainly a misread file, not a register that was emptied.
                raise StoreError(f"{source}: the register has no entries; nothing was retired")
            present = {e.id for e in entries}
            changing = [
                e.id
                for position, e in enumerate(entries)
                if e.id in current and _entry_differs(current[e.id], e, position)
            ]
            changing += [i for i, row in current.items() if i not in present and not row.retired]
            rows = _entry_rows(session, changing)
            for position, entry in enumerate(entries):
                if entry.id not in current:
                    session.add(_new_entry_row(entry, position, now))
                    record(entry.id, "added", None, entry.url)
                    report.added.append(entry)
                    continue
                row = rows.get(entry.id)
                if row is None:
                    continue  # as stored
                if row.retired:
                    row.retired, row.retired_at = False, None
                    record(entry.id, "reactivated", None, entry.url)
                    report.reactivated.append(entry)
                for name in TRACKED_FIELDS:
                    old, new = getattr(row, name), getattr(entry, name)
                    if old == new:
                        continue
                    setattr(row, name, new)
                    if name == "url":
                        row.url_changed_at = now
                        # A new address is a new page: drift starts again from it.
                        session.execute(delete(SnapshotRow).where(SnapshotRow.entry_id == entry.id))
                    elif name == "title":
                        row.title_changed_at = now
                    record(entry.id, name, old, new)
                    report.changed.append(FieldChange(entry.id, name, old, new))
                if row.position != position:
                    row.position = position
            for row in sorted(rows.values(), key=lambda r: r.position):
                if row.id in present or row.retired:
                    continue
                row.retired, row.retired_at = True, now
                record(row.id, "retired", row.url, None)
                report.retired.append(_entry(row))
            session.flush()  # the entries first: the change log refers to them
            session.add_all(log)
            # Every entry still active is in this file: one statement, not one per row.
            session.execute(
                update(EntryRow)
                .where(EntryRow.retired.is_(False))
                .values(last_seen_in_register=now)
            )
        return report

    def active_entries(self) -> list[Entry]:
        """The entries currently in the register, in register order."""
        query = (
            select(EntryRow.id, EntryRow.section, EntryRow.category, EntryRow.title, EntryRow.url)
            .where(EntryRow.retired.is_(False))
            .order_by(EntryRow.position)
        )
        with self._read() as session:  # plain rows: no ORM object per entry
            return [Entry(*row) for row in session.execute(query)]

    def list_entries(
        self,
        section: str | None = None,
        category: str | None = None,
        include_retired: bool = False,
    ) -> list[EntryInfo]:
        """Entries in register order (retired ones last, when included)."""
        query = select(EntryRow).order_by(EntryRow.retired, EntryRow.position, EntryRow.id)
        if section is not None:
            query = query.where(EntryRow.section == section)
        if category is not None:
            query = query.where(EntryRow.category == category)
        if not include_retired:
            query = query.where(EntryRow.retired.is_(False))
        with self._read() as session:
            return [_entry_info(row) for row in session.scalars(query)]

    def entry(self, entry_id: int) -> EntryInfo | None:
        with self._read() as session:
            row = session.get(EntryRow, entry_id)
            return None if row is None else _entry_info(row)

    def changes(self, entry_id: int | None = None) -> list[EntryChange]:
        """The change log, oldest first; of one entry when ``entry_id`` is given."""
        query = select(EntryChangeRow).order_by(EntryChangeRow.changed_at, EntryChangeRow.id)
        if entry_id is not None:
            query = query.where(EntryChangeRow.entry_id == entry_id)
        with self._read() as session:
            return [
                EntryChange(r.entry_id, r.field, r.old_value, r.new_value, r.changed_at, r.source)
                for r in session.scalars(query)
            ]

    # -- runs -------------------------------------------------------------------------------

    def start_run(self, register: str, *, now: datetime | None = None) -> int:
        """Record a new run by this process and return its id.

        Runs left "running" by a process that is gone are first marked aborted; the results
        they stored are kept.
        """
        now = _aware(now)
        host, pid = socket.gethostname(), os.getpid()
        with self._write() as session:
            running = session.scalars(select(RunRow).where(RunRow.state == RunState.RUNNING))
            for run in running.all():
                if self._is_stale(run, now, host):
                    last_sign_of_life = run.heartbeat_at or run.started_at
                    _close_run(session, run, RunState.ABORTED, STALE_RUN_MESSAGE, last_sign_of_life)
            run = RunRow(
                register=register,
                state=RunState.RUNNING.value,
                started_at=now,
                heartbeat_at=now,
                pid=pid,
                host=host,
            )
            session.add(run)
            session.flush()
            return run.id

    def _is_stale(self, run: RunRow, now: datetime, host: str) -> bool:
        if now - (run.heartbeat_at or run.started_at) > self.stale_after:
            return True
        return run.host == host and run.pid is not None and not _pid_alive(run.pid)

    def heartbeat(self, run_id: int, *, now: datetime | None = None) -> None:
        """Show the run is alive (``add_result`` does this too); for long quiet stretches."""
        with self._write() as session:
            self._touch(session, run_id, _aware(now))

    def _touch(self, session: Session, run_id: int, now: datetime) -> None:
        touched = session.connection().execute(
            update(RunRow)
            .where(RunRow.id == run_id, RunRow.state.in_(OPEN_STATES))
            .values(heartbeat_at=now)
        )
        if touched.rowcount == 0:
            state = session.scalar(select(RunRow.state).where(RunRow.id == run_id))
            if state is None:
                raise StoreError(f"run {run_id} does not exist")
            raise StoreError(f"run {run_id} is {state}: it takes no more results")

    def add_result(
        self, run_id: int, result: CheckResult, *, checked_at: datetime | None = None
    ) -> None:
        """Store one result, committed at once; a second result for the same entry in the
        same run replaces the first."""
        values = _result_values(result)
        values.update(run_id=run_id, checked_at=_aware(checked_at))
        with self._write() as session:
            self._touch(session, run_id, values["checked_at"])
            try:
                _upsert_result(session, values)
            except IntegrityError as exc:
                raise StoreError(
                    f"result for entry {result.entry_id} refused: {_refusal(exc)}"
                ) from exc

    def add_results(self, run_id: int, results: Sequence[CheckResult]) -> None:
        """Store several results in one transaction (a busy crawl commits small batches
        every fraction of a second instead of paying one commit per URL)."""
        if not results:
            return
        now = _aware(None)
        rows = []
        for result in results:
            values = _result_values(result)
            values.update(run_id=run_id, checked_at=now)
            rows.append(values)
        with self._write() as session:
            self._touch(session, run_id, now)
            try:
                _upsert_results(session, rows)
            except IntegrityError as exc:
                raise StoreError(f"a result was refused: {_refusal(exc)}") from exc

    def finish_run(
        self,
        run_id: int,
        state: RunState | str,
        message: str | None = None,
        *,
        now: datetime | None = None,
    ) -> RunInfo:
        """End a run: ``total`` and ``counts`` are computed from the results it stored."""
        final = RunState(state)
        if final not in FINAL_STATES:
            raise ValueError(f"a run cannot finish as {final!r}")
        with self._write() as session:
            run = session.get(RunRow, run_id)
            if run is None:
                raise StoreError(f"run {run_id} does not exist")
            if run.state not in OPEN_STATES:
                raise StoreError(f"run {run_id} is already {run.state}")
            _close_run(session, run, final, message, _aware(now))
            return _run_info(run)

    def abort_run(self, run_id: int, message: str, *, now: datetime | None = None) -> RunInfo:
        return self.finish_run(run_id, RunState.ABORTED, message, now=now)

    def get_run(self, run_id: int) -> RunInfo | None:
        with self._read() as session:
            run = session.get(RunRow, run_id)
            return None if run is None else _run_info(run)

    def latest_runs(self, limit: int = 10) -> list[RunInfo]:
        """The newest runs first."""
        query = select(RunRow).order_by(RunRow.started_at.desc(), RunRow.id.desc()).limit(limit)
        with self._read() as session:
            return [_run_info(run) for run in session.scalars(query)]

    # -- first-seen snapshots (content drift) and web-archive copies ----------------------

    def first_snapshots(self) -> dict[int, PageSnapshot]:
        """Each entry's page as first seen at its current URL."""
        with self._read() as session:
            return {
                row.entry_id: PageSnapshot(
                    row.url,
                    row.title,
                    row.language,
                    _unsigned(row.fingerprint),
                    row.word_count,
                    row.taken_at,
                )
                for row in session.scalars(select(SnapshotRow))
            }

    def save_first_snapshots(self, snapshots: Mapping[int, PageSnapshot]) -> None:
        """Keep these as the first-seen pages (an existing one is replaced: a new URL)."""
        if not snapshots:
            return
        rows = [
            {
                "entry_id": entry_id,
                "url": snap.url,
                "title": snap.title,
                "language": snap.language,
                "fingerprint": _signed(snap.fingerprint),
                "word_count": snap.word_count,
                "taken_at": _aware(snap.taken_at),
            }
            for entry_id, snap in snapshots.items()
        ]
        with self._write() as session:
            _upsert(session, SnapshotRow, ["entry_id"], rows)

    def archive_copies(self, urls: Sequence[str] | None = None) -> dict[str, ArchiveAnswer]:
        """The archive's last answer per URL (all URLs when ``urls`` is None)."""
        query = select(ArchiveCopyRow)
        if urls is not None:
            query = query.where(ArchiveCopyRow.url.in_(list(urls)))
        with self._read() as session:
            return {
                row.url: ArchiveAnswer(row.copy_url, row.archived_at, row.looked_up_at)
                for row in session.scalars(query)
            }

    def save_archive_copies(self, answers: Mapping[str, ArchiveAnswer]) -> None:
        if not answers:
            return
        rows = [
            {
                "url": url,
                "copy_url": answer.copy_url,
                "archived_at": answer.archived_at,
                "looked_up_at": _aware(answer.looked_up_at),
            }
            for url, answer in answers.items()
        ]
        with self._write() as session:
            _upsert(session, ArchiveCopyRow, ["url"], rows)

    # -- results ----------------------------------------------------------------------------

    def results_for_run(self, run_id: int) -> list[CheckResult]:
        """A run's results in register order."""
        query = (
            select(ResultRow)
            .join(EntryRow, EntryRow.id == ResultRow.entry_id)
            .where(ResultRow.run_id == run_id)
            .order_by(EntryRow.position, ResultRow.entry_id)
        )
        with self._read() as session:
            return [_check_result(row) for row in session.scalars(query)]

    def history(self, entry_id: int, limit: int | None = None) -> list[HistoryItem]:
        """The entry's results with the runs they came from, newest first."""
        query = (
            select(RunRow, ResultRow)
            .join(ResultRow, ResultRow.run_id == RunRow.id)
            .where(ResultRow.entry_id == entry_id)
            .order_by(RunRow.started_at.desc(), RunRow.id.desc())
            .limit(limit)
        )
        with self._read() as session:
            return [
                HistoryItem(_run_info(run), _check_result(res))
                for run, res in session.execute(query)
            ]

    def previous_result(self, entry_id: int, before_run_id: int) -> CheckResult | None:
        """The entry's result in the latest run started before ``before_run_id``."""
        query = (
            select(ResultRow)
            .where(ResultRow.entry_id == entry_id, ResultRow.run_id < before_run_id)
            .order_by(ResultRow.run_id.desc())
            .limit(1)
        )
        with self._read() as session:
            row = session.scalar(query)
            return None if row is None else _check_result(row)

    def previous_results(self, before_run_id: int) -> dict[int, CheckResult]:
        """``previous_result`` for every entry at once: entry id -> result."""
        latest = (
            select(ResultRow.entry_id, func.max(ResultRow.run_id).label("run_id"))
            .where(ResultRow.run_id < before_run_id)
            .group_by(ResultRow.entry_id)
            .subquery()
        )
        query = select(ResultRow).join(
            latest,
            (ResultRow.entry_id == latest.c.entry_id) & (ResultRow.run_id == latest.c.run_id),
        )
        with self._read() as session:
            return {row.entry_id: _check_result(row) for row in session.scalars(query)}


# -- helpers -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageSnapshot:
    """An entry's page as first seen (see ``crawler.detect.drift.Snapshot``)."""

    url: str
    title: str | None
    language: str | None
    fingerprint: int  # unsigned 64-bit
    word_count: int
    taken_at: datetime


@dataclass(frozen=True, slots=True)
class ArchiveAnswer:
    """What the web archive said about a URL: its closest working copy, or None."""

    copy_url: str | None
    archived_at: datetime | None
    looked_up_at: datetime


def _signed(value: int) -> int:  # BIGINT is signed; a simhash uses all 64 bits
    return value - (1 << 64) if value >= 1 << 63 else value


def _unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware one (UTC)")
    return moment.astimezone(UTC)


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` on this host still exists and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    # A killed child its parent has not reaped yet still answers signal 0.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust os.kill
    fields = stat.rpartition(")")[2].split()
    return not fields or fields[0] != "Z"


def _close_run(
    session: Session, run: RunRow, state: RunState, message: str | None, at: datetime
) -> None:
    counts = _count_results(session, run.id)
    run.state = state.value
    run.message = message
    run.finished_at = at
    run.total = sum(counts.values())
    run.counts = counts


def _count_results(session: Session, run_id: int) -> dict[str, int]:
    found = session.execute(
        select(ResultRow.status, func.count())
        .where(ResultRow.run_id == run_id)
        .group_by(ResultRow.status)
    )
    counts = {status.value: 0 for status in Status}  # every verdict, so reports need no .get
    counts.update({status: n for status, n in found})
    return counts


def _refusal(exc: IntegrityError) -> str:
    """Why the database refused a result, in the operator's words."""
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    if "foreign key" in detail.lower():
        return "its entry is not in the store (import the register first)"
    return f"the database says: {detail}"


def _dialect_insert(dialect: str) -> Any:
    """The dialect's INSERT with ON CONFLICT, imported on use (the PostgreSQL dialect is
    40 ms of a SQLite run's start otherwise)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


def _upsert(session: Session, table: Any, key: list[str], rows: list[dict[str, Any]]) -> None:
    """Insert or replace many rows in one statement (PostgreSQL and SQLite), else one by one."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        for values in rows:
            session.merge(table(**values))
        return
    make_insert = _dialect_insert(dialect)
    # On the Table, not the mapped class: a plain executemany, without the ORM's bulk-insert
    # bookkeeping (a visible share of a 10k-URL run's CPU).
    stmt = make_insert(table.__table__)
    stmt = stmt.on_conflict_do_update(
        index_elements=key,
        set_={name: stmt.excluded[name] for name in rows[0] if name not in key},
    )
    session.execute(stmt, rows)


def _upsert_results(session: Session, rows: list[dict[str, Any]]) -> None:
    """Many results in one statement (executemany) where the dialect has an upsert."""
    if session.get_bind().dialect.name in ("postgresql", "sqlite"):
        _upsert(session, ResultRow, ["run_id", "entry_id"], rows)
        return
    for values in rows:  # the key is not the primary key: merge() cannot replace by it
        _upsert_result(session, values)


def _upsert_result(session: Session, values: dict[str, Any]) -> None:
    key = ("run_id", "entry_id")
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        make_insert = _dialect_insert(dialect)
        stmt = make_insert(ResultRow).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(key),
            set_={name: stmt.excluded[name] for name in values if name not in key},
        )
        session.execute(stmt)
        return
    # Any other backend: replace within the same transaction.
    session.execute(
        delete(ResultRow).where(
            ResultRow.run_id == values["run_id"], ResultRow.entry_id == values["entry_id"]
        )
    )
    session.execute(insert(ResultRow).values(values))


def _new_entry_row(entry: Entry, position: int, now: datetime) -> EntryRow:
    return EntryRow(
        id=entry.id,
        section=entry.section,
        category=entry.category,
        title=entry.title,
        url=entry.url,
        position=position,
        first_seen=now,
        last_seen_in_register=now,
        retired=False,
    )


_TRACKED_COLUMNS = tuple(getattr(EntryRow, name) for name in TRACKED_FIELDS)
_ID_CHUNK = 500  # ids per IN (...): well under every backend's limit on parameters


def _entry_differs(stored: Any, entry: Entry, position: int) -> bool:
    """Whether syncing ``entry`` changes its stored row (a tuple of id, retired, position
    and the tracked fields)."""
    return (
        stored.retired
        or stored.position != position
        or any(getattr(stored, name) != getattr(entry, name) for name in TRACKED_FIELDS)
    )


def _entry_rows(session: Session, ids: Sequence[int]) -> dict[int, EntryRow]:
    rows: dict[int, EntryRow] = {}
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start : start + _ID_CHUNK]
        rows.update(
            (row.id, row) for row in session.scalars(select(EntryRow).where(EntryRow.id.in_(chunk)))
        )
    return rows


def _entry(row: EntryRow) -> Entry:
    return Entry(
        id=row.id, section=row.section, category=row.category, title=row.title, url=row.url
    )


def _entry_info(row: EntryRow) -> EntryInfo:
    return EntryInfo(
        id=row.id,
        section=row.section,
        category=row.category,
        title=row.title,
        url=row.url,
        position=row.position,
        retired=row.retired,
        first_seen=row.first_seen,
        last_seen_in_register=row.last_seen_in_register,
        retired_at=row.retired_at,
        url_changed_at=row.url_changed_at,
        title_changed_at=row.title_changed_at,
    )


def _run_info(run: RunRow) -> RunInfo:
    return RunInfo(
        id=run.id,
        register=run.register,
        state=RunState(run.state),
        started_at=run.started_at,
        finished_at=run.finished_at,
        heartbeat_at=run.heartbeat_at,
        total=run.total,
        counts=dict(run.counts or {}),
        message=run.message,
        pid=run.pid,
        host=run.host,
    )


def _result_values(result: CheckResult) -> dict[str, Any]:
    return {
        "entry_id": result.entry_id,
        "url": result.url,
        "requested_url": result.requested_url,
        "final_url": result.final_url,
        "redirects": [{"url": hop.url, "status": hop.status} for hop in result.redirects],
        "http_status": result.http_status,
        "status": Status(result.status).value,
        "reason": result.reason,
        "advice": result.advice,
        "minor": result.minor,
        "title": result.title,
        "title_source": result.title_source,
        "language": result.language,
        "language_source": result.language_source,
        "content_type": result.content_type,
        "size": result.size,
        "elapsed_ms": result.elapsed_ms,
        "error": result.error,
        "notes": list(result.notes),
        "confirmed": result.confirmed,
    }


def _check_result(row: ResultRow) -> CheckResult:
    return CheckResult(
        entry_id=row.entry_id,
        url=row.url,
        requested_url=row.requested_url,
        status=Status(row.status),
        reason=row.reason,
        advice=row.advice,
        final_url=row.final_url,
        http_status=row.http_status,
        redirects=tuple(Hop(url=hop["url"], status=hop["status"]) for hop in row.redirects),
        minor=row.minor,
        title=row.title,
        title_source=row.title_source,
        language=row.language,
        language_source=row.language_source,
        content_type=row.content_type,
        size=row.size,
        elapsed_ms=row.elapsed_ms,
        error=row.error,
        notes=tuple(row.notes),
        confirmed=bool(row.confirmed),
    )
