"""attendance payments: dated rates, payment runs, their lines and items, paid days and settings

Revision ID: 578b370ed8ed
Down revision: 'dc46641f5626'
Create Date: 2026-11-23 18:10:51.916589+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = '578b370ed8ed'
down_revision: str | None = 'dc46641f5626'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attendance_payment_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('originator_sort_code', sa.String(length=6), nullable=False),
    sa.Column('originator_account_number', sa.String(length=8), nullable=False),
    sa.Column('originator_name', sa.String(length=18), nullable=False),
    sa.Column('reference_prefix', sa.String(length=12), nullable=False),
    sa.Column('denominations', sa.String(length=100), nullable=False),
    sa.Column('csv_columns', sa.String(length=200), nullable=False),
    sa.Column('csv_header', sa.Boolean(), nullable=False),
    sa.Column('updated_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_attendance_payment_settings_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_payment_settings'))
    )
    op.create_table('attendance_payment_rate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('amount_pence', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_pence >= 0', name=op.f('ck_attendance_payment_rate_amount')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_attendance_payment_rate_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_payment_rate')),
    sa.UniqueConstraint('effective_from', name=op.f('uq_attendance_payment_rate_effective_from'))
    )
    op.create_table('attendance_payment_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('payment_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total_pence', sa.Integer(), nullable=False),
    sa.Column('bacs_total_pence', sa.Integer(), nullable=False),
    sa.Column('cash_total_pence', sa.Integer(), nullable=False),
    sa.Column('adjustment_total_pence', sa.Integer(), nullable=False),
    sa.Column('half_days', sa.Integer(), nullable=False),
    sa.Column('denominations', sa.String(length=100), nullable=False),
    sa.Column('reference', sa.String(length=18), nullable=False),
    sa.Column('calculated_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', core.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status = 'draft' OR confirmed_at IS NOT NULL", name=op.f('ck_attendance_payment_run_confirmed_when')),
    sa.CheckConstraint("status IN ('draft', 'confirmed')", name=op.f('ck_attendance_payment_run_status')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_attendance_payment_run_period')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_attendance_payment_run_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_attendance_payment_run_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_payment_run'))
    )
    op.create_table('attendance_payment_paid_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['attendance_payment_run.id'], name=op.f('fk_attendance_payment_paid_day_run_id_attendance_payment_run')),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_attendance_payment_paid_day'))
    )
    with op.batch_alter_table('attendance_payment_paid_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_payment_paid_day_run_id'), ['run_id'], unique=False)

    op.create_table('attendance_payment_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('service_user_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('half', sa.String(length=2), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('rate_pence', sa.Integer(), nullable=True),
    sa.Column('amount_pence', sa.Integer(), nullable=False),
    sa.CheckConstraint("half IN ('AM', 'PM')", name=op.f('ck_attendance_payment_item_half')),
    sa.CheckConstraint("kind IN ('due', 'adjustment')", name=op.f('ck_attendance_payment_item_kind')),
    sa.ForeignKeyConstraint(['run_id'], ['attendance_payment_run.id'], name=op.f('fk_attendance_payment_item_run_id_attendance_payment_run'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['section_id'], ['attendance_section.id'], name=op.f('fk_attendance_payment_item_section_id_attendance_section')),
    sa.ForeignKeyConstraint(['service_user_id'], ['attendance_service_user.id'], name=op.f('fk_attendance_payment_item_service_user_id_attendance_service_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_payment_item')),
    sa.UniqueConstraint('run_id', 'service_user_id', 'day', 'half', name=op.f('uq_attendance_payment_item_run_id_service_user_id_day_half'))
    )
    with op.batch_alter_table('attendance_payment_item', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_payment_item_half_day', ['service_user_id', 'day', 'half'], unique=False)

    op.create_table('attendance_payment_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('service_user_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('half_days', sa.Integer(), nullable=False),
    sa.Column('amount_pence', sa.Integer(), nullable=False),
    sa.Column('adjustment_pence', sa.Integer(), nullable=False),
    sa.Column('total_pence', sa.Integer(), nullable=False),
    sa.Column('account_name', sa.String(length=100), nullable=False),
    sa.Column('sort_code', sa.String(length=6), nullable=False),
    sa.Column('account_number', sa.String(length=8), nullable=False),
    sa.Column('bank_problem', sa.String(length=300), nullable=False),
    sa.Column('bank_warning', sa.String(length=300), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.CheckConstraint("method IN ('bacs', 'cash')", name=op.f('ck_attendance_payment_line_method')),
    sa.CheckConstraint('total_pence = amount_pence + adjustment_pence', name=op.f('ck_attendance_payment_line_total')),
    sa.ForeignKeyConstraint(['run_id'], ['attendance_payment_run.id'], name=op.f('fk_attendance_payment_line_run_id_attendance_payment_run'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_user_id'], ['attendance_service_user.id'], name=op.f('fk_attendance_payment_line_service_user_id_attendance_service_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_payment_line')),
    sa.UniqueConstraint('run_id', 'service_user_id', name=op.f('uq_attendance_payment_line_run_id_service_user_id'))
    )
    with op.batch_alter_table('attendance_payment_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_payment_line_service_user_id'), ['service_user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('attendance_payment_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_payment_line_service_user_id'))

    op.drop_table('attendance_payment_line')
    with op.batch_alter_table('attendance_payment_item', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_payment_item_half_day')

    op.drop_table('attendance_payment_item')
    with op.batch_alter_table('attendance_payment_paid_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_payment_paid_day_run_id'))

    op.drop_table('attendance_payment_paid_day')
    op.drop_table('attendance_payment_run')
    op.drop_table('attendance_payment_rate')
    op.drop_table('attendance_payment_settings')
