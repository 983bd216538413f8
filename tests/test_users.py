"""User maintenance on screen and at the command line: search, invite, edit, deactivate and reactivate."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from core.permissions import PermissionDenied
from core.security import services, tokens
from core.security.models import User
from core.types import utcnow

MANAGE = "admin.users.manage"
PASSWORD = "a long and unusual passphrase"


def outbox(app) -> list[email.message.EmailMessage]:
    folder = Path(app.config["MAIL_OUTBOX"])
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def link_path(message) -> str:
    return urlsplit(re.search(r"https?://\S+", message.get_content()).group(0)).path


def sign_in(client, address, password):
    return client.post("/login", data={"email": address, "password": password})


# --- the list --------------------------------------------------------------------------------------------------------


def test_the_list_searches_names_and_addresses_and_filters_by_status(client, login_as, create_user):
    login_as(MANAGE, name="Alex Admin")
    create_user(email="priya.shah@example.org", name="Priya Shah")
    create_user(email="tom@example.org", name="Tom Hughes")
    create_user(email="grace@example.org", name="Grace Okafor", active=False)

    page = client.get("/admin/users/").get_data(as_text=True)
    assert "Priya Shah" in page and "Tom Hughes" in page
    assert "Grace Okafor" not in page

    inactive = client.get("/admin/users/?status=inactive").get_data(as_text=True)
    assert "Grace Okafor" in inactive and "Priya Shah" not in inactive
    assert "Deactivated" in inactive

    found = client.get("/admin/users/?q=SHAH").get_data(as_text=True)
    assert "Priya Shah" in found and "Tom Hughes" not in found
    by_address = client.get("/admin/users/?q=tom@&status=all").get_data(as_text=True)
    assert "Tom Hughes" in by_address and "Priya Shah" not in by_address
    assert "No users match" in client.get("/admin/users/?q=%25&status=all").get_data(as_text=True)


def test_user_screens_and_services_need_the_permission(client, login_as, create_user, app):
    login_as("admin.jobs.view")
    other = create_user(email="sam@example.org")
    assert client.get("/admin/users/").status_code == 403
    assert client.post("/admin/users/new", data={"name": "X", "email": "x@example.org"}).status_code == 403
    assert client.post(f"/admin/users/{other.id}/deactivate").status_code == 403
    with pytest.raises(PermissionDenied):
        services.set_user_active(other, False)
    assert other.active


def test_the_administration_page_shows_users_to_those_who_manage_them(client, login_as):
    login_as(MANAGE)
    assert 'href="/admin/users/"' in client.get("/admin/").get_data(as_text=True)


# --- inviting ----------------------------------------------------------------------------------------------------------


def test_a_new_user_is_invited_and_sets_their_own_password(app, client, login_as, db):
    login_as(MANAGE)
    response = client.post(
        "/admin/users/new",
        data={"name": "Nia Patel", "email": " Nia.Patel@Example.org ", "roles": ["caseworker"]},
    )
    assert response.status_code == 302
    user = services.get_user_by_email("nia.patel@example.org")
    assert user.email == "nia.patel@example.org"
    assert [role.code for role in user.roles] == ["caseworker"]
    assert user.password_hash is None
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nia Patel has been added and sent an email to set their password" in shown
    assert "Invited" in shown

    [message] = outbox(app)
    assert message["To"] == "nia.patel@example.org"
    assert message["Subject"] == "Set your password for PPP"
    assert "expires in 7 days" in message.get_content()
    path = link_path(message)
    assert path.startswith("/set-password/")

    browser = app.test_client()  # the new user's own browser
    page = browser.get(path)
    assert page.status_code == 200
    assert "Set your password" in page.get_data(as_text=True)
    assert browser.post(path, data={"password": PASSWORD, "confirm": PASSWORD}).status_code == 302
    assert sign_in(browser, "nia.patel@example.org", PASSWORD).status_code == 302
    assert "Signed in as Nia Patel" in browser.get("/").get_data(as_text=True)
    browser.post("/logout")
    assert browser.get(path).status_code == 410  # the link worked once


def test_an_invitation_lasts_seven_days(client, create_user):
    user = create_user(email="nia@example.org")
    assert client.get(f"/set-password/{tokens.make_token(user, tokens.INVITE, at=utcnow() - timedelta(days=6))}").status_code == 200
    expired = client.get(f"/set-password/{tokens.make_token(user, tokens.INVITE, at=utcnow() - timedelta(days=8))}")
    assert expired.status_code == 410
    assert "Ask your administrator to send you a new one" in expired.get_data(as_text=True)


@pytest.mark.app_config(INVITE_EXPIRY_DAYS=2)
def test_the_invitation_lifetime_is_configurable(client, create_user):
    user = create_user(email="nia@example.org")
    assert client.get(f"/set-password/{tokens.make_token(user, tokens.INVITE, at=utcnow() - timedelta(days=3))}").status_code == 410


def test_an_email_address_can_be_used_only_once_whatever_its_case(app, client, login_as, create_user, db):
    login_as(MANAGE)
    create_user(email="jo@example.org", name="Jo Bloggs")
    response = client.post("/admin/users/new", data={"name": "Jo Other", "email": "JO@Example.ORG"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "A user with the email address jo@example.org already exists" in page
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "jo@example.org")) == 1
    assert outbox(app) == []


def test_a_malformed_address_is_refused(client, login_as):
    login_as(MANAGE)
    response = client.post("/admin/users/new", data={"name": "Jo", "email": "jo at example"})
    assert response.status_code == 400
    assert "Enter an email address in the correct format" in response.get_data(as_text=True)


def test_a_new_invitation_can_be_sent_until_the_password_is_set(app, client, login_as, create_user):
    login_as(MANAGE)
    waiting = create_user(email="nia@example.org", name="Nia Patel")
    response = client.post(f"/admin/users/{waiting.id}/invite")
    assert "A new link to set their password has been sent to nia@example.org" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert [message["To"] for message in outbox(app)] == ["nia@example.org"]

    settled = create_user(email="sam@example.org", name="Sam Reid", password=PASSWORD)
    response = client.post(f"/admin/users/{settled.id}/invite")
    assert "Sam Reid has already set a password" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(outbox(app)) == 1


# --- editing -----------------------------------------------------------------------------------------------------------


def test_an_administrator_changes_name_address_and_roles(client, login_as, create_user, db):
    login_as(MANAGE)
    user = create_user(email="jo@example.org", name="Jo Bloggs", roles=("caseworker",))
    form = client.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert 'value="Jo Bloggs"' in form
    response = client.post(
        f"/admin/users/{user.id}/edit",
        data={"name": "Jo Smith", "email": "Jo.Smith@Example.org", "roles": ["finance_officer", "read_only"],
              "version": str(user.version)},
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.email) == ("Jo Smith", "jo.smith@example.org")
    assert sorted(role.code for role in user.roles) == ["finance_officer", "read_only"]


def test_editing_cannot_take_another_users_address(client, login_as, create_user, db):
    login_as(MANAGE)
    create_user(email="taken@example.org")
    user = create_user(email="jo@example.org", name="Jo Bloggs")
    response = client.post(
        f"/admin/users/{user.id}/edit",
        data={"name": "Jo Bloggs", "email": "Taken@example.org", "version": str(user.version)},
    )
    assert response.status_code == 400
    assert "A user with the email address taken@example.org already exists" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email == "jo@example.org"


def test_a_stale_edit_shows_both_values_instead_of_overwriting(client, login_as, create_user, db):
    login_as(MANAGE)
    user = create_user(email="jo@example.org", name="Jo Bloggs")
    opened_on = user.version
    user.name = "Joanna Bloggs"  # someone else saves first
    db.session.flush()
    response = client.post(
        f"/admin/users/{user.id}/edit",
        data={"name": "Jo Smith", "email": "jo@example.org", "version": str(opened_on)},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Jo Smith" in page and "Joanna Bloggs" in page
    db.session.refresh(user)
    assert user.name == "Joanna Bloggs"


# --- deactivating ------------------------------------------------------------------------------------------------------


def test_a_deactivated_user_cannot_sign_in_until_reactivated(app, client, login_as, create_user, db):
    login_as(MANAGE)
    user = create_user(email="jo@example.org", name="Jo Bloggs", password=PASSWORD)
    their_browser = app.test_client()
    assert sign_in(their_browser, "jo@example.org", PASSWORD).status_code == 302

    response = client.post(f"/admin/users/{user.id}/deactivate")
    assert "Jo Bloggs has been deactivated and signed out" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(user)
    assert user.active is False
    assert their_browser.get("/").status_code == 302  # signed out on their next request
    refused = sign_in(their_browser, "jo@example.org", PASSWORD)
    assert refused.status_code == 400
    assert "Your account has been deactivated" in refused.get_data(as_text=True)

    client.post(f"/admin/users/{user.id}/reactivate")
    db.session.refresh(user)
    assert user.active is True
    assert db.session.get(User, user.id) is not None  # never deleted
    assert sign_in(their_browser, "jo@example.org", PASSWORD).status_code == 302


def test_administrators_cannot_deactivate_themselves(client, login_as, db):
    me = login_as(MANAGE)
    response = client.post(f"/admin/users/{me.id}/deactivate")
    assert "You cannot deactivate your own account" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(me)
    assert me.active


def test_the_last_administrator_stays(client, login_as, create_user, db):
    login_as(MANAGE)
    admin = create_user(email="boss@example.org", name="The Boss", roles=("administrator",))
    response = client.post(f"/admin/users/{admin.id}/deactivate")
    assert "This is the only active administrator" in client.get(response.headers["Location"]).get_data(as_text=True)
    refused = client.post(
        f"/admin/users/{admin.id}/edit",
        data={"name": "The Boss", "email": "boss@example.org", "roles": ["read_only"], "version": str(admin.version)},
    )
    assert refused.status_code == 400
    assert "This is the only active administrator" in refused.get_data(as_text=True)
    create_user(email="deputy@example.org", roles=("administrator",))
    client.post(f"/admin/users/{admin.id}/deactivate")
    db.session.refresh(admin)
    assert admin.active is False


# --- the command line --------------------------------------------------------------------------------------------------


def test_ppp_users_commands(app, db):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["users", "create", "--email", "Nia@Example.org", "--name", "Nia Patel",
                                  "--role", "caseworker", "--role", "read_only"])
    assert created.exit_code == 0, created.output
    assert "Created nia@example.org and sent them a link to set their password." in created.output
    [message] = outbox(app)
    assert message["To"] == "nia@example.org"
    assert link_path(message).startswith("/set-password/")

    duplicate = runner.invoke(args=["users", "create", "--email", "NIA@example.org", "--name", "Someone"])
    assert duplicate.exit_code == 1
    assert "A user with the email address nia@example.org already exists" in duplicate.output

    bad_role = runner.invoke(args=["users", "create", "--email", "x@example.org", "--name", "X", "--role", "wizard"])
    assert bad_role.exit_code == 1
    assert 'There is no role with the code "wizard"' in bad_role.output

    listed = runner.invoke(args=["users", "list"])
    assert "nia@example.org\tNia Patel\tinvited\tcaseworker, read_only" in listed.output

    assert runner.invoke(args=["users", "invite", "nia@example.org"]).exit_code == 0
    assert len(outbox(app)) == 2

    assert runner.invoke(args=["users", "deactivate", "nia@example.org"]).output.strip() == "nia@example.org is now deactivated."
    assert "nia@example.org" not in runner.invoke(args=["users", "list"]).output
    assert "nia@example.org\tNia Patel\tdeactivated" in runner.invoke(args=["users", "list", "--status", "inactive"]).output
    assert runner.invoke(args=["users", "reactivate", "nia@example.org"]).output.strip() == "nia@example.org is now active."
    assert services.get_user_by_email("nia@example.org").active

    missing = runner.invoke(args=["users", "deactivate", "nobody@example.org"])
    assert missing.exit_code == 1
    assert "There is no user with the email address nobody@example.org" in missing.output
