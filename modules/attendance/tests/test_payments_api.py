"""/api/v1/attendance/payment-runs: reading runs and lines, and confirming with permission and If-Match."""

from __future__ import annotations

from datetime import date

import pytest
from flask import g

from core.api.testing import bearer, make_token
from modules.attendance.models import BACS
from modules.attendance.payments import services, testing

pytestmark = pytest.mark.modules("attendance")

URL = "/api/v1/attendance/payment-runs"


@pytest.fixture
def draft(app, db, act_as):
    """A March 2026 draft: Ada (cash) 2 half-days and Ben (BACS) 1 half-day at £5.00."""
    act_as(services.MANAGE_SETTINGS, services.MANAGE_RATES, services.MANAGE_RUNS)
    services.update_settings(originator_sort_code="402020", originator_account_number="12345678",
                             originator_name="Mill Lane", reference_prefix="ATTENDANCE", denominations="£20 £10 £5 1p",
                             csv_columns=["sort_code"], csv_header=True)
    services.add_rate(date(2026, 1, 1), 500)
    woodwork = testing.section()
    ada = testing.service_user("Ada", "Adeyemi")
    ben = testing.service_user("Ben", "Nwosu", method=BACS, sort_code="089999", account_number="66374958")
    testing.mark(ada, woodwork, date(2026, 3, 2))
    testing.mark(ada, woodwork, date(2026, 3, 2), "PM")
    testing.mark(ben, woodwork, date(2026, 3, 3))
    run = services.create_run(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3))
    g.ppp_actor = None
    return run


def token(create_user, *permissions):
    return bearer(make_token(create_user(*permissions)))


def test_list_read_and_lines(client, create_user, draft):
    headers = token(create_user, services.VIEW)
    response = client.get(URL + "/", headers=headers)
    assert response.status_code == 200
    [run] = response.json
    assert (run["status"], run["total_pence"], run["bacs_total_pence"], run["cash_total_pence"]) == \
        ("draft", 1500, 500, 1000)
    assert run["denominations"] == [2000, 1000, 500, 1]
    assert client.get(URL + "/?status=confirmed", headers=headers).json == []
    response = client.get(f"{URL}/{draft.id}", headers=headers)
    assert response.headers["ETag"] == f'"{draft.version}"'
    lines = client.get(f"{URL}/{draft.id}/lines", headers=headers).json
    assert sorted((line["name"], line["method"], line["half_days"], line["total_pence"]) for line in lines) == [
        ("Ada Adeyemi", "cash", 2, 1000), ("Ben Nwosu", "bacs", 1, 500)]
    assert "account_number" not in lines[0] and "sort_code" not in lines[0]


def test_reading_needs_the_view_permission(client, create_user, draft):
    assert client.get(URL + "/", headers=token(create_user, services.MANAGE_RUNS)).status_code == 403
    assert client.get(f"{URL}/99999", headers=token(create_user, services.VIEW)).status_code == 404


def test_confirm_needs_permission_and_if_match_then_locks(client, create_user, draft):
    url = f"{URL}/{draft.id}/confirm"
    etag = f'"{draft.version}"'
    assert client.post(url, headers={**token(create_user, services.VIEW), "If-Match": etag}).status_code == 403
    headers = token(create_user, services.VIEW, services.CONFIRM)
    assert client.post(url, headers=headers).status_code == 428
    assert client.post(url, headers={**headers, "If-Match": '"999"'}).status_code == 412
    response = client.post(url, headers={**headers, "If-Match": etag})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "confirmed" and response.json["confirmed_at"]
    again = client.post(url, headers={**headers, "If-Match": response.headers["ETag"]})
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json" and "is locked" in again.json["detail"]
