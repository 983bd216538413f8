"""api tokens and webhooks

Revision ID: cdb89c6f5204
Down revision: 'e3b6016d80a4'
Create Date: 2026-11-23 17:12:19.861840+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = 'cdb89c6f5204'
down_revision: str | None = 'e3b6016d80a4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', core.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', core.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('rate_minute', sa.Integer(), nullable=False),
    sa.Column('rate_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_api_token_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'], name=op.f('fk_api_token_revoked_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('api_webhook_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_api_webhook_subscription_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_webhook_subscription'))
    )
    op.create_table('api_webhook_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=80), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', core.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', core.types.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['api_webhook_subscription.id'], name=op.f('fk_api_webhook_delivery_subscription_id_api_webhook_subscription')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_webhook_delivery')),
    sa.UniqueConstraint('event_id', name=op.f('uq_api_webhook_delivery_event_id'))
    )
    with op.batch_alter_table('api_webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_api_webhook_delivery_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_api_webhook_delivery_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_webhook_delivery_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('api_webhook_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('attempted_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['api_webhook_delivery.id'], name=op.f('fk_api_webhook_attempt_delivery_id_api_webhook_delivery'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_webhook_attempt'))
    )
    with op.batch_alter_table('api_webhook_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_webhook_attempt_delivery_id'), ['delivery_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('api_webhook_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_webhook_attempt_delivery_id'))
    op.drop_table('api_webhook_attempt')
    with op.batch_alter_table('api_webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_webhook_delivery_subscription_id'))
        batch_op.drop_index('ix_api_webhook_delivery_status_next_attempt_at')
        batch_op.drop_index('ix_api_webhook_delivery_created_at')
    op.drop_table('api_webhook_delivery')
    op.drop_table('api_webhook_subscription')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))
    op.drop_table('api_token')
