"""Password rules, re-hashing, and the forgotten-password journey: same answer for any address, single-use expiring links."""

from __future__ import annotations

import email
import email.policy
import re
import socketserver
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.security import services, tokens
from core.security.passwords import common_passwords, hash_password, password_problem, verify_password
from core.types import utcnow

PASSWORD = "a long and unusual passphrase"
NEW_PASSWORD = "another quite unusual passphrase"


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


# --- rules ---------------------------------------------------------------------------------------------------------


def test_the_common_password_list_ships_with_the_package_and_has_the_usual_suspects():
    passwords = common_passwords()
    assert len(passwords) >= 10_000
    assert {"password", "123456", "qwerty123456", "iloveyou", "#1pimp"} <= passwords
    assert all(entry == entry.lower() for entry in passwords)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("elevenchars", "Password must be 12 characters or more"),
        ("qwerty123456", "Password is too common: choose one that is harder to guess"),
        ("QWERTY123456", "Password is too common: choose one that is harder to guess"),
        ("1q2w3e4r5t6y", "Password is too common: choose one that is harder to guess"),
        ("twelve chars", None),
        (PASSWORD, None),
    ],
)
def test_password_rules(password, problem):
    assert password_problem(password) == problem


def test_a_hash_made_with_weaker_parameters_is_replaced_at_sign_in(client, create_user, db):
    user = create_user(email="jo@example.org")
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    db.session.flush()
    assert sign_in(client, "jo@example.org", PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.password_hash != weak
    assert "$argon2id$v=19$m=65536,t=3,p=4$" in user.password_hash
    assert verify_password(user.password_hash, PASSWORD)
    current = user.password_hash
    client.post("/logout")
    sign_in(client, "jo@example.org", PASSWORD)
    db.session.refresh(user)
    assert user.password_hash == current  # already current: left alone


def test_create_admin_refuses_a_common_password(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "--email", "boss@example.org", "--name", "Boss"],
        input="password1234\npassword1234\n",
    )
    assert result.exit_code == 1
    assert "Password is too common" in result.output
    assert services.get_user_by_email("boss@example.org") is None


# --- forgotten password ---------------------------------------------------------------------------------------------


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(app, client, create_user, db):
    create_user(email="jo@example.org", name="Jo Bloggs", password=PASSWORD)
    known = client.post("/reset-password", data={"email": "Jo@Example.org"})
    unknown = client.post("/reset-password", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    assert "Check your email" in known.get_data(as_text=True)
    [message] = outbox(app)
    assert message["To"] == "jo@example.org"
    assert message["Subject"] == "Reset your password for PPP"
    assert "Dear Jo Bloggs" in message.get_content()
    [requested] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "password_reset_requested"))
    assert requested.entity_id == str(services.get_user_by_email("jo@example.org").id)


def test_a_deactivated_user_gets_no_reset_link(app, client, create_user):
    create_user(email="jo@example.org", password=PASSWORD, active=False)
    client.post("/reset-password", data={"email": "jo@example.org"})
    assert outbox(app) == []


def test_a_reset_link_sets_a_new_password_once(app, client, create_user, db):
    create_user(email="jo@example.org", password=PASSWORD)
    client.post("/reset-password", data={"email": "jo@example.org"})
    path = link_path(outbox(app)[0])
    assert path.startswith("/reset-password/")
    page = client.get(path)
    assert page.status_code == 200
    assert "Choose a new password" in page.get_data(as_text=True)
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert "Your password has been set" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert sign_in(client, "jo@example.org", PASSWORD).status_code == 400
    assert sign_in(client, "jo@example.org", NEW_PASSWORD).status_code == 302
    client.post("/logout")
    # used once: the link is dead, for reading and for posting
    again = client.get(path)
    assert again.status_code == 410
    assert "This link has expired or has already been used" in again.get_data(as_text=True)
    assert client.post(path, data={"password": "yet another passphrase", "confirm": "yet another passphrase"}).status_code == 410
    assert sign_in(client, "jo@example.org", NEW_PASSWORD).status_code == 302


def test_a_reset_link_expires_after_one_hour(client, create_user):
    user = create_user(email="jo@example.org", password=PASSWORD)
    fresh_enough = tokens.make_token(user, tokens.RESET, at=utcnow() - timedelta(minutes=59))
    too_old = tokens.make_token(user, tokens.RESET, at=utcnow() - timedelta(minutes=61))
    assert client.get(f"/reset-password/{fresh_enough}").status_code == 200
    response = client.get(f"/reset-password/{too_old}")
    assert response.status_code == 410
    assert "Ask for a new link" in response.get_data(as_text=True)


def test_a_reset_link_dies_when_the_password_changes_another_way(client, create_user, db):
    user = create_user(email="jo@example.org", password=PASSWORD)
    token = tokens.make_token(user, tokens.RESET)
    user.password_hash = hash_password(NEW_PASSWORD)
    db.session.flush()
    assert client.get(f"/reset-password/{token}").status_code == 410


def test_a_reset_link_dies_when_the_email_address_changes(client, create_user, db):
    user = create_user(email="jo@example.org", password=PASSWORD)
    token = tokens.make_token(user, tokens.RESET)
    user.email = "jo.bloggs@example.org"
    db.session.flush()
    assert client.get(f"/reset-password/{token}").status_code == 410


def test_forged_and_cross_purpose_tokens_are_refused(client, create_user):
    user = create_user(email="jo@example.org")
    invitation = tokens.make_token(user, tokens.INVITE)
    assert client.get(f"/set-password/{invitation}").status_code == 200
    assert client.get(f"/reset-password/{invitation}").status_code == 410
    assert client.get(f"/set-password/{invitation[:-2]}xx").status_code == 410
    assert client.get("/reset-password/not-a-token").status_code == 410


@pytest.mark.parametrize(
    ("password", "confirm", "error"),
    [
        ("short one", "short one", "Password must be 12 characters or more"),
        ("qwertyuiop123", "qwertyuiop123", "Password is too common"),
        (NEW_PASSWORD, "something else entirely", "The passwords do not match"),
        ("", "", "Enter a new password"),
    ],
)
def test_the_set_password_page_explains_what_is_wrong(client, create_user, password, confirm, error):
    user = create_user(email="jo@example.org", password=PASSWORD)
    token = tokens.make_token(user, tokens.RESET)
    response = client.post(f"/reset-password/{token}", data={"password": password, "confirm": confirm})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert error in page
    assert client.get(f"/reset-password/{token}").status_code == 200  # a refused attempt does not use the link up


def test_the_reset_pages_are_open_without_signing_in(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/reset-password"' in page
    form = client.get("/reset-password")
    assert form.status_code == 200
    assert "Reset your password" in form.get_data(as_text=True)


# --- SMTP ----------------------------------------------------------------------------------------------------------


class FakeSMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept messages and keep them."""

    def handle(self):
        self.wfile.write(b"220 fake ESMTP\r\n")
        lines: list[bytes] = []
        in_data = False
        while line := self.rfile.readline():
            if in_data:
                if line == b".\r\n":
                    self.server.messages.append(b"".join(lines))
                    lines, in_data = [], False
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line[1:] if line.startswith(b"..") else line)
                continue
            command = line[:4].upper()
            if command == b"DATA":
                in_data = True
                self.wfile.write(b"354 go ahead\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeSMTPHandler)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_with_an_smtp_server_mail_goes_there_instead_of_the_outbox(make_app, smtp_server):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1], MAIL_USE_TLS=False)
    user = services.create_user("jo@example.org", "Jo Bloggs", password=PASSWORD)
    response = app.test_client().post("/reset-password", data={"email": "jo@example.org"})
    assert response.status_code == 200
    deadline = time.monotonic() + 5
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    [raw] = smtp_server.messages
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == user.email
    assert link_path(message).startswith("/reset-password/")
    assert not Path(app.config["MAIL_OUTBOX"]).exists()
