"""The database lock: one check at a time per database, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from crawler.store.api import Store
from scheduler.lock import DbLock

T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        yield opened


def test_a_held_lock_is_refused_to_others_until_released(store: Store) -> None:
    first = DbLock(store.engine, "check", ttl=60, clock=lambda: T0)
    second = DbLock(store.engine, "check", ttl=60, clock=lambda: T0 + timedelta(seconds=30))

    assert first.acquire()
    assert not second.acquire()
    holder = second.holder()
    assert holder is not None and holder.owner == first.owner
    assert holder.expires_at == T0 + timedelta(seconds=60)
    assert first.acquire()  # re-entrant for its owner

    first.release()
    assert second.acquire()
    assert not first.acquire()


def test_an_expired_lock_is_taken_over_and_its_old_holder_knows(store: Store) -> None:
    first = DbLock(store.engine, "check", ttl=60, clock=lambda: T0)
    late = DbLock(store.engine, "check", ttl=60, clock=lambda: T0 + timedelta(seconds=61))
    assert first.acquire()

    assert late.acquire()

    assert not first.refresh()  # lost: it must not think it still holds it
    assert late.refresh()
    first.release()  # releasing a lock one no longer holds leaves the new holder alone
    holder = late.holder()
    assert holder is not None and holder.owner == late.owner


def test_refreshing_pushes_the_expiry(store: Store) -> None:
    now = [T0]
    holder = DbLock(store.engine, "check", ttl=60, clock=lambda: now[0])
    other = DbLock(store.engine, "check", ttl=60, clock=lambda: now[0])
    assert holder.acquire()
    now[0] = T0 + timedelta(seconds=50)
    assert holder.refresh()
    now[0] = T0 + timedelta(seconds=100)  # past the first expiry, within the refreshed one
    assert not other.acquire()


def test_a_lock_left_by_a_dead_process_on_this_host_is_taken_at_once(store: Store) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = DbLock(
        store.engine,
        "check",
        ttl=3600,
        owner=f"{socket.gethostname()}:{gone.stdout.strip()}:x",
        clock=lambda: T0,
    )
    elsewhere = DbLock(store.engine, "other", ttl=3600, owner="otherhost:1:x", clock=lambda: T0)
    assert dead.acquire() and elsewhere.acquire()

    assert DbLock(store.engine, "check", clock=lambda: T0).acquire()
    # Another machine's process cannot be checked: only its expiry frees the lock.
    assert not DbLock(store.engine, "other", clock=lambda: T0).acquire()


def test_contenders_racing_for_a_free_lock_get_exactly_one_winner(store: Store) -> None:
    contenders = 6
    start = threading.Barrier(contenders)
    won: list[bool] = []

    def contend() -> None:
        lock = DbLock(store.engine, "check", ttl=60)
        start.wait()
        won.append(lock.acquire())

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(won) == [False] * (contenders - 1) + [True]


def test_the_owner_names_host_and_process(store: Store) -> None:
    lock = DbLock(store.engine, "check")
    host, pid, token = lock.owner.split(":")
    assert (host, int(pid)) == (socket.gethostname(), os.getpid()) and token
