"""The store's tables as a typed SQLAlchemy ORM.

The migrations in ``migrations/versions`` must produce exactly this metadata (a test compares
them), so a change here always comes with a new revision.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names: migrations refer to them by name, and SQLite's batch mode
# can only recreate a table faithfully when its constraints are named.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    SQLite has no time zone type: SQLAlchemy would silently drop the offset of an aware value
    and hand back naive ones. So values are converted to UTC on the way in and tagged as UTC on
    the way out; a naive value is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the store only takes aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class EntryRow(Base):
    """One register entry as last seen; ``id`` is the register's own id."""

    __tablename__ = "entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    section: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)  # exactly as written in the register
    position: Mapped[int] = mapped_column(Integer)  # order in the register file
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_in_register: Mapped[datetime] = mapped_column(UTCDateTime)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    url_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EntryChangeRow(Base):
    """One change to an entry seen while importing a register (added in revision 0002)."""

    __tablename__ = "entry_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), index=True)
    # "url", "title", "section", "category", "added", "retired" or "reactivated"
    field: Mapped[str] = mapped_column(String(16))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(Text)  # the register file the change came from


class RunRow(Base):
    """One crawl of the register."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16))  # running, complete, aborted, inconclusive
    register: Mapped[str] = mapped_column(Text)
    total: Mapped[int | None] = mapped_column(Integer)  # set when the run ends
    counts: Mapped[dict[str, int] | None] = mapped_column(JSON)  # verdict -> count
    message: Mapped[str | None] = mapped_column(Text)
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(Text)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ResultRow(Base):
    """One entry's outcome in one run (see ``crawler.model.CheckResult``)."""

    __tablename__ = "results"
    __table_args__ = (
        UniqueConstraint("run_id", "entry_id"),  # also serves "all results of a run"
        Index("ix_results_entry_id_run_id", "entry_id", "run_id"),  # an entry's history
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"))
    url: Mapped[str] = mapped_column(Text)  # the register URL at the time
    requested_url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    redirects: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"url", "status"}]
    http_status: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # crawler.model.Status value
    reason: Mapped[str] = mapped_column(Text)
    advice: Mapped[str] = mapped_column(Text)
    minor: Mapped[bool] = mapped_column(Boolean)
    title: Mapped[str | None] = mapped_column(Text)
    title_source: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(16))
    language_source: Mapped[str | None] = mapped_column(String(32))
    content_type: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(BigInteger)  # downloads can exceed 2 GiB
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[list[str]] = mapped_column(JSON)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SnapshotRow(Base):
    """The page as first seen for an entry's URL (content drift compares with it)."""

    __tablename__ = "entry_snapshots"

    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), primary_key=True)
    url: Mapped[str] = mapped_column(Text)  # the register URL it was taken for
    title: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    fingerprint: Mapped[int] = mapped_column(BigInteger)  # simhash, stored signed
    word_count: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArchiveCopyRow(Base):
    """The web archive's answer for a URL: the closest working copy, or none."""

    __tablename__ = "archive_copies"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    copy_url: Mapped[str | None] = mapped_column(Text)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    looked_up_at: Mapped[datetime] = mapped_column(UTCDateTime)


# == scheduler/ tables (revision 0004) ======================================================
# Kept here so that the migrations' metadata comparison sees them; the code using them lives
# in scheduler/ (state.py, alerts.py, lock.py, mail.py).

from sqlalchemy import LargeBinary  # noqa: E402


class EntryStateRow(Base):
    """An entry's standing across runs (see ``scheduler.state``)."""

    __tablename__ = "entry_states"

    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # healthy, suspect, broken
    failures: Mapped[int] = mapped_column(Integer)  # consecutive failing runs
    hard_failures: Mapped[int] = mapped_column(Integer)  # consecutive confirmed hard failures
    redirect_url: Mapped[str | None] = mapped_column(Text)  # redirect target announced
    blocked: Mapped[bool] = mapped_column(Boolean)  # "newly blocked" announced
    status: Mapped[str | None] = mapped_column(String(16))  # the latest evidence
    reason: Mapped[str | None] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    since: Mapped[datetime] = mapped_column(UTCDateTime)  # when ``state`` was entered
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))  # the run last applied


class AckRow(Base):
    """A maintainer's acknowledgement: the entry's alerts are muted until ``until`` or until
    its result differs from the one acknowledged (status, reason, final URL)."""

    __tablename__ = "acks"

    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(Text)


class OutboxRow(Base):
    """An e-mail, rendered once and kept until the SMTP server accepted it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # digest, notice, summary, test
    recipients: Mapped[list[str]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(Text)
    message: Mapped[bytes] = mapped_column(LargeBinary)  # the whole RFC 5322 message
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    attempts: Mapped[int] = mapped_column(Integer)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class LockRow(Base):
    """A named lock with an expiry, so that two schedulers on one database never run two
    checks at once (taken and refreshed with conditional writes, see ``scheduler.lock``)."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(Text)  # host:pid:token
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ServiceStateRow(Base):
    """Small facts the scheduler keeps between runs: the last run processed, an outage or
    failure notice already sent, the last weekly summary."""

    __tablename__ = "service_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
