"""A named lock in the database: never two checks at once, even from two schedulers (or a
cron job next to the service) on one database.

The lock is a row in ``locks`` with an owner and an expiry. Taking it is one write
transaction: insert the row if there is none, else take it over with a conditional UPDATE
only if it expired or its owner is a dead process on this host (compare-and-swap on the
owner seen, so two contenders cannot both win). The holder refreshes the expiry while the
check runs, so a vanished holder frees it within ``ttl`` seconds. SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler.store.db import WRITE_OPTION
from crawler.store.models import LockRow

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class LockInfo:
    name: str
    owner: str
    acquired_at: datetime
    expires_at: datetime


def make_owner() -> str:
    """``host:pid:token``: the token tells two lock objects of one process apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _owner_is_dead(owner: str) -> bool:
    """True when ``owner`` is a process on this host that no longer exists."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another machine's process: only the expiry can free it
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class DbLock:
    """``with DbLock(engine, "check") as lock: if lock.acquired: ...`` or acquire/release."""

    def __init__(
        self,
        engine: Engine,
        name: str,
        *,
        ttl: float = 600.0,
        owner: str | None = None,
        clock: Clock = utcnow,
    ) -> None:
        # Writers take SQLite's write lock at BEGIN, so read-then-update cannot interleave.
        self._engine = engine.execution_options(**{WRITE_OPTION: True})
        self._reader = engine
        self.name = name
        self.ttl = timedelta(seconds=ttl)
        self.owner = owner or make_owner()
        self.clock = clock
        self.acquired = False

    def acquire(self) -> bool:
        """Take the lock if it is free, expired or held by a dead process on this host."""
        now = self.clock()
        values = {
            "name": self.name,
            "owner": self.owner,
            "acquired_at": now,
            "expires_at": now + self.ttl,
        }
        with Session(self._engine) as session, session.begin():
            dialect = session.get_bind().dialect.name
            make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            inserted = session.connection().execute(
                make_insert(LockRow).values(values).on_conflict_do_nothing(index_elements=["name"])
            )
            if inserted.rowcount == 1:
                self.acquired = True
                return True
            row = session.get(LockRow, self.name, populate_existing=True)
            if row is None:  # released between the two statements: next time
                return False
            seen = row.owner
            if seen != self.owner and row.expires_at > now and not _owner_is_dead(seen):
                return False
            taken = session.connection().execute(
                update(LockRow)
                .where(LockRow.name == self.name, LockRow.owner == seen)
                .values(owner=self.owner, acquired_at=now, expires_at=now + self.ttl)
            )
            self.acquired = taken.rowcount == 1
            return self.acquired

    def refresh(self) -> bool:
        """Push the expiry on; False if the lock was lost (taken over after expiring)."""
        now = self.clock()
        with Session(self._engine) as session, session.begin():
            done = session.connection().execute(
                update(LockRow)
                .where(LockRow.name == self.name, LockRow.owner == self.owner)
                .values(expires_at=now + self.ttl)
            )
            self.acquired = done.rowcount == 1
            return self.acquired

    def release(self) -> None:
        with Session(self._engine) as session, session.begin():
            session.execute(
                delete(LockRow)
                .where(LockRow.name == self.name, LockRow.owner == self.owner)
                .execution_options(synchronize_session=False)
            )
        self.acquired = False

    def holder(self) -> LockInfo | None:
        with Session(self._reader) as session:
            row = session.scalar(select(LockRow).where(LockRow.name == self.name))
            if row is None:
                return None
            return LockInfo(row.name, row.owner, row.acquired_at, row.expires_at)

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.acquired:
            self.release()
