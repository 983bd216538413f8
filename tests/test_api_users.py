"""/api/v1/users and /api/v1/roles: administrators list, read, invite, change and deactivate users, and define roles
with their permissions; everyone else gets 403; stale changes 412; 422 bodies name the field."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from core.api.testing import bearer, make_token
from core.extensions import db
from core.security.models import Role

MANAGE_USERS = "admin.users.manage"
MANAGE_ROLES = "admin.roles.manage"


def outbox(app) -> list[email.message.EmailMessage]:
    folder = Path(app.config["MAIL_OUTBOX"])
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*.eml"))]


@pytest.fixture
def admin(create_user):
    user = create_user(MANAGE_USERS, MANAGE_ROLES, name="Ada Admin", email="ada@example.org")
    return user, bearer(make_token(user))


@pytest.fixture
def headers(admin):
    return admin[1]


@pytest.mark.parametrize("method, url", [
    ("GET", "/api/v1/users/"), ("POST", "/api/v1/users/"), ("GET", "/api/v1/users/1"), ("PATCH", "/api/v1/users/1"),
    ("GET", "/api/v1/roles/"), ("POST", "/api/v1/roles/"), ("GET", "/api/v1/roles/1"), ("PATCH", "/api/v1/roles/1"),
    ("GET", "/api/v1/roles/permissions"),
])
def test_only_administrators_may_use_users_and_roles(client, create_user, method, url):
    token = bearer(make_token(create_user("people.view", "people.edit")))
    response = client.open(url, method=method, headers={**token, "If-Match": '"1"'}, json={})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_user_administrators_cannot_manage_roles_and_the_other_way_round(client, create_user):
    users_only = bearer(make_token(create_user(MANAGE_USERS)))
    roles_only = bearer(make_token(create_user(MANAGE_ROLES)))
    assert client.get("/api/v1/users/", headers=users_only).status_code == 200
    assert client.get("/api/v1/roles/", headers=users_only).status_code == 403
    assert client.get("/api/v1/roles/", headers=roles_only).status_code == 200
    assert client.get("/api/v1/users/", headers=roles_only).status_code == 403


def test_listing_users_with_search_status_sort_and_totals(client, headers, create_user):
    create_user(name="Zoe Zephyr", email="zoe@example.org")
    create_user(name="Bea Leaver", email="bea@example.org", active=False)
    names = [row["name"] for row in client.get("/api/v1/users/?sort=-name", headers=headers).get_json()]
    assert "Zoe Zephyr" in names and "Bea Leaver" not in names
    assert names == sorted(names, key=str.lower, reverse=True)
    gone = client.get("/api/v1/users/?status=inactive", headers=headers)
    assert [row["email"] for row in gone.get_json()] == ["bea@example.org"]
    assert json.loads(gone.headers["X-Pagination"])["total"] == 1
    assert [row["name"] for row in client.get("/api/v1/users/?q=zephyr", headers=headers).get_json()] == ["Zoe Zephyr"]
    assert list(client.get("/api/v1/users/?status=asleep", headers=headers).get_json()["errors"]) == ["status"]


def test_inviting_a_user_emails_them_a_link(client, app, headers):
    response = client.post("/api/v1/users/", headers=headers,
                           json={"email": "Nia.Jones@Example.org", "name": "Nia Jones", "roles": ["caseworker"]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["email"] == "nia.jones@example.org" and body["active"] is True and body["has_password"] is False
    assert [role["code"] for role in body["roles"]] == ["caseworker"]
    assert response.headers["Location"] == f"/api/v1/users/{body['id']}"
    [message] = outbox(app)
    assert message["To"] == "nia.jones@example.org" and "/set-password/" in message.get_content()
    assert "password_hash" not in body


@pytest.mark.parametrize("body, field", [
    ({"email": "ada@example.org", "name": "Someone"}, "email"),
    ({"email": "not-an-address", "name": "Someone"}, "email"),
    ({"email": "new@example.org", "name": ""}, "name"),
    ({"email": "new@example.org", "name": "Someone", "roles": ["wizard"]}, "roles"),
    ({"email": "new@example.org"}, "name"),
    ({"email": "new@example.org", "name": "Someone", "password": "x"}, "password"),
])
def test_refused_users_name_the_field(client, headers, body, field):
    response = client.post("/api/v1/users/", headers=headers, json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]


def test_changing_a_user_needs_if_match_and_a_stale_change_gets_412(client, headers, create_user):
    user = create_user(name="Sam Smith", email="sam@example.org", roles=("caseworker",))
    url = f"/api/v1/users/{user.id}"
    assert client.patch(url, headers=headers, json={"name": "Sam Smyth"}).status_code == 428
    etag = client.get(url, headers=headers).headers["ETag"]
    changed = client.patch(url, headers={**headers, "If-Match": etag}, json={"roles": ["read_only"]})
    assert changed.status_code == 200, changed.get_json()
    assert [role["code"] for role in changed.get_json()["roles"]] == ["read_only"]
    assert changed.get_json()["name"] == "Sam Smith"
    assert changed.headers["ETag"] != etag  # a change of roles is a new version too
    stale = client.patch(url, headers={**headers, "If-Match": etag}, json={"name": "Lost Update"})
    assert stale.status_code == 412
    db.session.refresh(user)
    assert user.name == "Sam Smith"


def test_deactivating_a_user_stops_their_tokens(client, headers, create_user):
    user = create_user("people.view", name="Leaving Soon")
    their_token = bearer(make_token(user))
    assert client.get("/api/v1/me", headers=their_token).status_code == 200
    url = f"/api/v1/users/{user.id}"
    etag = client.get(url, headers=headers).headers["ETag"]
    response = client.patch(url, headers={**headers, "If-Match": etag}, json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert client.get("/api/v1/me", headers=their_token).status_code == 401
    again = client.patch(url, headers={**headers, "If-Match": response.headers["ETag"]}, json={"active": True})
    assert again.get_json()["active"] is True


def test_administrators_cannot_deactivate_themselves(client, admin):
    user, headers = admin
    url = f"/api/v1/users/{user.id}"
    etag = client.get(url, headers=headers).headers["ETag"]
    response = client.patch(url, headers={**headers, "If-Match": etag}, json={"active": False})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"active": ["You cannot deactivate your own account"]}


def test_unknown_users_and_roles_are_404(client, headers):
    assert client.get("/api/v1/users/999999", headers=headers).status_code == 404
    assert client.get("/api/v1/users/99999999999", headers=headers).status_code == 404
    assert client.get("/api/v1/roles/999999", headers=headers).status_code == 404


def test_roles_show_their_permissions(client, app, headers):
    rows = client.get("/api/v1/roles/?page_size=100", headers=headers).get_json()
    by_code = {row["code"]: row for row in rows}
    assert by_code["administrator"]["grants_all"] is True
    assert set(by_code["administrator"]["permissions"]) == set(app.extensions["ppp"].permissions)
    assert "people.view" in by_code["caseworker"]["permissions"]
    permissions = client.get("/api/v1/roles/permissions", headers=headers).get_json()
    people_view = next(row for row in permissions if row["name"] == "people.view")
    assert people_view["module"] == "people" and people_view["description"]


def test_creating_and_changing_a_role(client, headers):
    response = client.post("/api/v1/roles/", headers=headers, json={
        "code": "housing_officer", "name": "Housing officer", "permissions": ["people.view", "places.view"]})
    assert response.status_code == 201, response.get_json()
    role = response.get_json()
    assert role["permissions"] == ["people.view", "places.view"]
    url = f"/api/v1/roles/{role['id']}"
    assert client.get(url, headers=headers).get_json() == role

    etag = response.headers["ETag"]
    changed = client.patch(url, headers={**headers, "If-Match": etag}, json={"permissions": ["people.view"]})
    assert changed.status_code == 200 and changed.get_json()["permissions"] == ["people.view"]
    assert changed.get_json()["name"] == "Housing officer"
    assert changed.headers["ETag"] != etag
    assert client.patch(url, headers={**headers, "If-Match": etag}, json={"name": "Stale"}).status_code == 412
    stored = db.session.scalar(select(Role).where(Role.code == "housing_officer"))
    assert [grant.permission for grant in stored.grants] == ["people.view"]


@pytest.mark.parametrize("body, field", [
    ({"code": "Bad Code", "name": "X"}, "code"),
    ({"code": "caseworker", "name": "X"}, "code"),
    ({"code": "fine", "name": "X", "permissions": ["people.fly"]}, "permissions"),
    ({"code": "fine", "name": " "}, "name"),
])
def test_refused_roles_name_the_field(client, headers, body, field):
    response = client.post("/api/v1/roles/", headers=headers, json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]


def test_the_administrator_roles_permissions_cannot_be_chosen(client, headers):
    administrator = db.session.scalar(select(Role).where(Role.code == "administrator"))
    response = client.patch(f"/api/v1/roles/{administrator.id}", headers={**headers, "If-Match": f'"{administrator.version}"'},
                            json={"permissions": ["people.view"]})
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["permissions"]
    renamed = client.patch(f"/api/v1/roles/{administrator.id}",
                           headers={**headers, "If-Match": f'"{administrator.version}"'}, json={"name": "Administrators"})
    assert renamed.status_code == 200 and renamed.get_json()["grants_all"] is True
