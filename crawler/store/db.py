"""Engines and schema migrations for the store, on SQLite or PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (11 MB, 70 ms to import) is loaded only to migrate: a database already at the
# newest revision is recognised with plain SQL (see head_revision / current_revision).

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DB_FILE_NAME = "linkwacht.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option marking connections that will write: on SQLite they take the write lock
# at BEGIN (see _configure_sqlite).
WRITE_OPTION = "linkwacht_write"


class StoreError(Exception):
    """The store cannot do what was asked. The message is for the operator and never holds a
    password."""


def safe_url(url: str | URL) -> str:
    """``url`` with any password masked, fit for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # Unparseable: mask whatever sits between "user:" and "@".
        return re.sub(r"(//[^/@:]*:)[^@/]*@", r"\1***@", str(url))


def default_db_url(data_dir: Path) -> str:
    """The SQLite database used when no URL is configured: ``data_dir/linkwacht.db``."""
    return URL.create("sqlite", database=str(Path(data_dir) / DB_FILE_NAME)).render_as_string()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; raises StoreError for a malformed or unsupported URL.

    Nothing is connected yet: unreachable servers are reported by ``upgrade``,
    ``current_revision`` or the first store call.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # The parser's message may quote the URL, password and all.
        raise StoreError(f"malformed database URL {safe_url(url)!r}") from None
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite:
        _create_sqlite_dir(parsed)
    try:
        # pre_ping: a nightly run keeps its engine for hours; the server may drop idle links.
        engine = create_engine(parsed, pool_pre_ping=not is_sqlite)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"unsupported database URL {safe_url(parsed)!r}: {exc}") from None
    if is_sqlite:
        _configure_sqlite(engine)
    return engine


def _create_sqlite_dir(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the directory for {safe_url(url)!r}: {exc}") from None


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Python's sqlite3 module skips BEGIN before SELECT and DDL, so reads and migrations
        # would not be one transaction; take BEGIN over (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # WAL: the report can read while the crawler writes, and a killed writer leaves
            # the database intact.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # In WAL mode NORMAL never corrupts and survives a killed process; only a power
            # cut can lose the last commits. It spares one fsync per commit.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A deferred transaction that reads and then writes fails at once with "database is
        # locked" when another writer got in between; writers wait for the lock up front.
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def describe_db_error(engine: Engine, exc: DBAPIError) -> str:
    """A one-line message naming the database (password masked) and the driver's complaint."""
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    return f"database {safe_url(engine.url)!r}: {detail}"


def alembic_config(engine: Engine | None = None) -> Config:
    """The alembic configuration of the store's migrations; no alembic.ini involved."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        # configparser treats "%" specially (URL-escaped passwords).
        url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
        config.set_main_option("sqlalchemy.url", url)
    return config


def head_revision() -> str:
    """The revision this code expects the database to be at: migrations form one line,
    numbered "0001", "0002"... and named after their number ("0005_snapshots_archive.py";
    tests/test_migrations.py holds alembic to the same answer)."""
    numbers = [p.name[:4] for p in (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    assert numbers, "the store has no migrations"
    return max(numbers)


def current_revision(engine: Engine) -> str | None:
    """The database's alembic revision, or None for a database never migrated."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        raise StoreError(describe_db_error(engine, exc)) from exc


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest) in one transaction."""
    from alembic import command

    _run_alembic(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database back to ``revision``, in one transaction."""
    from alembic import command

    _run_alembic(engine, command.downgrade, revision)


def _run_alembic(engine: Engine, step: Any, revision: str) -> None:
    from alembic.util.exc import CommandError

    config = alembic_config(engine)
    try:
        with migration_connection(engine) as conn:
            config.attributes["connection"] = conn
            step(config, revision)
    except CommandError as exc:
        # Typically a database written by a newer linkwacht (a revision this code lacks).
        raise StoreError(f"cannot migrate {safe_url(engine.url)!r}: {exc}") from None
    except DBAPIError as exc:
        raise StoreError(describe_db_error(engine, exc)) from exc


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside one transaction, ready for schema changes.

    On SQLite, batch migrations rebuild a table by copy, drop and rename; with foreign keys
    enforced, dropping a referenced table would fail or cascade. SQLite's own procedure for
    that: switch enforcement off outside the transaction, check the keys before committing,
    and switch it back on.
    """
    with engine.execution_options(**{WRITE_OPTION: True}).connect() as conn:
        if conn.dialect.name != "sqlite":
            with conn.begin():
                yield conn
            return
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")  # no transaction open yet, so this takes effect
        try:
            with conn.begin():
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StoreError(
                        f"migration of {safe_url(engine.url)!r} left dangling references: "
                        f"{broken[:5]}"
                    )
        finally:
            # The connection goes back to the pool: it must enforce foreign keys again.
            raw.execute("PRAGMA foreign_keys=ON")
