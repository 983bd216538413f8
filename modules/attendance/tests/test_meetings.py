"""Meetings changed and removed: shared checks, further actions, cancelled intentions, audit, screens and API."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from core.api.testing import bearer, make_token
from core.audit.models import AuditEvent
from core.extensions import db as _db
from core.intentions import services as intentions
from core.intentions.models import Intention
from modules.attendance import services
from modules.attendance.models import Meeting, MeetingAction

pytestmark = pytest.mark.modules("attendance")

RECORDER = ("attendance.service_user.view", "attendance.meeting.record", "intentions.manage")


@pytest.fixture
def ada(db, make_service_user):
    return make_service_user("Ada", "Jones")


@pytest.fixture
def priya(create_user):
    return create_user("intentions.manage", name="Priya Shah")


@pytest.fixture
def review(db, act_as, ada, priya, on_day):
    """A review of 20 November 2026 (today, 23 November) with two agreed actions for Priya."""
    act_as(*RECORDER, name="Sam Patel")
    on_day(date(2026, 11, 23))
    return services.record_meeting(
        ada, "review", date(2026, 11, 20), "Ada, Priya (key worker)", "Settled in well at Woodwork.",
        date(2027, 2, 19),
        [services.AgreedAction("Find a work-trial placement with a joinery firm", priya.id, date(2026, 12, 18)),
         services.AgreedAction("Book a bus pass review", priya.id, date(2026, 12, 4))],
    )


def _intentions_of(person_id: int) -> list[Intention]:
    return list(_db.session.scalars(select(Intention).where(Intention.person_id == person_id).order_by(Intention.id)))


def test_changing_the_date_and_next_review_moves_the_review_due(db, review, ada):
    assert [(item.service_user.id, item.due_on) for item in services.reviews_due(within_days=28)] == []

    services.change_meeting(review, "review", date(2026, 11, 13), "Ada, Priya (key worker), Ada's mother",
                            "Settled in well at Woodwork. Wants more hours.", date(2026, 12, 11))

    assert (review.held_on, review.next_review_on, review.version) == (date(2026, 11, 13), date(2026, 12, 11), 2)
    assert review.notes == "Settled in well at Woodwork. Wants more hours."
    assert [(item.service_user.id, item.due_on, item.last_meeting) for item in services.reviews_due(within_days=28)] \
        == [(ada.id, date(2026, 12, 11), date(2026, 11, 13))]


def test_a_future_date_is_refused_naming_held_on(db, review):
    with pytest.raises(services.AttendanceError) as refused:
        services.change_meeting(review, "review", date(2026, 11, 24), "", "", None)

    assert refused.value.field == "held_on"
    assert str(refused.value) == "The date of the meeting must be today or in the past"


def test_a_further_action_becomes_an_intention_and_earlier_ones_stay(db, review, ada, create_user):
    kim = create_user("intentions.manage", name="Kim Lowe")

    services.change_meeting(review, "review", date(2026, 11, 20), review.attendees, review.notes,
                            review.next_review_on,
                            [services.AgreedAction("Ask the college about a carpentry course", kim.id,
                                                   date(2027, 1, 8))])

    assert [(i.note, i.assigned_user.name, i.due_on, i.status) for i in _intentions_of(ada.person_id)] == [
        ("Find a work-trial placement with a joinery firm", "Priya Shah", date(2026, 12, 18), "open"),
        ("Book a bus pass review", "Priya Shah", date(2026, 12, 4), "open"),
        ("Ask the college about a carpentry course", "Kim Lowe", date(2027, 1, 8), "open"),
    ]
    assert len(review.actions) == 3
    assert [item.note for item in intentions.my_work(kim, today=date(2026, 11, 23)).items] == [
        "Ask the college about a carpentry course"]


def test_a_further_action_without_a_due_date_is_refused(db, review, priya):
    with pytest.raises(services.AttendanceError) as refused:
        services.change_meeting(review, "review", date(2026, 11, 20), "", "", None,
                                [services.AgreedAction("Phone the GP", priya.id, None)])

    assert refused.value.field == "actions-0-due_on"


def test_removing_cancels_open_actions_and_leaves_done_ones(db, review, ada):
    booked, placement = sorted(review.actions, key=lambda action: action.intention.due_on)
    intentions.complete(booked.intention)

    cancelled = services.remove_meeting(review)

    assert cancelled == 1
    assert db.session.scalars(select(Meeting).where(Meeting.service_user_id == ada.id)).all() == []
    assert db.session.scalars(select(MeetingAction)).all() == []
    assert {i.note: i.status for i in _intentions_of(ada.person_id)} == {
        "Find a work-trial placement with a joinery firm": "cancelled",
        "Book a bus pass review": "done",
    }


def test_change_and_removal_are_audited_with_the_person(db, review, ada):
    meeting_id = str(review.id)
    services.change_meeting(review, "review", date(2026, 11, 20), review.attendees, review.notes, date(2027, 1, 15))
    services.remove_meeting(review)

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "attendance_meeting", AuditEvent.entity_id == meeting_id)
        .order_by(AuditEvent.id)
    ).all()
    assert [(event.action, event.person_id, event.actor_name) for event in events] == [
        ("create", ada.person_id, "Sam Patel"), ("update", ada.person_id, "Sam Patel"),
        ("delete", ada.person_id, "Sam Patel")]
    assert events[1].changes == {"next_review_on": ["2027-02-19", "2027-01-15"]}
    assert events[2].changes["notes"] == ["Settled in well at Woodwork.", None]
    links = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "attendance_meeting_action", AuditEvent.action == "delete")
    ).all()
    assert [event.person_id for event in links] == [ada.person_id, ada.person_id]


def test_changing_or_removing_needs_the_record_permission(db, review, act_as):
    act_as("attendance.service_user.view", "intentions.manage")

    with pytest.raises(Exception, match="attendance.meeting.record"):
        services.change_meeting(review, "review", date(2026, 11, 20), "", "", None)
    with pytest.raises(Exception, match="attendance.meeting.record"):
        services.remove_meeting(review)


# --- screens -----------------------------------------------------------------------------------------------------


def _values(page: str) -> dict[str, str]:
    """Each input's value by its id (a date's three boxes are held_on-day, held_on-month, held_on-year)."""
    return dict(re.findall(r'id="([\w-]+)"[^>]*value="([^"]*)"', page))


def test_change_screen_is_prefilled_and_saves(client, login_as, db, review, ada, priya):
    login_as(*RECORDER, name="Sam Patel")
    profile = client.get(f"/attendance/service-users/{ada.id}").get_data(as_text=True)
    change_url = f"/attendance/service-users/{ada.id}/meetings/{review.id}/change"
    assert change_url in profile
    assert f"/attendance/service-users/{ada.id}/meetings/{review.id}/remove" in profile

    page = client.get(change_url).get_data(as_text=True)
    assert "Change a meeting" in page and "Further agreed actions" in page
    assert "Settled in well at Woodwork." in page and "Ada, Priya (key worker)" in page
    assert "Find a work-trial placement with a joinery firm" in page
    values = _values(page)
    assert (values["held_on-day"], values["held_on-month"], values["held_on-year"]) == ("20", "11", "2026")
    assert (values["next_review_on-day"], values["next_review_on-month"], values["next_review_on-year"]) == (
        "19", "02", "2027")
    assert '<input type="hidden" name="version" value="1">' in page
    assert 'value="review" checked' in page

    form = {"version": "1", "kind": "review", "held_on": ["20", "11", "2026"],
            "attendees": "Ada, Priya (key worker)", "notes": "Settled in well. Wants Fridays too.",
            "next_review_on": ["5", "3", "2027"],
            "actions-0-description": "Ask Horticulture about a Friday place", "actions-0-assigned_user_id": priya.id,
            "actions-0-due_on": ["11", "12", "2026"]}
    saved = client.post(change_url, data=form)

    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.expire_all()
    meeting = db.session.get(Meeting, review.id)
    assert (meeting.notes, meeting.next_review_on, len(meeting.actions)) == (
        "Settled in well. Wants Fridays too.", date(2027, 3, 5), 3)

    stale = client.post(change_url, data={**form, "notes": "Written on an old copy", "actions-0-description": ""})
    assert stale.status_code == 409
    assert "Written on an old copy" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Meeting, review.id).notes == "Settled in well. Wants Fridays too."


def test_change_screen_shows_the_error_summary_for_a_future_date(client, login_as, db, review, ada):
    login_as(*RECORDER)
    refused = client.post(f"/attendance/service-users/{ada.id}/meetings/{review.id}/change", data={
        "version": "1", "kind": "review", "held_on": ["1", "12", "2026"], "attendees": "", "notes": ""})

    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "govuk-error-summary" in page
    assert "The date of the meeting must be today or in the past" in page
    db.session.expire_all()
    assert db.session.get(Meeting, review.id).held_on == date(2026, 11, 20)


def test_remove_screen_warns_then_removes(client, login_as, db, review, ada):
    login_as(*RECORDER)
    url = f"/attendance/service-users/{ada.id}/meetings/{review.id}/remove"

    page = client.get(url).get_data(as_text=True)
    assert "govuk-warning-text" in page
    assert "Removing the meeting cancels its 2 open agreed actions" in page

    assert '<input type="hidden" name="version" value="1">' in page

    meeting_id = review.id
    removed = client.post(url, data={"version": "1"})
    assert removed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting_id) is None
    assert {i.status for i in _intentions_of(ada.person_id)} == {"cancelled"}


def test_removing_a_meeting_changed_since_the_page_was_opened_is_refused(client, login_as, db, review, ada):
    login_as(*RECORDER)
    url = f"/attendance/service-users/{ada.id}/meetings/{review.id}/remove"
    assert '<input type="hidden" name="version" value="1">' in client.get(url).get_data(as_text=True)
    # meanwhile someone corrects the meeting rather than removing it
    services.change_meeting(review, "review", date(2026, 11, 20), review.attendees, "Recorded against the right "
                            "person after all.", review.next_review_on)

    stale = client.post(url, data={"version": "1"})

    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Someone else changed the review meeting of 20 November 2026 while you were editing" in page
    assert f'href="{url}"' in page
    assert client.post(url, data={}).status_code == 409  # no version at all is no better
    db.session.expire_all()
    assert db.session.get(Meeting, review.id).notes == "Recorded against the right person after all."
    assert {i.status for i in _intentions_of(ada.person_id)} == {"open"}

    meeting_id = review.id
    assert '<input type="hidden" name="version" value="2">' in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"version": "2"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting_id) is None


def test_screens_without_the_record_permission(client, login_as, db, review, ada):
    login_as("attendance.service_user.view")

    profile = client.get(f"/attendance/service-users/{ada.id}").get_data(as_text=True)
    assert f"/meetings/{review.id}/change" not in profile
    assert client.get(f"/attendance/service-users/{ada.id}/meetings/{review.id}/change").status_code == 403
    assert client.post(f"/attendance/service-users/{ada.id}/meetings/{review.id}/remove").status_code == 403


# --- API ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def api(client, create_user):
    def caller(*permissions: str):
        headers = bearer(make_token(create_user(*permissions, name="Api Caller")))

        def call(method: str, url: str, json=None, **extra):
            return client.open(url, method=method, json=json, headers={**headers, **extra})

        return call

    return caller


def test_meetings_through_the_api(api, db, ada, priya, on_day):
    on_day(date(2026, 11, 23))
    call = api(*RECORDER)

    made = call("POST", f"/api/v1/attendance/service-users/{ada.id}/meetings", json={
        "kind": "consultation", "held_on": "2026-11-02", "attendees": "Ada, Priya", "notes": "Wants woodwork.",
        "next_review_on": "2027-01-04",
        "actions": [{"description": "Arrange a taster morning", "assigned_user_id": priya.id,
                     "due_on": "2026-11-30"}]})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["attendees"], body["notes"], body["recorded_by"]["name"], body["version"]) == (
        "Ada, Priya", "Wants woodwork.", "Api Caller", 1)
    assert [(a["note"], a["assigned_user"]["name"], a["due_on"], a["status"]) for a in body["actions"]] == [
        ("Arrange a taster morning", "Priya Shah", "2026-11-30", "open")]
    url = f"/api/v1/attendance/meetings/{body['id']}"
    assert made.headers["Location"] == url

    read = call("GET", url)
    assert read.headers["ETag"] == '"1"'
    change = {"kind": "consultation", "held_on": "2026-11-03", "notes": "Wants woodwork and gardening.",
              "next_review_on": "2027-01-11"}
    assert call("PUT", url, json=change).status_code == 428
    changed = call("PUT", url, json=change, **{"If-Match": '"1"'})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["held_on"], changed.get_json()["next_review_on"], changed.headers["ETag"]) == (
        "2026-11-03", "2027-01-11", '"2"')
    assert len(changed.get_json()["actions"]) == 1

    stale = call("PUT", url, json={**change, "notes": "old copy"}, **{"If-Match": '"1"'})
    assert stale.status_code == 412
    assert call("GET", url).get_json()["notes"] == "Wants woodwork and gardening."

    assert call("DELETE", url, **{"If-Match": '"1"'}).status_code == 412
    assert call("DELETE", url, **{"If-Match": '"2"'}).status_code == 204
    assert call("GET", url).status_code == 404
    assert [i.status for i in _intentions_of(ada.person_id)] == ["cancelled"]


def test_reading_meetings_through_the_api_is_audited_as_a_view_of_the_person(api, db, review, ada):
    call = api("attendance.service_user.view")

    listed = call("GET", f"/api/v1/attendance/service-users/{ada.id}/meetings")
    one = call("GET", f"/api/v1/attendance/meetings/{review.id}")

    assert [row["notes"] for row in listed.get_json()] == ["Settled in well at Woodwork."]
    assert one.get_json()["notes"] == "Settled in well at Woodwork."
    views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view").order_by(AuditEvent.id)).all()
    assert [(e.entity_type, e.entity_id, e.person_id, e.actor_name) for e in views] == [
        ("attendance_service_user", str(ada.id), ada.person_id, "Api Caller"),
        ("attendance_meeting", str(review.id), ada.person_id, "Api Caller"),
    ]
    assert call("GET", "/api/v1/attendance/meetings/999999").status_code == 404
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view")).all()) == 2


def test_api_refusals_name_the_field(api, db, ada, priya, on_day):
    on_day(date(2026, 11, 23))
    call = api(*RECORDER)
    url = f"/api/v1/attendance/service-users/{ada.id}/meetings"

    future = call("POST", url, json={"kind": "review", "held_on": "2026-11-24"})
    assert future.status_code == 422
    assert future.get_json()["errors"] == {"held_on": ["The date of the meeting must be today or in the past"]}

    inactive = call("POST", url, json={"kind": "review", "held_on": "2026-11-20", "actions": [
        {"description": "Phone the GP", "assigned_user_id": priya.id, "due_on": "2026-12-01"},
        {"description": "Write to the funder", "assigned_user_id": 2_000_000_000, "due_on": "2026-12-01"}]})
    assert inactive.status_code == 422
    assert list(inactive.get_json()["errors"]) == ["actions.1.assigned_user_id"]
    assert _intentions_of(ada.person_id) == []


def test_api_without_the_record_permission_is_forbidden(api, db, review):
    call = api("attendance.service_user.view", "intentions.manage")
    url = f"/api/v1/attendance/meetings/{review.id}"

    assert call("GET", url).status_code == 200
    assert call("PUT", url, json={"kind": "review", "held_on": "2026-11-20"}, **{"If-Match": '"1"'}).status_code \
        == 403
    assert call("DELETE", url, **{"If-Match": '"1"'}).status_code == 403
    assert call("POST", f"/api/v1/attendance/service-users/{review.service_user_id}/meetings",
                json={"kind": "review", "held_on": "2026-11-20"}).status_code == 403
