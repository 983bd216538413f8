"""security login attempts for sign-in throttling

Revision ID: e3b6016d80a4
Down revision: '6a064dbd06a6'
Create Date: 2026-11-23 17:06:56.819262+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = 'e3b6016d80a4'
down_revision: str | None = '6a064dbd06a6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('security_login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempted_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_login_attempt'))
    )
    with op.batch_alter_table('security_login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_security_login_attempt_attempted_at', ['attempted_at'], unique=False)
        batch_op.create_index('ix_security_login_attempt_email_attempted_at', ['email', 'attempted_at'], unique=False)
        batch_op.create_index('ix_security_login_attempt_ip_address_attempted_at', ['ip_address', 'attempted_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('security_login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_security_login_attempt_ip_address_attempted_at')
        batch_op.drop_index('ix_security_login_attempt_email_attempted_at')
        batch_op.drop_index('ix_security_login_attempt_attempted_at')

    op.drop_table('security_login_attempt')
