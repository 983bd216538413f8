"""attendance tables

Revision ID: dc46641f5626
Down revision: None
Create Date: 2026-11-23 18:06:15.754372+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = 'dc46641f5626'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ('attendance',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attendance_non_attendance_reason',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('paid', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_non_attendance_reason')),
    sa.UniqueConstraint('code', name=op.f('uq_attendance_non_attendance_reason_code'))
    )
    # the default reasons; administrators rename them, change which are paid and add their own on the reasons screen
    reasons = sa.table(
        "attendance_non_attendance_reason",
        sa.column("code", sa.String), sa.column("label", sa.String), sa.column("paid", sa.Boolean),
        sa.column("active", sa.Boolean), sa.column("sort_order", sa.Integer), sa.column("version", sa.Integer),
    )
    op.bulk_insert(reasons, [
        {"code": code, "label": label, "paid": paid, "active": True, "sort_order": order, "version": 1}
        for order, (code, label, paid) in enumerate([
            ("sick", "Illness", False),
            ("medical_appointment", "Medical or therapy appointment", True),
            ("job_interview", "Job interview or work trial", True),
            ("holiday", "Holiday", False),
            ("bereavement", "Bereavement", True),
            ("sent_home", "Sent home by staff", True),
            ("transport", "Transport did not arrive", True),
            ("no_reason", "No reason given", False),
        ], start=1)
    ])
    op.create_table('attendance_premises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('assembly_point', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_attendance_premises_place_id_place')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_premises')),
    sa.UniqueConstraint('name', name=op.f('uq_attendance_premises_name'))
    )
    op.create_table('attendance_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('premises_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('staff_team_id', sa.Integer(), nullable=True),
    sa.Column('opening_days', sa.String(length=7), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_attendance_section_capacity')),
    sa.ForeignKeyConstraint(['manager_id'], ['user_account.id'], name=op.f('fk_attendance_section_manager_id_user_account')),
    sa.ForeignKeyConstraint(['premises_id'], ['attendance_premises.id'], name=op.f('fk_attendance_section_premises_id_attendance_premises')),
    sa.ForeignKeyConstraint(['staff_team_id'], ['access_team.id'], name=op.f('fk_attendance_section_staff_team_id_access_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_section')),
    sa.UniqueConstraint('premises_id', 'name', name=op.f('uq_attendance_section_premises_id_name'))
    )
    with op.batch_alter_table('attendance_section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_section_manager_id'), ['manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_section_premises_id'), ['premises_id'], unique=False)

    op.create_table('attendance_register_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('half', sa.String(length=2), nullable=False),
    sa.Column('unmarked', sa.Integer(), nullable=False),
    sa.Column('raised_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', core.types.AwareDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("half IN ('AM', 'PM')", name=op.f('ck_attendance_register_alert_half')),
    sa.ForeignKeyConstraint(['section_id'], ['attendance_section.id'], name=op.f('fk_attendance_register_alert_section_id_attendance_section')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_register_alert')),
    sa.UniqueConstraint('section_id', 'day', 'half', name=op.f('uq_attendance_register_alert_section_id_day_half'))
    )
    op.create_table('attendance_section_closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_attendance_section_closure_dates')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_attendance_section_closure_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['section_id'], ['attendance_section.id'], name=op.f('fk_attendance_section_closure_section_id_attendance_section')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_section_closure'))
    )
    with op.batch_alter_table('attendance_section_closure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_section_closure_section_id'), ['section_id'], unique=False)

    op.create_table('attendance_service_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('referral_date', sa.Date(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('funder_id', sa.Integer(), nullable=True),
    sa.Column('contract_reference', sa.String(length=100), nullable=False),
    sa.Column('key_worker_id', sa.Integer(), nullable=True),
    sa.Column('medical_conditions', sa.Text(), nullable=False),
    sa.Column('special_needs', sa.Text(), nullable=False),
    sa.Column('payment_method', sa.String(length=10), nullable=False),
    sa.Column('bank_account_name', sa.String(length=100), nullable=False),
    sa.Column('bank_sort_code', sa.String(length=6), nullable=False),
    sa.Column('bank_account_number', sa.String(length=8), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('move_on_outcome_id', sa.Integer(), nullable=True),
    sa.Column('move_on_date', sa.Date(), nullable=True),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("payment_method IN ('bacs', 'cash')", name=op.f('ck_attendance_service_user_payment_method')),
    sa.CheckConstraint('end_date IS NULL OR start_date IS NULL OR end_date >= start_date', name=op.f('ck_attendance_service_user_dates')),
    sa.CheckConstraint('start_date IS NULL OR start_date >= referral_date', name=op.f('ck_attendance_service_user_start_after_referral')),
    sa.ForeignKeyConstraint(['funder_id'], ['lookup_value.id'], name=op.f('fk_attendance_service_user_funder_id_lookup_value')),
    sa.ForeignKeyConstraint(['key_worker_id'], ['user_account.id'], name=op.f('fk_attendance_service_user_key_worker_id_user_account')),
    sa.ForeignKeyConstraint(['move_on_outcome_id'], ['lookup_value.id'], name=op.f('fk_attendance_service_user_move_on_outcome_id_lookup_value')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_attendance_service_user_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_service_user')),
    sa.UniqueConstraint('person_id', name=op.f('uq_attendance_service_user_person_id'))
    )
    with op.batch_alter_table('attendance_service_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_service_user_key_worker_id'), ['key_worker_id'], unique=False)

    op.create_table('attendance_emergency_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('relationship_to', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_user_id'], ['attendance_service_user.id'], name=op.f('fk_attendance_emergency_contact_service_user_id_attendance_service_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_emergency_contact'))
    )
    with op.batch_alter_table('attendance_emergency_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_emergency_contact_service_user_id'), ['service_user_id'], unique=False)

    op.create_table('attendance_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('next_review_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('consultation', 'review')", name=op.f('ck_attendance_meeting_kind')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_attendance_meeting_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['service_user_id'], ['attendance_service_user.id'], name=op.f('fk_attendance_meeting_service_user_id_attendance_service_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_meeting'))
    )
    with op.batch_alter_table('attendance_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_meeting_next_review_on'), ['next_review_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_meeting_service_user_id'), ['service_user_id'], unique=False)

    op.create_table('attendance_pattern',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_user_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('created_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_attendance_pattern_dates')),
    sa.ForeignKeyConstraint(['section_id'], ['attendance_section.id'], name=op.f('fk_attendance_pattern_section_id_attendance_section')),
    sa.ForeignKeyConstraint(['service_user_id'], ['attendance_service_user.id'], name=op.f('fk_attendance_pattern_service_user_id_attendance_service_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_pattern'))
    )
    with op.batch_alter_table('attendance_pattern', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_pattern_section_id'), ['section_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_pattern_service_user_id'), ['service_user_id'], unique=False)

    op.create_table('attendance_meeting_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('intention_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['intention_id'], ['intention_record.id'], name=op.f('fk_attendance_meeting_action_intention_id_intention_record')),
    sa.ForeignKeyConstraint(['meeting_id'], ['attendance_meeting.id'], name=op.f('fk_attendance_meeting_action_meeting_id_attendance_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_meeting_action'))
    )
    with op.batch_alter_table('attendance_meeting_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_meeting_action_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('attendance_pattern_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pattern_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('half', sa.String(length=2), nullable=False),
    sa.CheckConstraint("half IN ('AM', 'PM')", name=op.f('ck_attendance_pattern_slot_half')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_attendance_pattern_slot_weekday')),
    sa.ForeignKeyConstraint(['pattern_id'], ['attendance_pattern.id'], name=op.f('fk_attendance_pattern_slot_pattern_id_attendance_pattern')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_pattern_slot')),
    sa.UniqueConstraint('pattern_id', 'weekday', 'half', name=op.f('uq_attendance_pattern_slot_pattern_id_weekday_half'))
    )
    with op.batch_alter_table('attendance_pattern_slot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_pattern_slot_pattern_id'), ['pattern_id'], unique=False)

    op.create_table('attendance_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_user_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('half', sa.String(length=2), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason_id', sa.Integer(), nullable=True),
    sa.Column('pattern_id', sa.Integer(), nullable=True),
    sa.Column('planned', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', core.types.AwareDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("half IN ('AM', 'PM')", name=op.f('ck_attendance_record_half')),
    sa.CheckConstraint("status = 'not_attended' OR reason_id IS NULL", name=op.f('ck_attendance_record_reason_only_when_absent')),
    sa.CheckConstraint("status IN ('planned', 'attended', 'not_attended')", name=op.f('ck_attendance_record_status')),
    sa.ForeignKeyConstraint(['marked_by_id'], ['user_account.id'], name=op.f('fk_attendance_record_marked_by_id_user_account')),
    sa.ForeignKeyConstraint(['pattern_id'], ['attendance_pattern.id'], name=op.f('fk_attendance_record_pattern_id_attendance_pattern')),
    sa.ForeignKeyConstraint(['reason_id'], ['attendance_non_attendance_reason.id'], name=op.f('fk_attendance_record_reason_id_attendance_non_attendance_reason')),
    sa.ForeignKeyConstraint(['section_id'], ['attendance_section.id'], name=op.f('fk_attendance_record_section_id_attendance_section')),
    sa.ForeignKeyConstraint(['service_user_id'], ['attendance_service_user.id'], name=op.f('fk_attendance_record_service_user_id_attendance_service_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_record')),
    sa.UniqueConstraint('service_user_id', 'day', 'half', name=op.f('uq_attendance_record_service_user_id_day_half'))
    )
    with op.batch_alter_table('attendance_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_record_pattern_id'), ['pattern_id'], unique=False)
        batch_op.create_index('ix_attendance_record_register', ['section_id', 'day', 'half'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('attendance_record', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_record_register')
        batch_op.drop_index(batch_op.f('ix_attendance_record_pattern_id'))

    op.drop_table('attendance_record')
    with op.batch_alter_table('attendance_pattern_slot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_pattern_slot_pattern_id'))

    op.drop_table('attendance_pattern_slot')
    with op.batch_alter_table('attendance_meeting_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_meeting_action_meeting_id'))

    op.drop_table('attendance_meeting_action')
    with op.batch_alter_table('attendance_pattern', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_pattern_service_user_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_pattern_section_id'))

    op.drop_table('attendance_pattern')
    with op.batch_alter_table('attendance_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_meeting_service_user_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_meeting_next_review_on'))

    op.drop_table('attendance_meeting')
    with op.batch_alter_table('attendance_emergency_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_emergency_contact_service_user_id'))

    op.drop_table('attendance_emergency_contact')
    with op.batch_alter_table('attendance_service_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_service_user_key_worker_id'))

    op.drop_table('attendance_service_user')
    with op.batch_alter_table('attendance_section_closure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_section_closure_section_id'))

    op.drop_table('attendance_section_closure')
    op.drop_table('attendance_register_alert')
    with op.batch_alter_table('attendance_section', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_section_premises_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_section_manager_id'))

    op.drop_table('attendance_section')
    op.drop_table('attendance_premises')
    op.drop_table('attendance_non_attendance_reason')
