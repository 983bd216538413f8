"""places: places, streets, LPIs, delivery points, classifications, gazetteer imports

Revision ID: 4daa9770852a
Down revision: 'cdb89c6f5204'
Create Date: 2026-11-23 17:12:35.324194+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = '4daa9770852a'
down_revision: str | None = 'cdb89c6f5204'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uprn', sa.BigInteger(), nullable=True),
    sa.Column('logical_status', sa.String(length=12), nullable=False),
    sa.Column('parent_uprn', sa.BigInteger(), nullable=True),
    sa.Column('easting', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('northing', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=10, scale=7), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=10, scale=7), nullable=True),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('postcode_locator', sa.String(length=8), nullable=True),
    sa.Column('display_address', sa.String(length=500), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('sub_building', sa.String(length=200), nullable=True),
    sa.Column('building_name', sa.String(length=200), nullable=True),
    sa.Column('building_number', sa.String(length=30), nullable=True),
    sa.Column('street', sa.String(length=200), nullable=True),
    sa.Column('locality', sa.String(length=200), nullable=True),
    sa.Column('town', sa.String(length=100), nullable=True),
    sa.Column('usrn', sa.Integer(), nullable=True),
    sa.Column('local_custodian_code', sa.Integer(), nullable=True),
    sa.Column('classification_code', sa.String(length=6), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('last_update_date', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place')),
    sa.UniqueConstraint('uprn', name=op.f('uq_place_uprn'))
    )
    with op.batch_alter_table('place', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_parent_uprn'), ['parent_uprn'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_postcode'), ['postcode'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_usrn'), ['usrn'], unique=False)

    op.create_table('place_address_dpa',
    sa.Column('udprn', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('uprn', sa.BigInteger(), nullable=False),
    sa.Column('organisation_name', sa.String(length=60), nullable=True),
    sa.Column('department_name', sa.String(length=60), nullable=True),
    sa.Column('sub_building_name', sa.String(length=30), nullable=True),
    sa.Column('building_name', sa.String(length=80), nullable=True),
    sa.Column('building_number', sa.Integer(), nullable=True),
    sa.Column('dependent_thoroughfare', sa.String(length=80), nullable=True),
    sa.Column('thoroughfare', sa.String(length=80), nullable=True),
    sa.Column('double_dependent_locality', sa.String(length=35), nullable=True),
    sa.Column('dependent_locality', sa.String(length=35), nullable=True),
    sa.Column('post_town', sa.String(length=30), nullable=True),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('postcode_type', sa.String(length=1), nullable=True),
    sa.Column('delivery_point_suffix', sa.String(length=2), nullable=True),
    sa.Column('welsh_dependent_thoroughfare', sa.String(length=80), nullable=True),
    sa.Column('welsh_thoroughfare', sa.String(length=80), nullable=True),
    sa.Column('welsh_double_dependent_locality', sa.String(length=35), nullable=True),
    sa.Column('welsh_dependent_locality', sa.String(length=35), nullable=True),
    sa.Column('welsh_post_town', sa.String(length=30), nullable=True),
    sa.Column('po_box_number', sa.String(length=6), nullable=True),
    sa.Column('process_date', sa.Date(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('last_update_date', sa.Date(), nullable=True),
    sa.Column('entry_date', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('udprn', name=op.f('pk_place_address_dpa'))
    )
    with op.batch_alter_table('place_address_dpa', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_address_dpa_uprn'), ['uprn'], unique=False)

    op.create_table('place_address_lpi',
    sa.Column('lpi_key', sa.String(length=14), nullable=False),
    sa.Column('uprn', sa.BigInteger(), nullable=False),
    sa.Column('language', sa.String(length=3), nullable=False),
    sa.Column('logical_status', sa.String(length=12), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('last_update_date', sa.Date(), nullable=True),
    sa.Column('entry_date', sa.Date(), nullable=True),
    sa.Column('sao_start_number', sa.Integer(), nullable=True),
    sa.Column('sao_start_suffix', sa.String(length=2), nullable=True),
    sa.Column('sao_end_number', sa.Integer(), nullable=True),
    sa.Column('sao_end_suffix', sa.String(length=2), nullable=True),
    sa.Column('sao_text', sa.String(length=90), nullable=True),
    sa.Column('pao_start_number', sa.Integer(), nullable=True),
    sa.Column('pao_start_suffix', sa.String(length=2), nullable=True),
    sa.Column('pao_end_number', sa.Integer(), nullable=True),
    sa.Column('pao_end_suffix', sa.String(length=2), nullable=True),
    sa.Column('pao_text', sa.String(length=90), nullable=True),
    sa.Column('usrn', sa.Integer(), nullable=True),
    sa.Column('usrn_match_indicator', sa.String(length=1), nullable=True),
    sa.Column('area_name', sa.String(length=35), nullable=True),
    sa.Column('level', sa.String(length=30), nullable=True),
    sa.Column('official', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('lpi_key', name=op.f('pk_place_address_lpi'))
    )
    with op.batch_alter_table('place_address_lpi', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_address_lpi_uprn'), ['uprn'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_address_lpi_usrn'), ['usrn'], unique=False)

    op.create_table('place_classification',
    sa.Column('class_key', sa.String(length=14), nullable=False),
    sa.Column('uprn', sa.BigInteger(), nullable=False),
    sa.Column('classification_code', sa.String(length=6), nullable=False),
    sa.Column('class_scheme', sa.String(length=60), nullable=True),
    sa.Column('scheme_version', sa.String(length=10), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('last_update_date', sa.Date(), nullable=True),
    sa.Column('entry_date', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('class_key', name=op.f('pk_place_classification'))
    )
    with op.batch_alter_table('place_classification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_classification_uprn'), ['uprn'], unique=False)

    op.create_table('place_street',
    sa.Column('usrn', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=3), nullable=False),
    sa.Column('description', sa.String(length=110), nullable=True),
    sa.Column('locality', sa.String(length=35), nullable=True),
    sa.Column('town', sa.String(length=30), nullable=True),
    sa.Column('administrative_area', sa.String(length=30), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('last_update_date', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('usrn', 'language', name=op.f('pk_place_street'))
    )
    op.create_table('place_gazetteer_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_size', sa.BigInteger(), nullable=True),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('started_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', core.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.Text(), nullable=False),
    sa.Column('rejections', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['started_by_id'], ['user_account.id'], name=op.f('fk_place_gazetteer_import_started_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place_gazetteer_import'))
    )
    with op.batch_alter_table('place_gazetteer_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_gazetteer_import_started_at'), ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_gazetteer_import_status'), ['status'], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("place_gazetteer_import", ("ix_place_gazetteer_import_status", "ix_place_gazetteer_import_started_at")),
        ("place_street", ()),
        ("place_classification", ("ix_place_classification_uprn",)),
        ("place_address_lpi", ("ix_place_address_lpi_usrn", "ix_place_address_lpi_uprn")),
        ("place_address_dpa", ("ix_place_address_dpa_uprn",)),
        ("place", ("ix_place_usrn", "ix_place_postcode", "ix_place_parent_uprn")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)
