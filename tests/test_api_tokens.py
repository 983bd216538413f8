"""Personal API tokens: made on screen and at the command line, shown once, stored hashed, used, expired, revoked,
rate-limited; cookie sessions are refused on the API."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.api.models import ApiToken
from core.api.testing import bearer, make_token
from core.extensions import db
from core.types import utcnow


@pytest.fixture
def token_for(create_user):
    """A user holding exactly the given permissions, and a token acting as them."""

    def make(*permissions: str, **fields):
        user = create_user(*permissions, **fields)
        return user, make_token(user)

    return make


def test_a_token_acts_as_its_user_with_their_permissions(client, token_for):
    user, value = token_for("admin.jobs.view", name="Ada Integrator")
    response = client.get("/api/v1/me", headers=bearer(value))
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Ada Integrator"
    assert body["permissions"] == ["admin.jobs.view"]
    assert body["token"]["prefix"] == value[:12]
    assert client.get("/api/v1/jobs/runs", headers=bearer(value)).status_code == 200
    assert client.get("/api/v1/lookups/people.gender/values", headers=bearer(value)).status_code in (200, 404)


def test_only_the_hash_is_stored_and_last_use_is_recorded(client, token_for):
    user, value = token_for()
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert value.startswith("ppp_") and len(value) > 40
    assert token.token_hash == hashlib.sha256(value.encode()).hexdigest()
    assert value not in (token.prefix, token.token_hash)
    assert token.last_used_at is None
    client.get("/api/v1/me", headers=bearer(value))
    db.session.refresh(token)
    assert token.last_used_at is not None and utcnow() - token.last_used_at < timedelta(minutes=1)


def test_missing_wrong_expired_and_revoked_tokens_get_401_problems(client, token_for):
    user, value = token_for()
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 401

    wrong = client.get("/api/v1/me", headers=bearer(value[:-2] + "xx"))
    assert wrong.status_code == 401 and "not recognised" in wrong.get_json()["detail"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Token {value}"}).status_code == 401

    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    expired = client.get("/api/v1/me", headers=bearer(value))
    assert expired.status_code == 401 and "expired" in expired.get_json()["detail"]

    token.expires_at = utcnow() + timedelta(days=1)
    token.revoked_at = utcnow()
    db.session.flush()
    revoked = client.get("/api/v1/me", headers=bearer(value))
    assert revoked.status_code == 401 and "revoked" in revoked.get_json()["detail"]


def test_a_deactivated_users_tokens_stop_working(client, token_for):
    user, value = token_for()
    user.active = False
    db.session.flush()
    response = client.get("/api/v1/me", headers=bearer(value))
    assert response.status_code == 401
    assert "deactivated" in response.get_json()["detail"]


def test_a_cookie_session_is_not_accepted_on_the_api(client, login_as):
    login_as("admin.jobs.view")
    assert client.get("/admin/jobs/").status_code == 200  # the session works on screens
    response = client.get("/api/v1/jobs/runs")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


def test_api_answers_set_no_cookie(client, token_for):
    _, value = token_for()
    response = client.get("/api/v1/me", headers=bearer(value))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_user_creates_a_token_on_screen_sees_it_once_and_can_use_it(client, login_as):
    user = login_as("api.tokens.create")
    form = client.get("/account/api-tokens/new").get_data(as_text=True)
    assert 'value="90"' in form  # the default lifetime
    response = client.post("/account/api-tokens/new", data={"name": "Rent system import", "days": "30"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    value = re.search(r"(ppp_[A-Za-z0-9_-]{40,})", response.get_data(as_text=True)).group(1)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.name == "Rent system import"
    assert timedelta(days=29, hours=23) < token.expires_at - token.created_at <= timedelta(days=30)

    listing = client.get("/account/api-tokens").get_data(as_text=True)
    assert "Rent system import" in listing and value[:12] in listing
    assert value not in listing  # shown once only
    assert "Never" in listing
    api = client.application.test_client()
    assert api.get("/api/v1/me", headers=bearer(value)).get_json()["id"] == user.id
    assert "Never" not in client.get("/account/api-tokens").get_data(as_text=True)


def test_token_form_refuses_a_blank_name_and_too_long_a_life(client, login_as):
    login_as("api.tokens.create")
    response = client.post("/account/api-tokens/new", data={"name": "", "days": "366"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Enter a name" in page
    assert "between 1 and 365" in page


@pytest.mark.app_config(API_TOKEN_MAX_DAYS=30)
def test_the_longest_lifetime_is_configurable(client, login_as):
    login_as("api.tokens.create")
    response = client.post("/account/api-tokens/new", data={"name": "Long one", "days": "31"})
    assert response.status_code == 400
    assert "between 1 and 30" in response.get_data(as_text=True)


def test_creating_tokens_needs_the_permission_but_anyone_can_list_and_revoke_their_own(client, login_as, create_user):
    user = login_as()
    assert client.get("/account/api-tokens/new").status_code == 403
    value = make_token(user, "from the command line")
    page = client.get("/account/api-tokens").get_data(as_text=True)
    assert "from the command line" in page and "Create a token" not in page
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None and token.revoked_by_id == user.id
    assert client.application.test_client().get("/api/v1/me", headers=bearer(value)).status_code == 401
    assert "Revoked" in client.get("/account/api-tokens").get_data(as_text=True)


def test_users_cannot_revoke_someone_elses_token(client, login_as, create_user):
    login_as("api.tokens.create")
    other = create_user()
    make_token(other)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == other.id))
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_user_administrators_see_and_revoke_everyones_live_tokens(client, login_as, create_user):
    login_as("admin.users.manage")
    other = create_user(name="Bea Leaver")
    make_token(other, "Old laptop script")
    page = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "Bea Leaver" in page and "Old laptop script" in page
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == other.id))
    response = client.post(f"/account/api-tokens/{token.id}/revoke", data={"back": "all"})
    assert response.headers["Location"].endswith("/admin/api-tokens")
    db.session.refresh(token)
    assert token.revoked_at is not None
    page = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "has been revoked" in page
    assert '<td class="govuk-table__cell">Old laptop script</td>' not in page


def test_token_creation_and_revocation_are_audited_without_the_hash(client, login_as):
    from core.audit.models import AuditEvent

    user = login_as("api.tokens.create")
    client.post("/account/api-tokens/new", data={"name": "Audited", "days": "10"})
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    client.post(f"/account/api-tokens/{token.id}/revoke")
    events = list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "api_token", AuditEvent.entity_id == str(token.id))
        .order_by(AuditEvent.id)
    ))
    assert [event.action for event in events] == ["create", "update"]
    assert all(event.actor_id == user.id for event in events)
    assert events[0].changes["token_hash"] is None  # changed, value not written down
    assert "revoked_at" in events[1].changes


def test_the_command_line_makes_a_token_for_a_user(app, create_user):
    user = create_user(email="integrator@example.org")
    result = app.test_cli_runner().invoke(args=["users", "token", "integrator@example.org", "--name", "CRM sync",
                                                "--days", "7"])
    assert result.exit_code == 0, result.output
    value = result.output.strip().splitlines()[-1]
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.name == "CRM sync" and token.created_by_id is None
    assert token.token_hash == hashlib.sha256(value.encode()).hexdigest()
    assert app.test_client().get("/api/v1/me", headers=bearer(value)).get_json()["email"] == "integrator@example.org"


def test_the_command_line_refuses_an_unknown_user_and_a_bad_lifetime(app, create_user):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "token", "nobody@example.org", "--name", "x"])
    assert result.exit_code != 0 and "No user has the email address" in result.output
    create_user(email="someone@example.org")
    result = runner.invoke(args=["users", "token", "someone@example.org", "--name", "x", "--days", "999"])
    assert result.exit_code != 0 and "between 1 and 365" in result.output


@pytest.mark.app_config(API_RATE_LIMIT_PER_MINUTE=3)
def test_too_many_requests_in_a_minute_get_429_with_retry_after(client, token_for):
    _, value = token_for()
    answers = [client.get("/api/v1/me", headers=bearer(value)) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


@pytest.mark.app_config(API_RATE_LIMIT_PER_MINUTE=2)
def test_each_token_has_its_own_allowance(client, token_for):
    _, first = token_for()
    _, second = token_for()
    for _ in range(2):
        client.get("/api/v1/me", headers=bearer(first))
    assert client.get("/api/v1/me", headers=bearer(first)).status_code == 429
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200


@pytest.mark.redis
@pytest.mark.app_config(API_RATE_LIMIT_PER_MINUTE=2)
def test_with_redis_requests_are_counted_there(client, token_for):
    _, value = token_for()
    answers = [client.get("/api/v1/me", headers=bearer(value)).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == value[:12]))
    assert token.rate_count == 0  # counted in Redis, not in the database
    assert token.last_used_at is not None
