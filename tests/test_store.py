"""The store's behaviour on SQLite and PostgreSQL (see the `db_url` fixture)."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import make_url, select, text, update
from sqlalchemy.exc import IntegrityError

from crawler.model import CheckResult, Entry, Hop, Status
from crawler.store import (
    STALE_RUN_MESSAGE,
    RunState,
    Store,
    StoreError,
    default_db_url,
)
from crawler.store.models import ResultRow, RunRow

REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 11, 1, 2, 0, tzinfo=UTC)
REGISTER = [
    Entry(1, "Data", "Portals", "Open data portal", "https://data.example.org/"),
    Entry(2, "Data", "Statistics", "Statistics office", "http://stats.example.org/index.html"),
    Entry(3, "Tools", "Editors", "Editor", "https://editor.example.net/start?lang=en"),
]


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        yield opened


def result(entry_id: int, status: Status = Status.OK, **extra: object) -> CheckResult:
    url = f"https://e{entry_id}.example/"
    return CheckResult(entry_id, url, url, status, status.value, "", **extra)  # type: ignore[arg-type]


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


# -- the register -----------------------------------------------------------------------------


def test_first_import_adds_every_entry_in_register_order(store: Store) -> None:
    report = store.sync_register(list(reversed(REGISTER)), source="register.xlsx", now=T0)

    assert [e.id for e in report.added] == [3, 2, 1]
    assert report.lines()[0] == "added 3: Editor <https://editor.example.net/start?lang=en>"
    assert report.summary() == "register.xlsx: 3 added, 0 changed, 0 retired, 0 reactivated"
    assert store.active_entries() == list(reversed(REGISTER))
    info = store.entry(2)
    assert info is not None
    assert info.entry == REGISTER[1]
    assert (info.first_seen, info.retired, info.url_changed_at) == (T0, False, None)
    assert [(c.field, c.new_value) for c in store.changes(2)] == [("added", REGISTER[1].url)]


def test_importing_the_same_register_twice_reports_no_change(store: Store) -> None:
    store.sync_register(REGISTER, source="register.xlsx", now=T0)
    later = T0 + timedelta(days=1)

    report = store.sync_register(REGISTER, source="register.xlsx", now=later)

    assert not report.has_changes
    assert report.lines() == []
    assert report.summary() == "register.xlsx: no changes"
    assert len(store.changes()) == 3  # only the "added" records
    info = store.entry(1)
    assert info is not None and (info.first_seen, info.last_seen_in_register) == (T0, later)


def test_changed_url_and_title_are_recorded_with_the_date(store: Store) -> None:
    store.sync_register(REGISTER, source="register-v1.xlsx", now=T0)
    moved = Entry(2, "Data", "Statistics", "Statistics office (new)", "https://stats.example.org/")
    later = T0 + timedelta(days=3)

    report = store.sync_register(
        [REGISTER[0], moved, REGISTER[2]], source="register-v2.xlsx", now=later
    )

    assert report.lines() == [
        "changed 2 url: http://stats.example.org/index.html -> https://stats.example.org/",
        "changed 2 title: Statistics office -> Statistics office (new)",
    ]
    info = store.entry(2)
    assert info is not None
    assert (info.url, info.url_changed_at, info.title_changed_at) == (moved.url, later, later)
    url_change = [c for c in store.changes(2) if c.field == "url"]
    assert [(c.old_value, c.new_value, c.changed_at, c.source) for c in url_change] == [
        (REGISTER[1].url, moved.url, later, "register-v2.xlsx")
    ]


def test_section_and_category_changes_and_reordering(store: Store) -> None:
    store.sync_register(REGISTER, source="a.xlsx", now=T0)
    recategorised = Entry(1, "Portals", "National", REGISTER[0].title, REGISTER[0].url)

    report = store.sync_register([REGISTER[2], recategorised, REGISTER[1]], source="b.xlsx")

    assert report.lines() == [
        "changed 1 section: Data -> Portals",
        "changed 1 category: Portals -> National",
    ]
    assert [e.id for e in store.active_entries()] == [3, 1, 2]  # the new register order


def test_entries_missing_from_the_register_are_retired_then_reactivated(store: Store) -> None:
    store.sync_register(REGISTER, source="v1.xlsx", now=T0)
    run_id = store.start_run("v1.xlsx", now=T0)
    store.add_result(run_id, result(2, Status.BROKEN), checked_at=T0)
    store.finish_run(run_id, RunState.COMPLETE, now=T0)
    t1 = T0 + timedelta(days=1)

    report = store.sync_register([REGISTER[0], REGISTER[2]], source="v2.xlsx", now=t1)

    assert report.lines() == [f"retired 2: Statistics office <{REGISTER[1].url}>"]
    assert [e.id for e in store.active_entries()] == [1, 3]
    assert [e.id for e in store.list_entries()] == [1, 3]
    every = store.list_entries(include_retired=True)
    assert [(e.id, e.retired) for e in every] == [(1, False), (3, False), (2, True)]
    info = store.entry(2)
    assert info is not None and (info.retired, info.retired_at) == (True, t1)
    assert [item.result.status for item in store.history(2)] == [Status.BROKEN]  # kept

    t2 = t1 + timedelta(days=1)
    report = store.sync_register(REGISTER, source="v3.xlsx", now=t2)

    assert report.lines() == [f"reactivated 2: Statistics office <{REGISTER[1].url}>"]
    info = store.entry(2)
    assert info is not None and (info.retired, info.retired_at) == (False, None)
    assert [c.field for c in store.changes(2)] == ["added", "retired", "reactivated"]


def test_a_register_with_duplicate_ids_is_refused(store: Store) -> None:
    twice = [*REGISTER, Entry(2, "X", "Y", "Other", "https://other.example/")]
    with pytest.raises(StoreError, match=r"bad\.xlsx: entry ids listed more than once: \[2\]"):
        store.sync_register(twice, source="bad.xlsx")
    assert store.active_entries() == []


def test_an_empty_register_does_not_retire_everything(store: Store) -> None:
    store.sync_register(REGISTER, source="v1.xlsx")
    with pytest.raises(StoreError, match="has no entries"):
        store.sync_register([], source="empty.xlsx")
    assert store.active_entries() == REGISTER


def test_list_entries_filters_by_section_and_category(store: Store) -> None:
    store.sync_register(REGISTER, source="v1.xlsx")
    assert [e.id for e in store.list_entries(section="Data")] == [1, 2]
    assert [e.id for e in store.list_entries(section="Data", category="Statistics")] == [2]
    assert store.list_entries(category="nope") == []
    assert store.entry(99) is None


# -- runs and results ---------------------------------------------------------------------------


def test_a_result_comes_back_exactly_as_stored(store: Store) -> None:
    store.sync_register(REGISTER, source="v1.xlsx")
    full = CheckResult(
        entry_id=2,
        url="http://stats.example.org/index.html",
        requested_url="http://stats.example.org/index.html",
        status=Status.REDIRECTED,
        reason="moved_permanently",
        advice="Update the register to the final URL.",
        final_url="https://stats.example.org/",
        http_status=200,
        redirects=(
            Hop("http://stats.example.org/index.html", 301),
            Hop("https://stats.example.org/index.html", "meta_refresh"),
        ),
        minor=True,
        title="Statistik – Übersicht",
        title_source="og:title",
        language="de",
        language_source="html_lang",
        content_type="text/html",
        size=5_000_000_000,  # larger than a 32-bit integer
        elapsed_ms=1234,
        error=None,
        notes=("declared language 'en' but the text reads as 'de'",),
    )
    run_id = store.start_run("v1.xlsx")

    store.add_result(run_id, full)

    assert store.results_for_run(run_id) == [full]


def test_results_are_listed_in_register_order_and_counted_when_the_run_ends(
    store: Store,
) -> None:
    store.sync_register(REGISTER, source="v1.xlsx", now=T0)
    run_id = store.start_run("v1.xlsx", now=T0)
    for entry_id, status in [(3, Status.BROKEN), (1, Status.OK), (2, Status.OK)]:
        store.add_result(run_id, result(entry_id, status))
    running = store.get_run(run_id)
    assert running is not None
    assert (running.state, running.total, running.counts) == (RunState.RUNNING, None, {})
    assert running.host == socket.gethostname() and running.pid == os.getpid()

    finished = store.finish_run(run_id, "complete", now=T0 + timedelta(hours=1))

    assert [r.entry_id for r in store.results_for_run(run_id)] == [1, 2, 3]
    assert finished.state is RunState.COMPLETE
    assert finished.total == 3
    assert finished.counts["ok"] == 2 and finished.counts["broken"] == 1
    assert finished.counts["transient"] == 0  # every verdict is present
    assert finished.finished_at == T0 + timedelta(hours=1)
    assert store.get_run(run_id) == finished


def test_storing_an_entry_again_in_the_same_run_replaces_its_result(store: Store) -> None:
    store.sync_register(REGISTER, source="v1.xlsx")
    run_id = store.start_run("v1.xlsx")
    store.add_result(run_id, result(1, Status.TRANSIENT, error="timeout"))

    store.add_result(run_id, result(1, Status.OK, http_status=200))

    assert store.results_for_run(run_id) == [result(1, Status.OK, http_status=200)]
    finished = store.finish_run(run_id, RunState.COMPLETE)
    assert finished.total == 1 and finished.counts["transient"] == 0


def test_inconclusive_and_aborted_runs_keep_their_message(store: Store) -> None:
    store.sync_register(REGISTER, source="v1.xlsx")
    first = store.start_run("v1.xlsx")
    store.add_result(first, result(1, Status.TRANSIENT))
    inconclusive = store.finish_run(first, RunState.INCONCLUSIVE, "network down: 90% transient")
    second = store.start_run("v1.xlsx")
    aborted = store.abort_run(second, "cancelled by the operator")

    assert (inconclusive.state, inconclusive.message) == (
        RunState.INCONCLUSIVE,
        "network down: 90% transient",
    )
    assert (aborted.state, aborted.message, aborted.total) == (
        RunState.ABORTED,
        "cancelled by the operator",
        0,
    )
    assert [r.id for r in store.latest_runs(limit=1)] == [second]
    with pytest.raises(ValueError, match="cannot finish as"):
        store.finish_run(second, RunState.RUNNING)


def test_a_finished_run_takes_no_more_results(store: Store) -> None:
    store.sync_register(REGISTER, source="v1.xlsx")
    run_id = store.start_run("v1.xlsx")
    store.finish_run(run_id, RunState.COMPLETE)

    with pytest.raises(StoreError, match=f"run {run_id} is complete"):
        store.add_result(run_id, result(1))
    with pytest.raises(StoreError, match="already complete"):
        store.finish_run(run_id, RunState.INCONCLUSIVE)
    with pytest.raises(StoreError, match="run 999 does not exist"):
        store.add_result(999, result(1))
    assert store.get_run(999) is None


def test_a_result_for_an_unknown_entry_is_refused(store: Store) -> None:
    store.sync_register(REGISTER, source="v1.xlsx")
    run_id = store.start_run("v1.xlsx")
    with pytest.raises(StoreError, match=r"entry 42 .* not in the store"):
        store.add_result(run_id, result(42))
    store.add_result(run_id, result(1))  # the store is still usable
    assert len(store.results_for_run(run_id)) == 1


def test_a_result_refused_for_another_reason_says_that_reason(store: Store) -> None:
    # Not every refusal is a missing entry: the message carries the database's own words.
    store.sync_register(REGISTER, source="v1.xlsx")
    run_id = store.start_run("v1.xlsx")
    with pytest.raises(StoreError, match=r"refused: the database says: .*reason") as caught:
        store.add_results(run_id, [dataclasses.replace(result(1), reason=None)])  # type: ignore[arg-type]
    assert "not in the store" not in str(caught.value)


def test_history_is_newest_first_and_previous_result_skips_later_runs(store: Store) -> None:
    store.sync_register(REGISTER, source="v1.xlsx", now=T0)
    runs = []
    for day, status in enumerate([Status.OK, Status.TRANSIENT, Status.BROKEN]):
        when = T0 + timedelta(days=day)
        run_id = store.start_run("v1.xlsx", now=when)
        store.add_result(run_id, result(1, status), checked_at=when)
        if day != 1:  # entry 2 was not checked on day 1
            store.add_result(run_id, result(2, status), checked_at=when)
        store.finish_run(run_id, RunState.COMPLETE, now=when)
        runs.append(run_id)

    history = store.history(1)
    assert [(item.run.id, item.result.status) for item in history] == [
        (runs[2], Status.BROKEN),
        (runs[1], Status.TRANSIENT),
        (runs[0], Status.OK),
    ]
    assert history[0].run.started_at == T0 + timedelta(days=2)
    assert [item.run.id for item in store.history(1, limit=1)] == [runs[2]]
    assert store.history(3) == []

    previous = store.previous_result(2, before_run_id=runs[2])
    assert previous is not None and previous.status is Status.OK  # day 0: day 1 has none
    assert store.previous_result(2, before_run_id=runs[0]) is None
    assert {k: v.status for k, v in store.previous_results(runs[2]).items()} == {
        1: Status.TRANSIENT,
        2: Status.OK,
    }


def test_times_come_back_as_aware_utc(store: Store) -> None:
    cest = timezone(timedelta(hours=2))
    local = datetime(2025, 6, 1, 4, 30, tzinfo=cest)
    store.sync_register(REGISTER, source="v1.xlsx", now=local)
    run_id = store.start_run("v1.xlsx", now=local)

    run = store.get_run(run_id)
    info = store.entry(1)
    assert run is not None and info is not None
    assert run.started_at == datetime(2025, 6, 1, 2, 30, tzinfo=UTC)
    assert run.started_at.utcoffset() == timedelta(0)
    assert info.first_seen.tzinfo is not None and info.first_seen == local
    with pytest.raises(ValueError, match="naive datetime"):
        store.start_run("v1.xlsx", now=datetime(2025, 6, 1))


# -- runs left behind by a process that died ----------------------------------------------------


def _set_run(store: Store, run_id: int, **values: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(RunRow).where(RunRow.id == run_id).values(**values))


def test_start_run_aborts_runs_whose_process_is_gone(db_url: str) -> None:
    with Store.open(db_url, stale_after=timedelta(hours=2)) as store:
        store.sync_register(REGISTER, source="v1.xlsx", now=T0)
        host = socket.gethostname()
        quiet = store.start_run("v1.xlsx", now=T0)  # no sign of life for 3 hours
        store.add_result(quiet, result(1), checked_at=T0 + timedelta(minutes=5))
        dead = store.start_run("v1.xlsx", now=T0 + timedelta(hours=3))  # its process exited
        _set_run(store, dead, pid=dead_pid())
        elsewhere = store.start_run("v1.xlsx", now=T0 + timedelta(hours=3))  # pid unknowable
        _set_run(store, elsewhere, pid=dead_pid(), host=f"not-{host}")
        alive = store.start_run("v1.xlsx", now=T0 + timedelta(hours=3))  # this very process

        newest = store.start_run("v1.xlsx", now=T0 + timedelta(hours=3, minutes=1))

        states = {r.id: r for r in store.latest_runs(limit=10)}
        assert states[quiet].state is RunState.ABORTED
        assert states[quiet].message == STALE_RUN_MESSAGE
        assert states[quiet].finished_at == T0 + timedelta(minutes=5)  # its last heartbeat
        assert states[quiet].total == 1
        assert len(store.results_for_run(quiet)) == 1
        assert states[dead].state is RunState.ABORTED
        assert states[elsewhere].state is RunState.RUNNING
        assert states[alive].state is RunState.RUNNING
        assert states[newest].state is RunState.RUNNING


def test_a_heartbeat_keeps_a_long_run_from_being_aborted(db_url: str) -> None:
    with Store.open(db_url, stale_after=timedelta(hours=2)) as store:
        run_id = store.start_run("v1.xlsx", now=T0)
        _set_run(store, run_id, host="crawler-host-b")
        store.heartbeat(run_id, now=T0 + timedelta(hours=2))

        store.start_run("v1.xlsx", now=T0 + timedelta(hours=3))

        run = store.get_run(run_id)
        assert run is not None and run.state is RunState.RUNNING
        # Presumed dead later, it may still finish: the process knows best.
        store.start_run("v1.xlsx", now=T0 + timedelta(hours=5))
        assert store.finish_run(run_id, RunState.COMPLETE).state is RunState.COMPLETE


CHILD = r"""
import os, signal, sys
from crawler.model import CheckResult, Status
from crawler.store import Store
from crawler.store.api import _result_values, _upsert_result

store = Store.open(sys.argv[1])
run_id = store.start_run("register.xlsx")
for entry_id in (1, 2, 3):
    url = f"https://e{entry_id}.example/"
    store.add_result(run_id, CheckResult(entry_id, url, url, Status.OK, "ok", ""))
print(run_id, flush=True)
# Die halfway through writing the fourth result: inside its transaction, before the commit.
with store._write() as session:
    values = _result_values(CheckResult(4, "u", "u", Status.BROKEN, "x", ""))
    values.update(run_id=run_id, checked_at=store.get_run(run_id).started_at)
    _upsert_result(session, values)
    session.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_run_is_aborted_with_its_results_kept(db_url: str) -> None:
    with Store.open(db_url) as store:
        store.sync_register(
            [*REGISTER, Entry(4, "Tools", "X", "Four", "https://four.example/")], source="r"
        )

    child = subprocess.run(
        [sys.executable, "-c", CHILD, db_url],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    killed_run = int(child.stdout)

    with Store.open(db_url) as store:
        new_run = store.start_run("register.xlsx")

        old = store.get_run(killed_run)
        assert old is not None
        assert (old.state, old.message, old.total) == (RunState.ABORTED, STALE_RUN_MESSAGE, 3)
        assert [r.entry_id for r in store.results_for_run(killed_run)] == [1, 2, 3]
        assert new_run != killed_run
        with store.engine.connect() as conn:
            rows = conn.execute(select(ResultRow.entry_id).where(ResultRow.run_id == killed_run))
            assert sorted(rows.scalars()) == [1, 2, 3]  # the half-written one is gone

    if db_url.startswith("sqlite"):
        database = make_url(db_url).database
        assert database is not None
        with sqlite3.connect(database) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert raw.execute("PRAGMA foreign_key_check").fetchall() == []


# -- opening databases ----------------------------------------------------------------------


def test_a_malformed_url_is_named_without_its_password() -> None:
    with pytest.raises(StoreError) as caught:
        Store.open("postgresql+psycopg://lw:s3cret@db.example:notaport/linkwacht")
    assert "malformed database URL" in str(caught.value)
    assert "db.example" in str(caught.value)
    assert "s3cret" not in str(caught.value)

    with pytest.raises(StoreError, match="unsupported database URL 'nosuchdb://"):
        Store.open("nosuchdb://x/y")


def test_an_unreachable_server_is_named_without_its_password() -> None:
    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://lw:s3cret@127.0.0.1:{port}/linkwacht"

    with pytest.raises(StoreError) as caught:
        Store.open(url)

    message = str(caught.value)
    assert f"127.0.0.1:{port}/linkwacht" in message and "lw:***@" in message
    assert "s3cret" not in message


def test_sqlite_database_is_created_with_its_directory(tmp_path: Path) -> None:
    url = default_db_url(tmp_path / "nested" / "data")
    assert url == f"sqlite:///{tmp_path}/nested/data/linkwacht.db"

    with Store.open(url) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    assert (tmp_path / "nested" / "data" / "linkwacht.db").is_file()


def test_foreign_keys_are_enforced_after_migrating(db_url: str) -> None:
    # The migration turns SQLite's enforcement off; pooled connections must get it back.
    with (
        Store.open(db_url) as store,
        store.engine.connect() as conn,
        pytest.raises(IntegrityError, match=r"(?i)foreign key"),
    ):
        conn.execute(
            text(
                "INSERT INTO entry_changes (entry_id, field, changed_at, source)"
                " VALUES (12345, 'added', CURRENT_TIMESTAMP, 'x')"
            )
        )


def test_open_without_migrating_refuses_an_old_schema(db_url: str) -> None:
    with pytest.raises(StoreError, match="at schema revision None but this linkwacht needs"):
        Store.open(db_url, migrate=False)
    Store.open(db_url).close()
    with Store.open(db_url, migrate=False) as store:
        assert store.active_entries() == []
        assert "s3cret" not in store.url


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_an_unreaped_child_counts_as_gone() -> None:
    from crawler.store.api import _pid_alive

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        stat = Path(f"/proc/{child.pid}/stat")
        for _ in range(500):  # until it has exited; not reaped, so still a zombie
            if stat.read_text().rpartition(")")[2].split()[0] == "Z":
                break
            time.sleep(0.01)
        assert not _pid_alive(child.pid)
        assert _pid_alive(os.getpid())
    finally:
        child.wait()


def test_concurrent_writers_wait_for_each_other(db_url: str) -> None:
    # Several processes' worth of connections writing at once: on SQLite a transaction that
    # reads and then writes must wait for the lock rather than fail with "database is locked".
    with Store.open(db_url) as setup:
        setup.sync_register(REGISTER, source="v1.xlsx")
    stores = [Store.open(db_url, migrate=False) for _ in range(4)]
    errors: list[BaseException] = []
    run_ids: list[int] = []
    barrier = threading.Barrier(len(stores))

    def work(store: Store) -> None:
        try:
            barrier.wait()
            for _ in range(5):
                run_id = store.start_run("v1.xlsx")
                for entry in REGISTER:
                    store.add_result(run_id, result(entry.id))
                store.finish_run(run_id, RunState.COMPLETE)
                run_ids.append(run_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for store in stores:
        store.close()

    assert errors == []
    with Store.open(db_url) as store:
        runs = store.latest_runs(limit=100)
        assert len(runs) == 20 and {r.total for r in runs} == {3}


def test_first_snapshots_keep_all_64_bits_and_reset_when_the_url_changes(store: Store) -> None:
    from datetime import UTC, datetime

    from crawler.store.api import PageSnapshot

    store.sync_register([Entry(1, "S", "C", "T", "https://a.be/")], source="r.csv")
    big = (1 << 64) - 12345  # a simhash with the top bit set: BIGINT is signed
    snap = PageSnapshot("https://a.be/", "Titel", "nl", big, 321, datetime(2026, 1, 1, tzinfo=UTC))
    store.save_first_snapshots({1: snap})
    assert store.first_snapshots() == {1: snap}
    store.save_first_snapshots({1: snap})  # saving again replaces, never duplicates
    assert len(store.first_snapshots()) == 1
    store.sync_register([Entry(1, "S", "C", "T", "https://a.be/new")], source="r.csv")
    assert store.first_snapshots() == {}, "a new address is a new page"


def test_archive_answers_are_kept_and_replaced(store: Store) -> None:
    from datetime import UTC, datetime

    from crawler.store.api import ArchiveAnswer

    asked = datetime(2026, 11, 1, tzinfo=UTC)
    none = ArchiveAnswer(None, None, asked)
    store.save_archive_copies({"https://gone.be/": none})
    assert store.archive_copies(["https://gone.be/"]) == {"https://gone.be/": none}
    found = ArchiveAnswer(
        "http://web.archive.org/web/2020/https://gone.be/",
        datetime(2020, 5, 1, tzinfo=UTC),
        datetime(2026, 11, 29, tzinfo=UTC),
    )
    store.save_archive_copies({"https://gone.be/": found})
    assert store.archive_copies() == {"https://gone.be/": found}
