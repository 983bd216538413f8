"""The attendance module loads and contributes its parts; with it disabled the core works without them."""

import pytest
from sqlalchemy import select

from modules.attendance.models import NonAttendanceReason


@pytest.mark.modules("attendance")
def test_enabled_module_registers_its_permissions_and_lists(app):
    registry = app.extensions["ppp"]
    names = set(dict(registry.permissions.items()))

    assert {"attendance.register.mark", "attendance.service_user.view", "attendance.fire_register.view"} <= names


@pytest.mark.modules("attendance")
def test_default_reasons_say_which_are_paid(db):
    reasons = {row.code: row.paid for row in db.session.scalars(select(NonAttendanceReason))}

    assert reasons["sick"] is False
    assert reasons["medical_appointment"] is True
    assert reasons["no_reason"] is False


def test_disabled_module_adds_nothing(app, client, login_as):
    login_as()
    registry = app.extensions["ppp"]

    assert not [name for name, _ in registry.permissions.items() if name.startswith("attendance.")]
    assert client.get("/attendance/").status_code == 404
    assert client.get("/").status_code == 200
