"""calendar bank holidays per nation

Revision ID: 52283638b954
Down revision: '413d017b952e'
Create Date: 2026-11-23 18:05:47.680047+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = '52283638b954'
down_revision: str | None = '413d017b952e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_bank_holiday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('division', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('deactivated_at', core.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('deactivated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_calendar_bank_holiday_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['deactivated_by_id'], ['user_account.id'], name=op.f('fk_calendar_bank_holiday_deactivated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_bank_holiday')),
    sa.UniqueConstraint('division', 'day', name=op.f('uq_calendar_bank_holiday_division_day'))
    )
    with op.batch_alter_table('calendar_bank_holiday', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_bank_holiday_day'), ['day'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('calendar_bank_holiday', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_bank_holiday_day'))

    op.drop_table('calendar_bank_holiday')
