"""Signing in and out: throttling by account and by address, audit events, session rotation and lifetimes."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.audit.models import AuditEvent
from core.security.models import LoginAttempt
from core.security.services import LAST_SEEN_AT, SIGNED_IN_AT

PASSWORD = "a long and unusual passphrase"
THROTTLED = "Too many attempts. Try again in 15 minutes."


def sign_in(client, email, password, ip="192.0.2.10"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def events(db, action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def age_attempts(db, minutes):
    """Move every recorded attempt into the past, as if that many minutes had gone by."""
    for attempt in db.session.scalars(select(LoginAttempt)):
        db.session.execute(
            update(LoginAttempt)
            .where(LoginAttempt.id == attempt.id)
            .values(attempted_at=attempt.attempted_at - timedelta(minutes=minutes))
        )
    db.session.flush()


def test_signing_in_records_a_login_by_the_user_and_rotates_the_session(client, create_user, db):
    user = create_user(email="jo@example.org", password=PASSWORD)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    response = sign_in(client, "jo@example.org", PASSWORD)
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session[SIGNED_IN_AT] == session[LAST_SEEN_AT]
    [login] = events(db, "login")
    assert (login.actor_id, login.entity_type, login.entity_id) == (user.id, "user_account", str(user.id))
    assert login.ip_address == "192.0.2.10"


def test_session_cookie_is_httponly_and_samesite_lax(client, create_user):
    create_user(email="jo@example.org", password=PASSWORD)
    cookie = sign_in(client, "jo@example.org", PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http outside production


def test_a_wrong_password_is_recorded_as_a_failed_login(client, create_user, db):
    user = create_user(email="jo@example.org", password=PASSWORD)
    response = sign_in(client, "jo@example.org", "not the password at all")
    assert response.status_code == 400
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
    [failed] = events(db, "login_failed")
    assert failed.entity_id == str(user.id)
    assert failed.actor_id is None


def test_five_failures_for_one_account_refuse_even_the_right_password(client, create_user, db):
    user = create_user(email="jo@example.org", password=PASSWORD)
    for number in range(5):  # from five addresses, so only the account count is reached
        assert sign_in(client, "jo@example.org", "wrong guess number x", ip=f"198.51.100.{number}").status_code == 400
    response = sign_in(client, "jo@example.org", PASSWORD, ip="203.0.113.99")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert THROTTLED in page
    assert "There is a problem" in page  # the GOV.UK error summary
    assert not signed_in(client)
    [throttled] = events(db, "login_throttled")
    assert throttled.entity_id == str(user.id)
    assert throttled.ip_address == "203.0.113.99"
    # other accounts are not affected from a fresh address
    create_user(email="sam@example.org", password=PASSWORD)
    assert sign_in(client, "sam@example.org", PASSWORD, ip="203.0.113.99").status_code == 302


def test_four_failures_still_let_the_right_password_in_and_a_success_starts_the_count_again(client, create_user):
    create_user(email="jo@example.org", password=PASSWORD)
    for number in range(4):
        sign_in(client, "jo@example.org", "wrong guess number x", ip=f"198.51.100.{number}")
    assert sign_in(client, "jo@example.org", PASSWORD, ip="203.0.113.1").status_code == 302
    client.post("/logout")
    for number in range(4):
        sign_in(client, "jo@example.org", "wrong guess number x", ip=f"198.51.100.{10 + number}")
    assert sign_in(client, "jo@example.org", PASSWORD, ip="203.0.113.2").status_code == 302


def test_five_failures_from_one_address_refuse_every_account_from_it(client, create_user, db):
    create_user(email="jo@example.org", password=PASSWORD)
    for number in range(5):
        assert sign_in(client, f"guess{number}@example.org", "whatever password", ip="192.0.2.66").status_code == 400
    response = sign_in(client, "jo@example.org", PASSWORD, ip="192.0.2.66")
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    [throttled] = events(db, "login_throttled")
    assert throttled.ip_address == "192.0.2.66"
    # the same account from another address is fine
    assert sign_in(client, "jo@example.org", PASSWORD, ip="192.0.2.67").status_code == 302


def test_unknown_addresses_are_throttled_like_real_accounts(client):
    for _ in range(5):
        sign_in(client, "nobody@example.org", "whatever password", ip=f"198.51.100.{_}")
    assert THROTTLED in sign_in(client, "nobody@example.org", "whatever password", ip="203.0.113.5").get_data(as_text=True)


def test_the_lock_lifts_after_15_minutes(client, create_user, db):
    create_user(email="jo@example.org", password=PASSWORD)
    for _ in range(5):
        sign_in(client, "jo@example.org", "wrong guess number x")
    age_attempts(db, 14)
    assert sign_in(client, "jo@example.org", PASSWORD).status_code == 429
    age_attempts(db, 2)  # the fifth failure is now 16 minutes old
    assert sign_in(client, "jo@example.org", PASSWORD).status_code == 302


def test_failures_spread_over_more_than_15_minutes_do_not_lock(client, create_user, db):
    create_user(email="jo@example.org", password=PASSWORD)
    for _ in range(4):
        sign_in(client, "jo@example.org", "wrong guess number x")
    age_attempts(db, 16)
    sign_in(client, "jo@example.org", "wrong guess number x")
    assert sign_in(client, "jo@example.org", PASSWORD).status_code == 302


@pytest.mark.app_config(LOGIN_THROTTLE_ATTEMPTS=3, LOGIN_THROTTLE_MINUTES=5)
def test_throttle_limits_are_configurable(client, create_user):
    create_user(email="jo@example.org", password=PASSWORD)
    for _ in range(3):
        sign_in(client, "jo@example.org", "wrong guess number x")
    response = sign_in(client, "jo@example.org", PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts. Try again in 5 minutes." in response.get_data(as_text=True)


def test_signing_out_is_audited_and_ends_the_session(client, create_user, db):
    user = create_user(email="jo@example.org", password=PASSWORD)
    sign_in(client, "jo@example.org", PASSWORD)
    response = client.post("/logout")
    assert response.status_code == 302
    assert not signed_in(client)
    [logout] = events(db, "logout")
    assert (logout.actor_id, logout.entity_id) == (user.id, str(user.id))


def test_a_deactivated_user_cannot_sign_in(client, create_user):
    create_user(email="jo@example.org", password=PASSWORD, active=False)
    response = sign_in(client, "jo@example.org", PASSWORD)
    assert response.status_code == 400
    assert "Your account has been deactivated" in response.get_data(as_text=True)
    # a wrong password gets the usual answer, so the state of an account is no clue to a guesser
    wrong = sign_in(client, "jo@example.org", "not the password at all").get_data(as_text=True)
    assert "deactivated" not in wrong
    assert not signed_in(client)


def test_a_deactivated_user_is_signed_out_on_their_next_request(client, create_user, db):
    user = create_user(email="jo@example.org", password=PASSWORD)
    sign_in(client, "jo@example.org", PASSWORD)
    assert signed_in(client)
    user.active = False
    db.session.flush()
    response = client.get("/")
    assert response.status_code == 302
    assert "/login?next=/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your account has been deactivated" in page
    user.active = True  # even reactivated at once, the old session stays ended
    db.session.flush()
    assert not signed_in(client)


def set_clock(client, signed_in_ago: float, seen_ago: float) -> None:
    now = time.time()
    with client.session_transaction() as session:
        session[SIGNED_IN_AT] = int(now - signed_in_ago)
        session[LAST_SEEN_AT] = int(now - seen_ago)


def test_an_idle_session_ends_after_30_minutes(client, create_user):
    create_user(email="jo@example.org", password=PASSWORD)
    sign_in(client, "jo@example.org", PASSWORD)
    set_clock(client, signed_in_ago=29 * 60, seen_ago=29 * 60)
    assert signed_in(client)  # 29 minutes idle is fine, and this request resets the idle clock
    with client.session_transaction() as session:
        assert time.time() - session[LAST_SEEN_AT] < 5
    set_clock(client, signed_in_ago=40 * 60, seen_ago=31 * 60)
    response = client.get("/admin/users/")
    assert response.status_code == 302
    assert "/login?next=/admin/users/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out because you had not used the service for 30 minutes" in page
    assert not signed_in(client)


def test_a_session_ends_12_hours_after_sign_in_however_active(client, create_user):
    create_user(email="jo@example.org", password=PASSWORD)
    sign_in(client, "jo@example.org", PASSWORD)
    set_clock(client, signed_in_ago=11 * 3600 + 59 * 60, seen_ago=60)
    assert signed_in(client)
    set_clock(client, signed_in_ago=12 * 3600 + 60, seen_ago=60)
    response = client.get("/")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out because you signed in more than 12 hours ago" in page
    assert not signed_in(client)


@pytest.mark.app_config(SESSION_IDLE_MINUTES=5, SESSION_ABSOLUTE_HOURS=1)
def test_session_lifetimes_are_configurable(client, create_user):
    create_user(email="jo@example.org", password=PASSWORD)
    sign_in(client, "jo@example.org", PASSWORD)
    set_clock(client, signed_in_ago=6 * 60, seen_ago=6 * 60)
    assert not signed_in(client)
    sign_in(client, "jo@example.org", PASSWORD)
    set_clock(client, signed_in_ago=3600 + 60, seen_ago=60)
    assert not signed_in(client)


def test_after_signing_in_the_user_goes_to_the_page_they_asked_for_but_never_off_site(client, create_user, login_as):
    create_user(email="jo@example.org", password=PASSWORD, roles=("administrator",))
    response = client.post("/login?next=/admin/users/", data={"email": "jo@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/admin/users/"
    client.post("/logout")
    response = client.post("/login?next=//evil.example/", data={"email": "jo@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/"
