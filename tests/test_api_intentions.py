"""/api/v1/intentions: adding follow-ups, the list's filters (mine, assignee, team, status, due, overdue), completing
and cancelling under If-Match (428, 412, 409), and the 403s, 404s and 422s naming the field."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import g

from core.access.models import Team, TeamMember
from core.api.testing import bearer, make_token
from core.cases import services as cases
from core.extensions import db
from core.intentions import services as intentions
from tests.casework import general_setup, make_person, open_case

STAFF = ("cases.view", "cases.edit", "intentions.manage")


@pytest.fixture
def setup(db):
    return general_setup()


@pytest.fixture
def staff(create_user):
    user = create_user(*STAFF, name="Priya Shah")
    g.ppp_actor = user
    return user, make_token(user)


def _team(name: str, *members) -> Team:
    team = Team(code=name.lower().replace(" ", "_"), name=name, team_type="core.general", active=True)
    team.members = [TeamMember(user_id=member.id) for member in members]
    db.session.add(team)
    db.session.flush()
    return team


def test_adding_an_intention_about_a_case_and_reading_it_back(client, setup, staff, create_user):
    user, token = staff
    colleague = create_user(name="Tom Reed")
    person = make_person()
    case = open_case(setup.new_bin, person)
    due = cases.london_today() + timedelta(days=3)

    response = client.post("/api/v1/intentions/", headers=bearer(token), json={
        "intention_type_id": setup.call_back.id, "due_on": due.isoformat(), "assigned_user_id": colleague.id,
        "case_id": case.id, "person_id": person.id, "note": "Ring after the crew has been",
    })

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["ETag"] == '"1"'
    assert body["intention_type"]["label"] == "Call the customer back"
    assert body["due_on"] == due.isoformat() and body["overdue"] is False
    assert body["assigned_user"] == {"id": colleague.id, "name": "Tom Reed"} and body["team"] is None
    assert body["case"]["reference"] == case.reference
    assert body["person"] == {"id": person.id, "name": "Margaret Holloway"}
    assert (body["status"], body["automatic"], body["created_by"]["name"]) == ("open", False, "Priya Shah")
    assert client.get(f"/api/v1/intentions/{body['id']}", headers=bearer(token)).get_json() == body


def test_adding_refuses_bad_input_naming_the_field(client, setup, staff):
    user, token = staff
    person, stranger = make_person(), make_person("Ada", "Jones")
    case = open_case(setup.new_bin, person)
    good = {"intention_type_id": setup.call_back.id, "due_on": "2026-12-01", "assigned_user_id": user.id,
            "case_id": case.id}

    def errors(**changes):
        response = client.post("/api/v1/intentions/", headers=bearer(token), json={**good, **changes})
        assert response.status_code == 422, response.get_json()
        return response.get_json()["errors"]

    assert errors(assigned_user_id=None) == {"assigned_user_id": ["Assign it to a member of staff, a team, or both"]}
    assert errors(person_id=stranger.id) == {"person_id": ["Select one of the case's people"]}
    assert errors(case_id=None) == {"person_id": ["Link the intention to a case or a person"]}
    assert errors(case_id=99999) == {"case_id": ["No case with that id, or you cannot see it."]}
    assert errors(team_id=99999) == {"team_id": ["Select a team from the list"]}
    assert errors(intention_type_id=99999) == {"intention_type_id": ["Select an intention type from the list"]}
    assert list(errors(due_on="1st December")) == ["due_on"]


def test_the_list_filters_by_assignee_team_status_due_and_overdue(client, setup, staff, create_user):
    user, token = staff
    colleague = create_user(name="Tom Reed")
    crew = _team("Waste crew", user)
    person = make_person()
    case = open_case(setup.new_bin, person)
    today = cases.london_today()

    def add(note, days, **who):
        return intentions.add_intention(intention_type_id=setup.call_back.id, due_on=today + timedelta(days=days),
                                        case=case, note=note, **who)

    add("late", -2, assigned_user_id=user.id)
    add("today", 0, team_id=crew.id)
    add("theirs", 5, assigned_user_id=colleague.id)
    done = add("done", -1, assigned_user_id=user.id)
    intentions.complete(done)
    db.session.flush()

    def notes(query):
        response = client.get(f"/api/v1/intentions/?{query}", headers=bearer(token))
        assert response.status_code == 200, response.get_json()
        return [row["note"] for row in response.get_json()]

    assert notes("") == ["late", "done", "today", "theirs"]
    assert notes("mine=true&status=open") == ["late", "today"]
    assert notes(f"assigned_user_id={colleague.id}") == ["theirs"]
    assert notes(f"team_id={crew.id}") == ["today"]
    assert notes("status=done") == ["done"]
    assert notes("overdue=true") == ["late"]
    assert notes(f"due_from={today.isoformat()}&due_to={(today + timedelta(days=5)).isoformat()}") == ["today", "theirs"]
    assert notes("sort=-due_on") == ["theirs", "today", "done", "late"]
    late = client.get("/api/v1/intentions/?overdue=true", headers=bearer(token)).get_json()[0]
    assert late["overdue"] is True
    page = client.get("/api/v1/intentions/?page_size=3", headers=bearer(token))
    assert json.loads(page.headers["X-Pagination"])["total"] == 4
    assert list(client.get("/api/v1/intentions/?status=finished", headers=bearer(token)).get_json()["errors"]) == [
        "status"]


def test_completing_and_cancelling_need_the_current_version(client, setup, staff):
    user, token = staff
    case = open_case(setup.missed_bin, make_person())
    automatic = case and intentions.intentions_for_case(case)[0]
    url = f"/api/v1/intentions/{automatic.id}"
    read = client.get(url, headers=bearer(token))
    assert read.get_json()["automatic"] is True
    etag = read.headers["ETag"]

    assert client.post(f"{url}/complete", headers=bearer(token)).status_code == 428
    done = client.post(f"{url}/complete", headers={**bearer(token), "If-Match": etag})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["status"], body["status_changed_by"]["name"]) == ("done", "Priya Shah")
    assert body["status_changed_at"] is not None

    stale = client.post(f"{url}/cancel", headers={**bearer(token), "If-Match": etag})
    assert stale.status_code == 412
    again = client.post(f"{url}/cancel", headers={**bearer(token), "If-Match": done.headers["ETag"]})
    assert again.status_code == 409
    assert again.get_json()["detail"] == "This intention is already done."

    other = intentions.add_intention(intention_type_id=setup.call_back.id, due_on=cases.london_today(),
                                     assigned_user_id=user.id, case=case)
    db.session.flush()
    cancelled = client.post(f"/api/v1/intentions/{other.id}/cancel", headers={**bearer(token), "If-Match": '"1"'})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"


def test_intentions_need_the_permission_and_unknown_ones_are_not_found(client, setup, staff, create_user):
    user, token = staff
    case = open_case(setup.missed_bin, make_person())
    automatic = intentions.intentions_for_case(case)[0]
    reader = make_token(create_user("cases.view"))
    assert client.get("/api/v1/intentions/", headers=bearer(reader)).status_code == 403
    assert client.get(f"/api/v1/intentions/{automatic.id}", headers=bearer(reader)).status_code == 403
    refused = client.post(f"/api/v1/intentions/{automatic.id}/complete", headers={**bearer(reader), "If-Match": '"1"'})
    assert refused.status_code == 403 and automatic.is_open
    missing = client.get("/api/v1/intentions/99999", headers=bearer(token))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    gone = client.post("/api/v1/intentions/99999/complete", headers={**bearer(token), "If-Match": '"1"'})
    assert gone.status_code == 404


def test_intention_types_to_choose_from(client, setup, staff):
    _, token = staff
    rows = client.get("/api/v1/intentions/types?department=general&sort=code", headers=bearer(token)).get_json()
    assert [row["code"] for row in rows] == ["call_back", "check_collection"]
