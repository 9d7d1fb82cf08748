"""Change log of register entries; run heartbeat and message.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-29

``heartbeat_at`` lets a new run tell a crashed run (no sign of life for hours) from a live
one; existing runs get their last known time. Existing entries get an "added" record dated
``first_seen`` so that every entry's change log starts at the beginning.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)
BACKFILL_SOURCE = "(existing before the change log)"


def upgrade() -> None:
    op.create_table(
        "entry_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("changed_at", UTC_DATETIME, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_entry_changes_entry_id_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_changes")),
    )
    op.create_index(op.f("ix_entry_changes_entry_id"), "entry_changes", ["entry_id"])
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("message", sa.Text(), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", UTC_DATETIME, nullable=True))

    # Plain SQL on both backends: the stored datetime format is copied unchanged.
    op.execute("UPDATE runs SET heartbeat_at = COALESCE(finished_at, started_at)")
    op.execute(
        sa.text(
            "INSERT INTO entry_changes (entry_id, field, old_value, new_value, changed_at, source)"
            " SELECT id, 'added', NULL, url, first_seen, :source FROM entries ORDER BY id"
        ).bindparams(source=BACKFILL_SOURCE)
    )


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("message")
    op.drop_index(op.f("ix_entry_changes_entry_id"), table_name="entry_changes")
    op.drop_table("entry_changes")
