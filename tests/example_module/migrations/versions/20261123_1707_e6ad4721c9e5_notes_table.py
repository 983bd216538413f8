"""notes table

Revision ID: e6ad4721c9e5
Down revision: None
Create Date: 2026-11-23 17:07:08.262983+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = "e6ad4721c9e5"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("notes",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notes_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("about", sa.String(length=200), nullable=False),
        sa.Column("note_type_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("written_by_id", sa.Integer(), nullable=False),
        sa.Column("written_at", core.types.AwareDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", core.types.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["note_type_id"], ["lookup_value.id"], name=op.f("fk_notes_note_note_type_id_lookup_value")
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"], ["user_account.id"], name=op.f("fk_notes_note_written_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes_note")),
    )
    with op.batch_alter_table("notes_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_note_written_at"), ["written_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notes_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_note_written_at"))

    op.drop_table("notes_note")
