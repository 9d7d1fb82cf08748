"""Shared pytest fixtures. Keep each concern in its own section."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

# == Databases =====================================================================
# `db_url` runs a test once on SQLite (a fresh file) and once on PostgreSQL (a fresh schema,
# dropped afterwards). PostgreSQL tests are marked `postgres`; they skip when the server is
# unreachable, or fail when LINKWACHT_REQUIRE_PG=1 (as in CI).

PG_URL_ENV = "LINKWACHT_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_base_url() -> str:
    return os.environ.get(PG_URL_ENV) or DEFAULT_PG_URL


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """The PostgreSQL server URL, once checked to answer (a skip is remembered per session)."""
    url = _pg_base_url()
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        reason = f"PostgreSQL not reachable at {shown}: {detail}"
        if os.environ.get("LINKWACHT_REQUIRE_PG") == "1":
            pytest.fail(reason + " (LINKWACHT_REQUIRE_PG=1)", pytrace=False)
        pytest.skip(reason)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A URL whose connections work in a new, empty schema (alembic's table included)."""
    schema = f"lw_test_{secrets.token_hex(6)}"
    admin = create_engine(pg_server_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg_server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            # A test that leaked an open transaction should fail, not hang the suite.
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'linkwacht.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database, once per backend."""
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))
