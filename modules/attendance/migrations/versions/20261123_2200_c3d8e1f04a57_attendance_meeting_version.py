"""attendance meetings carry a version, so a change or removal made on an old copy is refused

Revision ID: c3d8e1f04a57
Down revision: 'b7e1c4d2a9f0'
Create Date: 2026-11-23 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c3d8e1f04a57'
down_revision: str | None = 'b7e1c4d2a9f0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('attendance_meeting', schema=None) as batch_op:
        # meetings recorded before this start at version 1
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('attendance_meeting', schema=None) as batch_op:
        batch_op.alter_column('version', existing_type=sa.Integer(), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('attendance_meeting', schema=None) as batch_op:
        batch_op.drop_column('version')
