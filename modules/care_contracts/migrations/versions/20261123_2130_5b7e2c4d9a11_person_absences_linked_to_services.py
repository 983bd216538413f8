"""person absences linked to services; bed allocation versions

Revision ID: 5b7e2c4d9a11
Down revision: '26ad357ce858'
Create Date: 2026-11-23 21:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = '5b7e2c4d9a11'
down_revision: str | None = '26ad357ce858'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('care_contracts_person_absence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('absence_type_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('notes', sa.String(length=500), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('end_date IS NULL OR end_date > start_date', name=op.f('ck_care_contracts_person_absence_ends_after_start')),
    sa.ForeignKeyConstraint(['absence_type_id'], ['care_contracts_absence_type.id'], name=op.f('fk_care_contracts_person_absence_absence_type_id_care_contracts_absence_type')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_care_contracts_person_absence_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_contracts_person_absence'))
    )
    with op.batch_alter_table('care_contracts_person_absence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_contracts_person_absence_person_id'), ['person_id'], unique=False)

    op.create_table('care_contracts_person_absence_service',
    sa.Column('person_absence_id', sa.Integer(), nullable=False),
    sa.Column('person_contract_service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_absence_id'], ['care_contracts_person_absence.id'], name=op.f('fk_care_contracts_person_absence_service_person_absence_id_care_contracts_person_absence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_contract_service_id'], ['care_contracts_person_contract_service.id'], name=op.f('fk_care_contracts_person_absence_service_person_contract_service_id_care_contracts_person_contract_service')),
    sa.PrimaryKeyConstraint('person_absence_id', 'person_contract_service_id', name=op.f('pk_care_contracts_person_absence_service'))
    )
    with op.batch_alter_table('care_contracts_person_absence_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_contracts_person_absence_service_person_contract_service_id'), ['person_contract_service_id'], unique=False)

    # each service absence becomes a person absence of the service's person, keeping its id, linked to that service
    op.execute(
        "INSERT INTO care_contracts_person_absence "
        "(id, person_id, absence_type_id, start_date, end_date, notes, created_at, version) "
        "SELECT a.id, c.person_id, a.absence_type_id, a.start_date, a.end_date, a.notes, a.created_at, 1 "
        "FROM care_contracts_service_absence a "
        "JOIN care_contracts_person_contract_service s ON s.id = a.person_contract_service_id "
        "JOIN care_contracts_person_contract c ON c.id = s.person_contract_id"
    )
    op.execute(
        "INSERT INTO care_contracts_person_absence_service (person_absence_id, person_contract_service_id) "
        "SELECT id, person_contract_service_id FROM care_contracts_service_absence"
    )
    if op.get_bind().dialect.name == "postgresql":  # ids were copied: the next new absence must come after them
        op.execute(
            "SELECT setval(pg_get_serial_sequence('care_contracts_person_absence', 'id'), "
            "COALESCE((SELECT MAX(id) FROM care_contracts_person_absence), 0) + 1, false)"
        )

    with op.batch_alter_table('care_contracts_service_absence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_contracts_service_absence_person_contract_service_id'))
    op.drop_table('care_contracts_service_absence')

    # bed allocations get a version, so a change through the API can say which one it read (If-Match)
    with op.batch_alter_table('care_contracts_bed_allocation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('care_contracts_bed_allocation', schema=None) as batch_op:
        batch_op.alter_column('version', existing_type=sa.Integer(), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('care_contracts_bed_allocation', schema=None) as batch_op:
        batch_op.drop_column('version')

    op.create_table('care_contracts_service_absence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_contract_service_id', sa.Integer(), nullable=False),
    sa.Column('absence_type_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('notes', sa.String(length=500), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_date IS NULL OR end_date > start_date', name=op.f('ck_care_contracts_service_absence_ends_after_start')),
    sa.ForeignKeyConstraint(['absence_type_id'], ['care_contracts_absence_type.id'], name=op.f('fk_care_contracts_service_absence_absence_type_id_care_contracts_absence_type')),
    sa.ForeignKeyConstraint(['person_contract_service_id'], ['care_contracts_person_contract_service.id'], name=op.f('fk_care_contracts_service_absence_person_contract_service_id_care_contracts_person_contract_service')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_contracts_service_absence'))
    )
    with op.batch_alter_table('care_contracts_service_absence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_contracts_service_absence_person_contract_service_id'), ['person_contract_service_id'], unique=False)

    # each link becomes a service absence (an absence linked to two services becomes two); an absence linked to no
    # service cannot be kept in the old shape and is dropped
    op.execute(
        "INSERT INTO care_contracts_service_absence "
        "(person_contract_service_id, absence_type_id, start_date, end_date, notes, created_at) "
        "SELECT l.person_contract_service_id, a.absence_type_id, a.start_date, a.end_date, a.notes, a.created_at "
        "FROM care_contracts_person_absence_service l "
        "JOIN care_contracts_person_absence a ON a.id = l.person_absence_id "
        "ORDER BY a.id, l.person_contract_service_id"
    )

    with op.batch_alter_table('care_contracts_person_absence_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_contracts_person_absence_service_person_contract_service_id'))
    op.drop_table('care_contracts_person_absence_service')
    with op.batch_alter_table('care_contracts_person_absence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_contracts_person_absence_person_id'))
    op.drop_table('care_contracts_person_absence')
