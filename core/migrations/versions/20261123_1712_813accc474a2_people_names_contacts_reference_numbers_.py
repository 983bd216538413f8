"""people: names, contacts, reference numbers, addresses, relationships, workers and teams

Revision ID: 813accc474a2
Down revision: '4daa9770852a'
Create Date: 2026-11-23 17:12:59.833191+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = '813accc474a2'
down_revision: str | None = '4daa9770852a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('person_identifier_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('validation', sa.String(length=40), nullable=False),
    sa.Column('pattern', sa.String(length=500), nullable=False),
    sa.Column('unique', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_identifier_type')),
    sa.UniqueConstraint('code', name=op.f('uq_person_identifier_type_code'))
    )

    op.create_table('person_relationship_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('label_a', sa.String(length=200), nullable=False),
    sa.Column('label_b', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_relationship_type')),
    sa.UniqueConstraint('code', name=op.f('uq_person_relationship_type_code'))
    )

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=40), nullable=True),
    sa.Column('first_names', sa.String(length=200), nullable=False),
    sa.Column('last_name', sa.String(length=200), nullable=False),
    sa.Column('preferred_name', sa.String(length=200), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('date_of_death', sa.Date(), nullable=True),
    sa.Column('gender_id', sa.Integer(), nullable=True),
    sa.Column('ethnicity_id', sa.Integer(), nullable=True),
    sa.Column('disability_id', sa.Integer(), nullable=True),
    sa.Column('religion_id', sa.Integer(), nullable=True),
    sa.Column('sexual_orientation_id', sa.Integer(), nullable=True),
    sa.Column('preferred_language_id', sa.Integer(), nullable=True),
    sa.Column('interpreter_required', sa.Boolean(), nullable=False),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('search_name', sa.Text(), nullable=False),
    sa.Column('safeguarding_notes', sa.Text(), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['disability_id'], ['lookup_value.id'], name=op.f('fk_person_disability_id_lookup_value')),
    sa.ForeignKeyConstraint(['ethnicity_id'], ['lookup_value.id'], name=op.f('fk_person_ethnicity_id_lookup_value')),
    sa.ForeignKeyConstraint(['gender_id'], ['lookup_value.id'], name=op.f('fk_person_gender_id_lookup_value')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['person.id'], name=op.f('fk_person_merged_into_id_person')),
    sa.ForeignKeyConstraint(['preferred_language_id'], ['lookup_value.id'], name=op.f('fk_person_preferred_language_id_lookup_value')),
    sa.ForeignKeyConstraint(['religion_id'], ['lookup_value.id'], name=op.f('fk_person_religion_id_lookup_value')),
    sa.ForeignKeyConstraint(['sexual_orientation_id'], ['lookup_value.id'], name=op.f('fk_person_sexual_orientation_id_lookup_value')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_date_of_birth'), ['date_of_birth'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_last_name'), ['last_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_index('ix_person_sort_name', ['last_name', 'first_names', 'id'], unique=False)
    # search by any part of a name, and near misses, through trigrams; SQLite gets a plain index search does not use
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_person_search_name_trgm",
        "person",
        ["search_name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_name": "gin_trgm_ops"},
    )

    op.create_table('person_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('address_type_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('end_date IS NULL OR start_date IS NULL OR end_date >= start_date', name=op.f('ck_person_address_dates')),
    sa.ForeignKeyConstraint(['address_type_id'], ['lookup_value.id'], name=op.f('fk_person_address_address_type_id_lookup_value')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_address_person_id_person')),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_person_address_place_id_place')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_address'))
    )
    with op.batch_alter_table('person_address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_address_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_address_place_id'), ['place_id'], unique=False)

    op.create_table('person_contact_detail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('contact_type_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=320), nullable=False),
    sa.Column('preferred', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_type_id'], ['lookup_value.id'], name=op.f('fk_person_contact_detail_contact_type_id_lookup_value')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_contact_detail_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_contact_detail'))
    )
    with op.batch_alter_table('person_contact_detail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_contact_detail_person_id'), ['person_id'], unique=False)

    op.create_table('person_identifier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('identifier_type_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=120), nullable=False),
    sa.Column('match_key', sa.String(length=120), nullable=False),
    sa.Column('unique_key', sa.String(length=120), nullable=True),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['identifier_type_id'], ['person_identifier_type.id'], name=op.f('fk_person_identifier_identifier_type_id_person_identifier_type')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_identifier_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_identifier')),
    sa.UniqueConstraint('identifier_type_id', 'unique_key', name=op.f('uq_person_identifier_identifier_type_id_unique_key'))
    )
    with op.batch_alter_table('person_identifier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_identifier_match_key'), ['match_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_identifier_person_id'), ['person_id'], unique=False)

    op.create_table('person_previous_name',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('first_names', sa.String(length=200), nullable=False),
    sa.Column('last_name', sa.String(length=200), nullable=False),
    sa.Column('used_from', sa.Date(), nullable=True),
    sa.Column('used_until', sa.Date(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_previous_name_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_previous_name'))
    )
    with op.batch_alter_table('person_previous_name', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_previous_name_person_id'), ['person_id'], unique=False)

    op.create_table('person_relationship',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_a_id', sa.Integer(), nullable=False),
    sa.Column('person_b_id', sa.Integer(), nullable=False),
    sa.Column('relationship_type_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_date IS NULL OR start_date IS NULL OR end_date >= start_date', name=op.f('ck_person_relationship_dates')),
    sa.CheckConstraint('person_a_id <> person_b_id', name=op.f('ck_person_relationship_two_people')),
    sa.ForeignKeyConstraint(['person_a_id'], ['person.id'], name=op.f('fk_person_relationship_person_a_id_person')),
    sa.ForeignKeyConstraint(['person_b_id'], ['person.id'], name=op.f('fk_person_relationship_person_b_id_person')),
    sa.ForeignKeyConstraint(['relationship_type_id'], ['person_relationship_type.id'], name=op.f('fk_person_relationship_relationship_type_id_person_relationship_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_relationship'))
    )
    with op.batch_alter_table('person_relationship', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_relationship_person_a_id'), ['person_a_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_relationship_person_b_id'), ['person_b_id'], unique=False)

    op.create_table('person_team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_person_team_dates')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_team_person_id_person')),
    sa.ForeignKeyConstraint(['team_id'], ['access_team.id'], name=op.f('fk_person_team_team_id_access_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_team'))
    )
    with op.batch_alter_table('person_team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_team_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_team_team_id'), ['team_id'], unique=False)

    op.create_table('person_worker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_person_worker_dates')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_worker_person_id_person')),
    sa.ForeignKeyConstraint(['role_id'], ['lookup_value.id'], name=op.f('fk_person_worker_role_id_lookup_value')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_person_worker_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_worker'))
    )
    with op.batch_alter_table('person_worker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_worker_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_worker_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    # dropping a table drops its indexes; pg_trgm stays, as other tables may use it
    op.drop_table('person_worker')
    op.drop_table('person_team')
    op.drop_table('person_relationship')
    op.drop_table('person_previous_name')
    op.drop_table('person_identifier')
    op.drop_table('person_contact_detail')
    op.drop_table('person_address')
    op.drop_table('person')
    op.drop_table('person_relationship_type')
    op.drop_table('person_identifier_type')
