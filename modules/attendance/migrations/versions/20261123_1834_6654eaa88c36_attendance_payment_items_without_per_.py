"""attendance payment items without per-row foreign keys: a year's run writes tens of thousands in bulk

Revision ID: 6654eaa88c36
Down revision: '578b370ed8ed'
Create Date: 2026-11-23 18:34:20.193931+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '6654eaa88c36'
down_revision: str | None = '578b370ed8ed'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _foreign_keys_to(*tables: str) -> list[str]:
    # PostgreSQL shortens long constraint names with a hash and SQLite does not, so read the names from the database
    keys = sa.inspect(op.get_bind()).get_foreign_keys("attendance_payment_item")
    return [key["name"] for key in keys if key["referred_table"] in tables]


def upgrade() -> None:
    names = _foreign_keys_to("attendance_service_user", "attendance_section")
    with op.batch_alter_table('attendance_payment_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_payment_item_half_day'))
        for name in names:
            batch_op.drop_constraint(name, type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('attendance_payment_item', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_attendance_payment_item_section_id_attendance_section', 'attendance_section', ['section_id'], ['id'])
        batch_op.create_foreign_key('fk_attendance_payment_item_service_user_id', 'attendance_service_user', ['service_user_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_attendance_payment_item_half_day'), ['service_user_id', 'day', 'half'], unique=False)
