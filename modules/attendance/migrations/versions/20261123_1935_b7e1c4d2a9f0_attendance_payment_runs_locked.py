"""attendance payment runs locked in the database: a confirmed run, its lines and its items refuse any change

Revision ID: b7e1c4d2a9f0
Down revision: '6654eaa88c36'
Create Date: 2026-11-23 19:35:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'b7e1c4d2a9f0'
down_revision: str | None = '6654eaa88c36'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "attendance payment run is confirmed and locked: corrections go in the next run"
CHILDREN = ("attendance_payment_line", "attendance_payment_item")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION attendance_payment_locked() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_TABLE_NAME = 'attendance_payment_run' THEN
                    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                IF EXISTS (SELECT 1 FROM attendance_payment_run
                           WHERE status = 'confirmed'
                             AND id IN (CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.run_id END,
                                        CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.run_id END)) THEN
                    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            END $$
        """)
        op.execute("CREATE TRIGGER attendance_payment_run_locked BEFORE UPDATE OR DELETE ON attendance_payment_run "
                   "FOR EACH ROW WHEN (OLD.status = 'confirmed') EXECUTE FUNCTION attendance_payment_locked()")
        for table in CHILDREN:
            op.execute(f"CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION attendance_payment_locked()")
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER attendance_payment_run_locked_{event.lower()} BEFORE {event} "
                   f"ON attendance_payment_run WHEN OLD.status = 'confirmed' "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
    for table in CHILDREN:
        for event, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
            op.execute(f"CREATE TRIGGER {table}_locked_{event.lower()} BEFORE {event} ON {table} "
                       f"WHEN (SELECT status FROM attendance_payment_run WHERE id = {row}.run_id) = 'confirmed' "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER attendance_payment_run_locked ON attendance_payment_run")
        for table in CHILDREN:
            op.execute(f"DROP TRIGGER {table}_locked ON {table}")
        op.execute("DROP FUNCTION attendance_payment_locked()")
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER attendance_payment_run_locked_{event.lower()}")
    for table in CHILDREN:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER {table}_locked_{event.lower()}")
