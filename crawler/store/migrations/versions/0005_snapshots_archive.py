"""First-seen page snapshots (content drift) and web-archive answers (dead links).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "entry_snapshots",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("fingerprint", sa.BigInteger(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("taken_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_entry_snapshots_entry_id_entries")
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_entry_snapshots")),
    )
    op.create_table(
        "archive_copies",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("copy_url", sa.Text(), nullable=True),
        sa.Column("archived_at", UTC_DATETIME, nullable=True),
        sa.Column("looked_up_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("url", name=op.f("pk_archive_copies")),
    )


def downgrade() -> None:
    op.drop_table("archive_copies")
    op.drop_table("entry_snapshots")
