"""The alembic migrations: they build exactly the ORM schema and upgrade old databases."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from crawler.model import CheckResult, Entry, Hop, Status
from crawler.store import STALE_RUN_MESSAGE, RunState, Store, StoreError
from crawler.store.db import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    upgrade,
)
from crawler.store.models import Base

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    made = make_engine(db_url)
    yield made
    made.dispose()


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_to_head_builds_exactly_the_orm_schema(engine: Engine) -> None:
    assert current_revision(engine) is None

    upgrade(engine)

    assert current_revision(engine) == head_revision() == "0005"
    assert schema_differences(engine) == []


def test_head_revision_is_alembics_head_and_files_are_named_after_their_revision() -> None:
    # head_revision() reads file names (alembic is not loaded to open a database at head).
    scripts = ScriptDirectory.from_config(alembic_config())
    assert head_revision() == scripts.get_current_head()
    for script in scripts.walk_revisions():
        assert script.path is not None
        assert Path(script.path).name.startswith(f"{script.revision}_")


def test_opening_a_database_at_head_does_not_load_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'at_head.db'}"
    Store.open(url).close()  # creates and migrates
    code = (
        "import sys; from crawler.store import Store; "
        f"Store.open({url!r}).close(); print('alembic' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "False"


def test_the_schema_comparison_notices_a_missing_migration(engine: Engine) -> None:
    upgrade(engine, "0001")
    found = {repr(diff) for diff in schema_differences(engine)}
    assert any("entry_changes" in diff for diff in found)
    assert any("heartbeat_at" in diff for diff in found)


def test_env_py_can_open_its_own_connection(engine: Engine) -> None:
    # The path used by the alembic command line: a URL (here with %-escapes), no connection.
    command.upgrade(alembic_config(engine), "head")
    assert current_revision(engine) == "0005"


def _old_timestamp(engine: Engine, value: str) -> str:
    # What the 0001-era code stored: naive UTC text on SQLite, timestamptz on PostgreSQL.
    return value if engine.dialect.name == "sqlite" else value + "+00"


def test_upgrading_a_0001_database_keeps_its_data(db_url: str, engine: Engine) -> None:
    upgrade(engine, "0001")
    t_seen = _old_timestamp(engine, "2025-10-01 02:00:00")
    t_done = _old_timestamp(engine, "2025-10-01 02:40:00")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO entries (id, section, category, title, url, position, first_seen,"
                " last_seen_in_register, retired)"
                " VALUES (7, 'Data', 'Portals', 'Portal', 'http://portal.example/', 0, :t, :t,"
                " FALSE), (9, 'Tools', 'Editors', 'Editor', 'https://editor.example/', 1, :t,"
                " :t, FALSE)"
            ),
            {"t": t_seen},
        )
        conn.execute(
            text(
                "INSERT INTO runs (started_at, finished_at, state, register, total, counts,"
                " pid, host) VALUES"  # ids 1 and 2 from the sequence, as the old code got them
                " (:t, :done, 'complete', 'register.xlsx', 1, '{\"redirected\": 1}', 11,"
                " 'old-host'),"
                " (:done, NULL, 'running', 'register.xlsx', NULL, NULL, 12, 'old-host')"
            ),
            {"t": t_seen, "done": t_done},
        )
        conn.execute(
            text(
                "INSERT INTO results (run_id, entry_id, url, requested_url, final_url,"
                " redirects, http_status, status, reason, advice, minor, notes, checked_at)"
                " VALUES (1, 7, 'http://portal.example/', 'http://portal.example/',"
                " 'https://portal.example/',"
                ' \'[{"url": "http://portal.example/", "status": 301}]\','
                " 200, 'redirected', 'scheme_upgrade', 'Use https.', TRUE, '[]', :t)"
            ),
            {"t": t_done},
        )

    upgrade(engine)

    assert schema_differences(engine) == []
    with Store.open(db_url) as store:
        assert [e.id for e in store.active_entries()] == [7, 9]
        assert store.results_for_run(1) == [
            CheckResult(
                entry_id=7,
                url="http://portal.example/",
                requested_url="http://portal.example/",
                status=Status.REDIRECTED,
                reason="scheme_upgrade",
                advice="Use https.",
                final_url="https://portal.example/",
                http_status=200,
                redirects=(Hop("http://portal.example/", 301),),
                minor=True,
            )
        ]
        done = datetime(2025, 10, 1, 2, 40, tzinfo=UTC)
        old_run = store.get_run(1)
        assert old_run is not None
        assert (old_run.state, old_run.counts, old_run.heartbeat_at) == (
            RunState.COMPLETE,
            {"redirected": 1},
            done,  # backfilled from finished_at
        )
        # The change log starts with the entries that already existed.
        assert [(c.field, c.new_value, c.changed_at) for c in store.changes(7)] == [
            ("added", "http://portal.example/", datetime(2025, 10, 1, 2, 0, tzinfo=UTC))
        ]

        # The new columns and table work on the old data: the run left running in October
        # is stale (heartbeat backfilled from its start) and a URL change is logged.
        store.start_run("register.xlsx")
        stale = store.get_run(2)
        assert stale is not None
        assert (stale.state, stale.message, stale.finished_at) == (
            RunState.ABORTED,
            STALE_RUN_MESSAGE,
            done,
        )
        report = store.sync_register(
            [
                Entry(7, "Data", "Portals", "Portal", "https://portal.example/"),
                Entry(9, "Tools", "Editors", "Editor", "https://editor.example/"),
            ],
            source="register-v2.xlsx",
        )
        assert report.lines() == [
            "changed 7 url: http://portal.example/ -> https://portal.example/"
        ]
        assert [c.field for c in store.changes(7)] == ["added", "url"]


def test_downgrade_and_upgrade_again_keep_runs_and_results(db_url: str, engine: Engine) -> None:
    with Store.open(db_url) as store:
        store.sync_register([Entry(1, "S", "C", "T", "https://t.example/")], source="r.xlsx")
        run_id = store.start_run("r.xlsx")
        store.add_result(run_id, CheckResult(1, "u", "u", Status.OK, "ok", ""))
        store.finish_run(run_id, RunState.COMPLETE, "all good")

    # On SQLite, dropping the run columns rebuilds `runs`, which `results` refers to.
    downgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    upgrade(engine)

    with Store.open(db_url, migrate=False) as store:
        run = store.get_run(run_id)
        assert run is not None and run.state is RunState.COMPLETE and run.total == 1
        assert run.message is None  # that column went away with the downgrade
        assert [r.entry_id for r in store.results_for_run(run_id)] == [1]


def test_a_database_from_a_newer_linkwacht_is_refused(db_url: str, engine: Engine) -> None:
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))

    with pytest.raises(StoreError, match=r"cannot migrate .*0099"):
        Store.open(db_url)
    with pytest.raises(StoreError, match="at schema revision 0099"):
        Store.open(db_url, migrate=False)
