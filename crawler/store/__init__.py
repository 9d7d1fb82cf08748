"""Linkwacht's database: register entries, runs, results and their history.

SQLite by default (``default_db_url``), PostgreSQL when configured; the schema is kept by the
alembic migrations in ``migrations/``, applied by ``Store.open``.
"""

from crawler.store.api import (
    DEFAULT_STALE_AFTER,
    STALE_RUN_MESSAGE,
    EntryChange,
    EntryInfo,
    FieldChange,
    HistoryItem,
    RunInfo,
    RunState,
    Store,
    SyncReport,
)
from crawler.store.db import (
    StoreError,
    current_revision,
    default_db_url,
    head_revision,
    make_engine,
    safe_url,
    upgrade,
)

__all__ = [
    "DEFAULT_STALE_AFTER",
    "STALE_RUN_MESSAGE",
    "EntryChange",
    "EntryInfo",
    "FieldChange",
    "HistoryItem",
    "RunInfo",
    "RunState",
    "Store",
    "StoreError",
    "SyncReport",
    "current_revision",
    "default_db_url",
    "head_revision",
    "make_engine",
    "safe_url",
    "upgrade",
]
