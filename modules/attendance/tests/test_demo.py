"""The demo shows a working provider, and loading it twice adds nothing."""

import pytest
from sqlalchemy import func, select

from core.lookups import services as lookups
from modules.attendance.models import (
    ATTENDED,
    NOT_ATTENDED,
    Attendance,
    Pattern,
    RegisterAlert,
    Section,
    ServiceUser,
)

pytestmark = pytest.mark.modules("attendance")


def load_demo(app, db):
    """What ppp demo does: every load_demo_data implementation, core areas first, in load order."""
    lookups.sync()
    system = app.extensions["ppp"]
    implementations = system.pm.hook.load_demo_data.get_hookimpls()
    for module in system.loaded:
        for impl in implementations:
            if impl.plugin_name == module.name:
                impl.function()
                db.session.flush()


def counts(db):
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Section, ServiceUser, Pattern, Attendance, RegisterAlert)}


def test_demo_provider_with_programmes_and_marked_registers(app, db):
    load_demo(app, db)
    first = counts(db)
    load_demo(app, db)

    assert counts(db) == first
    assert first["Section"] == 3 and first["ServiceUser"] == 8
    marked = dict(db.session.execute(
        select(Attendance.status, func.count()).where(Attendance.status != "planned").group_by(Attendance.status)
    ).tuples().all())
    assert marked[ATTENDED] > 50 and marked[NOT_ATTENDED] > 3
    assert first["RegisterAlert"] >= 1


def test_demo_registers_use_paid_and_unpaid_reasons(app, db):
    from modules.attendance.models import NonAttendanceReason

    load_demo(app, db)

    used = db.session.execute(
        select(NonAttendanceReason.code, NonAttendanceReason.paid).join(
            Attendance, Attendance.reason_id == NonAttendanceReason.id).distinct()
    ).tuples().all()
    assert len(used) >= 3
    assert {paid for _code, paid in used} == {True, False}
