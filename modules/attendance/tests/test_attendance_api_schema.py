"""A bounded, repeatable schemathesis run over the attendance module's own operations (tests/test_api_schema.py runs
with no module enabled): no server error, and no answer off the document's own schema."""

from datetime import date

import pytest

from core.api.testing import bearer, make_token, schemathesis_failures
from modules.attendance import services

pytestmark = pytest.mark.modules("attendance")


@pytest.mark.app_config(API_RATE_LIMIT_PER_MINUTE=0)
def test_schemathesis_finds_no_server_error_in_any_attendance_operation(
        app, db, create_user, act_as, all_permissions, make_section, make_service_user):
    act_as(*all_permissions)
    woodwork = make_section("Woodwork")
    ann = make_service_user("Ann", "Smith")
    pattern = services.save_pattern(ann, woodwork.id, date(2026, 9, 14), date(2026, 12, 18), [(1, "AM")]).pattern
    meeting = services.record_meeting(ann, "consultation", date(2026, 9, 1), "Ann, her key worker", "", None)
    headers = bearer(make_token(create_user(*all_permissions, "intentions.manage", name="Schema Caller")))
    known = {"service_user_id": ann.id, "section_id": woodwork.id, "pattern_id": pattern.id,
             "meeting_id": meeting.id}

    operations, failures = schemathesis_failures(
        app, headers, known, wanted=lambda path: path.startswith("/api/v1/attendance/"))

    assert operations >= 20
    assert failures == [], "\n\n".join(failures)
