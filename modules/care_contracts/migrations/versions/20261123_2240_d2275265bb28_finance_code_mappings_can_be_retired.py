"""finance code mappings can be retired

Revision ID: d2275265bb28
Down revision: '5b7e2c4d9a11'
Create Date: 2026-11-23 22:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd2275265bb28'
down_revision: str | None = '5b7e2c4d9a11'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # every existing mapping is in use; the server default fills them, then goes, as on the other active columns
    with op.batch_alter_table('care_contracts_finance_code_mapping', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('care_contracts_finance_code_mapping', schema=None) as batch_op:
        batch_op.alter_column('active', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('care_contracts_finance_code_mapping', schema=None) as batch_op:
        batch_op.drop_column('active')
