"""The app factory's configuration: where settings come from, production safety, and no database at start-up."""

from __future__ import annotations

import pytest

from core import create_app
from core.config import ENVIRONMENT_VARIABLES, normalise_database_url
from core.errors import StartupError

REAL_KEY = "6f1d0c3b9a8e7d6c5b4a39281706f5e4d3c2b1a0"


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No PPP settings from the machine's environment; an empty instance folder of the test's own."""
    for variable in [*ENVIRONMENT_VARIABLES, "PPP_INSTANCE_PATH"]:
        monkeypatch.delenv(variable, raising=False)
    instance = tmp_path / "instance"
    monkeypatch.setenv("PPP_INSTANCE_PATH", str(instance))
    monkeypatch.chdir(tmp_path)
    return instance


def test_app_builds_without_reaching_the_database(clean_env):
    # nothing listens on port 1: any connection attempt would fail
    app = create_app(config={"DATABASE_URL": "postgresql://ppp@127.0.0.1:1/nowhere"}, modules=[])
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://ppp@127.0.0.1:1/nowhere"
    login = app.test_client().get("/login")
    assert login.status_code == 200
    assert "Sign in" in login.get_data(as_text=True)


def test_default_sqlite_file_is_not_created_by_start_up(clean_env):
    app = create_app(modules=[])
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{clean_env / 'ppp.sqlite3'}"
    assert not (clean_env / "ppp.sqlite3").exists()


def test_settings_order_defaults_file_environment_caller(clean_env, monkeypatch):
    clean_env.mkdir()
    (clean_env / "config.toml").write_text(
        'SERVICE_NAME = "Housing register"\n'
        'ORGANISATION_NAME = "Borsetshire County Council"\n'
        'BASE_URL = "https://file.example.org"\n'
        'MAIL_FROM = "file@example.org"\n'
    )
    monkeypatch.setenv("PPP_ORGANISATION_NAME", "Felpersham City Council")
    monkeypatch.setenv("PPP_BASE_URL", "https://env.example.org")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("MAIL_USE_TLS", "no")

    app = create_app(config={"BASE_URL": "https://caller.example.org"}, modules=[])

    assert app.config["JOB_QUEUE_PREFIX"] == "ppp"  # default
    assert app.config["SERVICE_NAME"] == "Housing register"  # file over default
    assert app.config["MAIL_FROM"] == "file@example.org"
    assert app.config["ORGANISATION_NAME"] == "Felpersham City Council"  # environment over file
    assert app.config["BASE_URL"] == "https://caller.example.org"  # caller over environment
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["MAIL_USE_TLS"] is False


def test_service_name_from_the_file_is_shown_in_the_header(clean_env):
    clean_env.mkdir()
    (clean_env / "config.toml").write_text('SERVICE_NAME = "Housing register"\n')
    app = create_app(modules=[])
    assert "Housing register" in app.test_client().get("/login").get_data(as_text=True)


def test_environment_number_that_is_not_a_number_stops_start_up(clean_env, monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "five-eight-seven")
    with pytest.raises(StartupError, match='"five-eight-seven" should be a whole number'):
        create_app(modules=[])


def test_unknown_environment_name_stops_start_up(clean_env, monkeypatch):
    monkeypatch.setenv("PPP_ENV", "staging")
    with pytest.raises(StartupError, match="set it to development, test or production"):
        create_app(modules=[])


@pytest.mark.parametrize("key", [None, "", "changeme", "dev", "short-but-not-empty"])
def test_production_refuses_to_start_without_a_real_secret_key(clean_env, monkeypatch, key):
    monkeypatch.setenv("PPP_ENV", "production")
    if key is not None:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(StartupError) as failure:
        create_app(modules=[])
    message = str(failure.value)
    assert "SECRET_KEY" in message and "PPP_ENV=production" in message
    assert "\n" not in message
    # the development key file must not be created or used in production
    assert not (clean_env / "secret_key").exists()


def test_production_starts_with_a_real_secret_key(clean_env, monkeypatch):
    monkeypatch.setenv("PPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", REAL_KEY)
    app = create_app(modules=[])
    assert app.config["SECRET_KEY"] == REAL_KEY
    assert app.config["TESTING"] is False


def test_development_key_is_generated_once_and_kept(clean_env):
    first = create_app(modules=[]).config["SECRET_KEY"]
    second = create_app(modules=[]).config["SECRET_KEY"]
    assert len(first) >= 32
    assert first == second == (clean_env / "secret_key").read_text()
    assert (clean_env / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://ppp:pw@db.example.org/ppp", "postgresql+psycopg://ppp:pw@db.example.org/ppp"),
        ("postgresql://ppp@127.0.0.1:5432/ppp", "postgresql+psycopg://ppp@127.0.0.1:5432/ppp"),
        ("postgresql+psycopg://ppp@127.0.0.1/ppp", "postgresql+psycopg://ppp@127.0.0.1/ppp"),
        ("sqlite:////var/lib/ppp/ppp.sqlite3", "sqlite:////var/lib/ppp/ppp.sqlite3"),
    ],
)
def test_postgres_urls_use_psycopg_3(given, used):
    assert normalise_database_url(given) == used


def test_database_url_from_the_environment_uses_psycopg_3(clean_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://ppp@127.0.0.1:1/ppp")
    app = create_app(modules=[])
    with app.app_context():
        from core.extensions import db

        assert db.engine.dialect.driver == "psycopg"


def _session_cookie_flags(app) -> str:
    # the login page puts a CSRF token in the session, so its response sets the session cookie
    response = app.test_client().get("/login")
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def test_cookies_are_secure_only_in_production(clean_env, monkeypatch):
    development = create_app(modules=[])
    assert development.config["SESSION_COOKIE_SECURE"] is False
    assert development.config["REMEMBER_COOKIE_SECURE"] is False
    cookie = _session_cookie_flags(development)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie

    monkeypatch.setenv("PPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", REAL_KEY)
    production = create_app(modules=[])
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    cookie = _session_cookie_flags(production)
    assert "Secure" in cookie and "HttpOnly" in cookie
