"""Every write about users and roles, and the checks that go with them."""

from __future__ import annotations

import time
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app, g, session
from flask_login import login_user, logout_user
from sqlalchemy import func, or_, select

from core.extensions import db
from core.mail import send_mail
from core.permissions import acting_user, authorize
from core.security import throttle, tokens
from core.security.models import KnownPermission, Role, RolePermission, User
from core.security.passwords import hash_password, needs_rehash, password_problem, verify_password
from core.types import utcnow

MANAGE_USERS = "admin.users.manage"

#: session keys holding when the user signed in and when they were last seen (seconds since the epoch)
SIGNED_IN_AT = "ppp_signed_in_at"
LAST_SEEN_AT = "ppp_last_seen_at"

#: roles every installation starts with: (code, name, description, grants_all)
SEEDED_ROLES: tuple[tuple[str, str, str, bool], ...] = (
    ("administrator", "Administrator", "Every permission, including those modules add later.", True),
    ("caseworker", "Caseworker", "Works with people and their cases day to day.", False),
    ("section_manager", "Section manager", "Manages a team or section and its registers.", False),
    ("finance_officer", "Finance officer", "Runs payments, charges and invoices.", False),
    ("read_only", "Read-only", "Can look but not change.", False),
)


class UserError(ValueError):
    """A user change was refused; the message names the field and the fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def validate_password(password: str) -> None:
    """Refuse passwords that are too short or on the common-password list."""
    problem = password_problem(password)
    if problem:
        raise UserError("password", problem)


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, name: str, password: str | None = None, role_codes: tuple[str, ...] = ()) -> User:
    """Create a user; without a password they set one through an emailed link."""
    email = normalise_email(email)
    if get_user_by_email(email) is not None:
        raise UserError("email", f"A user with the email address {email} already exists")
    user = User(email=email, name=name.strip(), active=True)
    if password is not None:
        user.password_hash = hash_password(password)
    user.roles = [role_by_code(code) for code in role_codes]
    db.session.add(user)
    db.session.flush()
    current_app.extensions["ppp"].pm.hook.user_created(user=user)
    return user


def role_by_code(code: str) -> Role:
    role = db.session.scalar(select(Role).where(Role.code == code))
    if role is None:
        raise UserError(
            "roles", f'There is no role with the code "{code}"; run "ppp db upgrade" to seed roles'
        )
    return role


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with this email and password, re-hashing the password if its parameters are old."""
    user = get_user_by_email(email)
    if user is None or not user.password_hash:
        verify_password(_dummy_hash(), password)  # as slow as a real check, so timing does not reveal accounts
        return None
    if not user.active or not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def sync_roles() -> int:
    """Create missing seeded roles and give seeded roles each newly seen permission once; return grants added."""
    existing = {role.code: role for role in db.session.scalars(select(Role))}
    for code, name, description, grants_all in SEEDED_ROLES:
        if code not in existing:
            existing[code] = Role(code=code, name=name, description=description, grants_all=grants_all)
            db.session.add(existing[code])
    db.session.flush()
    known = set(db.session.scalars(select(KnownPermission.name)))
    added = 0
    for permission in current_app.extensions["ppp"].permissions.values():
        if permission.name in known:
            continue
        db.session.add(KnownPermission(name=permission.name))
        for code in permission.default_roles:
            if code in existing and not existing[code].grants_all:
                db.session.add(RolePermission(role=existing[code], permission=permission.name))
                added += 1
    db.session.flush()
    return added


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0


@cache
def _dummy_hash() -> str:
    return hash_password("a password no account has")


# --- signing in and out ------------------------------------------------------------------------------------------


class SignInRefused(Exception):
    """Signing in was refused; the message is what the user is told."""


class SignInThrottled(SignInRefused):
    """Signing in was refused without checking the password, after too many failures."""


def throttle_message() -> str:
    return f"Too many attempts. Try again in {current_app.config['LOGIN_THROTTLE_MINUTES']} minutes."


def sign_in(email: str, password: str, ip_address: str) -> User:
    """Check the password unless too many attempts failed, start a fresh session, and audit the outcome."""
    from core.audit import services as audit

    email = normalise_email(email)[:254]
    ip_address = ip_address or "unknown"
    user = get_user_by_email(email)
    user_id = user.id if user is not None else None
    if throttle.refused_until(email, ip_address) is not None:
        # refused even when the password is right, so guessing gains nothing during the lock
        throttle.record(email, ip_address, throttle.THROTTLED)
        audit.record("login_throttled", "user_account", user_id)
        raise SignInThrottled(throttle_message())
    signed_in = authenticate(email, password)
    if signed_in is None:
        throttle.record(email, ip_address, throttle.FAILED)
        audit.record("login_failed", "user_account", user_id)
        if user is not None and not user.active and verify_password(user.password_hash, password):
            raise SignInRefused("Your account has been deactivated. Ask your administrator if you need it again")
        raise SignInRefused("Enter a correct email address and password")
    throttle.record(email, ip_address, throttle.SUCCEEDED)
    session.clear()  # a fresh session at login, so an earlier session id cannot be reused
    login_user(signed_in)
    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN_AT] = now
    audit.record("login", "user_account", signed_in.id)
    return signed_in


def sign_out() -> None:
    """End the current user's session and audit it."""
    from core.audit import services as audit

    user = acting_user()
    if user is not None:
        audit.record("logout", "user_account", user.id)
    logout_user()
    session.clear()


def session_problem(user, now: float | None = None) -> str | None:
    """Why the session's user must be signed out now (deactivated, idle or too old), or None; marks them seen."""
    now = time.time() if now is None else now
    if not getattr(user, "active", False):
        return "Your account has been deactivated. Ask your administrator if you need it again."
    config = current_app.config
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen_at = session.get(LAST_SEEN_AT)
    if signed_in_at is None or last_seen_at is None:
        # a session made without the sign-in page (a test helper): its clock starts now
        session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = int(now)
        return None
    if now - last_seen_at > config["SESSION_IDLE_MINUTES"] * 60:
        return (
            f"You were signed out because you had not used the service for {config['SESSION_IDLE_MINUTES']} "
            f"minutes. Sign in again."
        )
    if now - signed_in_at > config["SESSION_ABSOLUTE_HOURS"] * 3600:
        return (
            f"You were signed out because you signed in more than {config['SESSION_ABSOLUTE_HOURS']} hours ago. "
            f"Sign in again."
        )
    session[LAST_SEEN_AT] = int(now)
    return None


# --- maintaining users -------------------------------------------------------------------------------------------


def act_from_command_line() -> None:
    """Mark this app context as the server's operator at the command line, who manages users without signing in."""
    g.ppp_command_line = True


def _authorize_manage_users() -> None:
    # the command line runs as whoever operates the server; screens and jobs need the permission
    if not g.get("ppp_command_line"):
        authorize(MANAGE_USERS)


def clean_email(email: str) -> str:
    """The address lower-cased and checked for form, or a UserError naming the problem."""
    try:
        return normalise_email(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise UserError("email", "Enter an email address in the correct format, like name@example.org") from exc


def find_users(search: str = "", status: str = "active") -> list[User]:
    """Users whose name or email contains the search text; status is "active", "inactive" or "all"."""
    _authorize_manage_users()
    query = select(User).order_by(func.lower(User.name), User.email)
    if status == "active":
        query = query.where(User.active.is_(True))
    elif status == "inactive":
        query = query.where(User.active.is_(False))
    search = search.strip().lower()
    if search:
        query = query.where(
            or_(func.lower(User.name).contains(search, autoescape=True), User.email.contains(search, autoescape=True))
        )
    return list(db.session.scalars(query))


def assignable_roles() -> list[Role]:
    """Every role, for the user form."""
    return list(db.session.scalars(select(Role).order_by(Role.name)))


def invite_user(email: str, name: str, role_codes: tuple[str, ...] = ()) -> User:
    """Create a user without a password and email them a link to set their own."""
    _authorize_manage_users()
    if not name.strip():
        raise UserError("name", "Enter the user's full name")
    user = create_user(clean_email(email), name, role_codes=tuple(role_codes))
    send_invitation(user)
    return user


def update_user(user: User, email: str, name: str, role_codes: tuple[str, ...]) -> None:
    """Change a user's email address, name and roles; the address stays unique whatever its case."""
    _authorize_manage_users()
    email = clean_email(email)
    if not name.strip():
        raise UserError("name", "Enter the user's full name")
    other = get_user_by_email(email)
    if other is not None and other.id != user.id:
        raise UserError("email", f"A user with the email address {email} already exists")
    roles = [role_by_code(code) for code in role_codes]
    if user.active and _is_last_administrator(user) and not any(role.grants_all for role in roles):
        raise UserError("roles", "This is the only active administrator: give another user the Administrator role first")
    user.email = email
    user.name = name.strip()
    user.roles = roles
    db.session.flush()


def set_user_active(user: User, active: bool) -> None:
    """Deactivate a user (they are signed out on their next request) or reactivate them; users are never deleted."""
    _authorize_manage_users()
    if not active:
        actor = acting_user()
        if actor is not None and actor.id == user.id:
            raise UserError("active", "You cannot deactivate your own account")
        if _is_last_administrator(user):
            raise UserError("active", "This is the only active administrator: give another user the Administrator role first")
    user.active = active
    db.session.flush()


def _is_last_administrator(user: User) -> bool:
    admins = db.session.scalars(
        select(User.id).join(User.roles).where(Role.grants_all.is_(True), User.active.is_(True)).distinct()
    ).all()
    return list(admins) == [user.id]


def _link(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def send_invitation(user: User) -> None:
    """Email a new user a link to set their password, valid for INVITE_EXPIRY_DAYS days."""
    _authorize_manage_users()
    if not user.active:
        raise UserError("active", "Reactivate the user before inviting them")
    if user.password_hash:
        raise UserError("email", f"{user.name} has already set a password: they can use \"Forgotten your password?\"")
    token = tokens.make_token(user, tokens.INVITE)
    days = current_app.config["INVITE_EXPIRY_DAYS"]
    service = current_app.config["SERVICE_NAME"]
    organisation = current_app.config["ORGANISATION_NAME"]
    send_mail(
        user.email,
        f"Set your password for {service}",
        f"Dear {user.name},\n\n"
        f"{organisation} has given you an account on {service}. Set your password to start using it:\n\n"
        f"{_link('/set-password/' + token)}\n\n"
        f"The link works once and expires in {days} days. If it has expired, ask your administrator for a new one.\n",
    )


def request_password_reset(email: str) -> None:
    """Email a reset link if an active user has this address; say nothing either way, so accounts stay private."""
    from core.audit import services as audit

    try:
        email = clean_email(email)
    except UserError:
        return
    user = get_user_by_email(email)
    if user is None or not user.active:
        return
    token = tokens.make_token(user, tokens.RESET)
    service = current_app.config["SERVICE_NAME"]
    send_mail(
        user.email,
        f"Reset your password for {service}",
        f"Dear {user.name},\n\n"
        f"Someone asked to reset the password of your account on {service}. If it was you, set a new password here:\n\n"
        f"{_link('/reset-password/' + token)}\n\n"
        f"The link works once and expires in 1 hour. If you did not ask, you can ignore this email: "
        f"your password has not changed.\n",
        wait=False,  # slow SMTP must not reveal that the account exists
    )
    audit.record("password_reset_requested", "user_account", user.id)


def user_for_token(token: str, purpose: str) -> User | None:
    """The user a reset or invitation link is for, or None if it is forged, expired or already used."""
    return tokens.read_token(token, purpose)


def set_password_with_token(token: str, purpose: str, password: str) -> User:
    """Set the password of the user a valid link is for; the link dies as the hash changes."""
    from core.audit import services as audit

    user = tokens.read_token(token, purpose)
    if user is None:
        raise UserError("token", "This link has expired or has already been used")
    validate_password(password)
    user.password_hash = hash_password(password)
    db.session.flush()
    audit.record("password_changed", "user_account", user.id)
    return user
