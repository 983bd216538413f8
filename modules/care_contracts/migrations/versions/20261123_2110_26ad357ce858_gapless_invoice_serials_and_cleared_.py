"""gapless invoice serials and cleared transactions

Revision ID: 26ad357ce858
Down revision: 'be45d0834896'
Create Date: 2026-11-23 21:10:14.616461+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = '26ad357ce858'
down_revision: str | None = 'be45d0834896'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('care_contracts_finance_invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('serial', sa.Integer(), nullable=True))
    # invoices already issued were numbered from their ids: they keep those numbers, and the sequence goes on from
    # the highest, so no new number repeats an old one
    op.execute("UPDATE care_contracts_finance_invoice SET serial = id")
    with op.batch_alter_table('care_contracts_finance_invoice', schema=None) as batch_op:
        batch_op.alter_column('serial', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_care_contracts_finance_invoice_serial'), ['serial'])

    with op.batch_alter_table('care_contracts_finance_transaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cleared_at', core.types.AwareDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('care_contracts_finance_transaction', schema=None) as batch_op:
        batch_op.drop_column('cleared_at')

    with op.batch_alter_table('care_contracts_finance_invoice', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_care_contracts_finance_invoice_serial'), type_='unique')
        batch_op.drop_column('serial')
