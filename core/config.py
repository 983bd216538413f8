"""Configuration: defaults in code, then the instance config file, then environment variables, then the caller."""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any

from core.errors import StartupError

#: environment variables read into the config, with the config key each fills
ENVIRONMENT_VARIABLES = {
    "PPP_ENV": "PPP_ENV",
    "SECRET_KEY": "SECRET_KEY",
    "DATABASE_URL": "DATABASE_URL",
    "REDIS_URL": "REDIS_URL",
    "PPP_PLUGINS_FILE": "PLUGINS_FILE",
    "PPP_SERVICE_NAME": "SERVICE_NAME",
    "PPP_ORGANISATION_NAME": "ORGANISATION_NAME",
    "PPP_JOB_QUEUE_PREFIX": "JOB_QUEUE_PREFIX",
    "PPP_BASE_URL": "BASE_URL",
    "MAIL_SERVER": "MAIL_SERVER",
    "MAIL_PORT": "MAIL_PORT",
    "MAIL_USERNAME": "MAIL_USERNAME",
    "MAIL_PASSWORD": "MAIL_PASSWORD",
    "MAIL_USE_TLS": "MAIL_USE_TLS",
    "MAIL_FROM": "MAIL_FROM",
    "MAIL_OUTBOX": "MAIL_OUTBOX",
    "PPP_SESSION_IDLE_MINUTES": "SESSION_IDLE_MINUTES",
    "PPP_SESSION_ABSOLUTE_HOURS": "SESSION_ABSOLUTE_HOURS",
    "PPP_INVITE_EXPIRY_DAYS": "INVITE_EXPIRY_DAYS",
    "PPP_LOGIN_THROTTLE_ATTEMPTS": "LOGIN_THROTTLE_ATTEMPTS",
    "PPP_LOGIN_THROTTLE_MINUTES": "LOGIN_THROTTLE_MINUTES",
    "PPP_API_TOKEN_DEFAULT_DAYS": "API_TOKEN_DEFAULT_DAYS",
    "PPP_API_TOKEN_MAX_DAYS": "API_TOKEN_MAX_DAYS",
    "PPP_API_RATE_LIMIT_PER_MINUTE": "API_RATE_LIMIT_PER_MINUTE",
    "PPP_WEBHOOK_TIMEOUT_SECONDS": "WEBHOOK_TIMEOUT_SECONDS",
    "PPP_BANK_HOLIDAY_DIVISION": "BANK_HOLIDAY_DIVISION",
}

#: every setting the core knows, with its default and what it is for (docs/configuration is generated from this)
DEFAULTS: dict[str, tuple[Any, str]] = {
    "PPP_ENV": ("development", "development, test or production; production insists on a real SECRET_KEY"),
    "SECRET_KEY": (None, "signs sessions and tokens; required in production"),
    "DATABASE_URL": (None, "SQLAlchemy URL; default is a SQLite file in the instance folder"),
    "REDIS_URL": (None, "Redis for the job queue; without it jobs run in-process"),
    "PLUGINS_FILE": ("plugins.toml", "the file listing enabled modules and their settings"),
    "SERVICE_NAME": ("PPP", "the service name shown in the header"),
    "ORGANISATION_NAME": ("Example Council", "the council or provider shown in the header and on documents"),
    "JOB_QUEUE_PREFIX": ("ppp", "prefix for rq queue names, so two deployments can share one Redis"),
    "BASE_URL": ("http://localhost:5000", "the public address, used in links sent by email"),
    "MAIL_SERVER": (None, "SMTP host; without it mail is written to the instance outbox folder"),
    "MAIL_PORT": (587, "SMTP port"),
    "MAIL_USERNAME": (None, "SMTP user name"),
    "MAIL_PASSWORD": (None, "SMTP password"),
    "MAIL_USE_TLS": (True, "use STARTTLS for SMTP"),
    "MAIL_FROM": ("ppp@localhost", "sender address for mail"),
    "MAIL_OUTBOX": (None, "folder for mail when MAIL_SERVER is unset; default <instance>/outbox"),
    "SESSION_IDLE_MINUTES": (30, "sign a user out after this many minutes without a request"),
    "SESSION_ABSOLUTE_HOURS": (12, "sign a user out this many hours after they signed in, however active"),
    "INVITE_EXPIRY_DAYS": (7, "days a new user's set-your-password link stays valid"),
    "LOGIN_THROTTLE_ATTEMPTS": (5, "failed sign-ins for one account or from one address before sign-in is refused"),
    "LOGIN_THROTTLE_MINUTES": (15, "the window those failures are counted in, and how long sign-in is then refused"),
    "API_TOKEN_DEFAULT_DAYS": (90, "days a new personal API token lasts unless its maker chooses otherwise"),
    "API_TOKEN_MAX_DAYS": (365, "the longest a personal API token may last"),
    "API_RATE_LIMIT_PER_MINUTE": (600, "API requests one token may make in a minute before 429; 0 for no limit"),
    "WEBHOOK_TIMEOUT_SECONDS": (10, "how long a webhook receiver has to answer before the attempt counts as failed"),
    "BANK_HOLIDAY_DIVISION": (
        "england-and-wales",
        "the nation whose bank holidays apply: england-and-wales, scotland or northern-ireland",
    ),
}

_INSECURE_KEYS = {"", "dev", "secret", "changeme", "change-me", "development"}


def load_config(app, config: dict[str, Any] | None) -> None:
    """Fill app.config from defaults, the instance file, the environment and the caller, in that order."""
    app.config.update({key: default for key, (default, _) in DEFAULTS.items()})
    app.config.from_file("config.toml", load=tomllib.load, text=False, silent=True)
    for variable, key in ENVIRONMENT_VARIABLES.items():
        if variable in os.environ:
            app.config[key] = _coerce(os.environ[variable], DEFAULTS.get(key, (None, ""))[0])
    if config:
        app.config.update(config)

    env = app.config["PPP_ENV"]
    if env not in {"development", "test", "production"}:
        raise StartupError(f'PPP_ENV is "{env}": set it to development, test or production.')
    app.config["TESTING"] = app.config.get("TESTING", False) or env == "test"

    if env == "production":
        key = app.config.get("SECRET_KEY") or ""
        if key.lower() in _INSECURE_KEYS or len(key) < 32:
            raise StartupError(
                "SECRET_KEY must be a random value of at least 32 characters when PPP_ENV=production: "
                "generate one with  python -c 'import secrets; print(secrets.token_hex(32))'"
            )
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _development_secret_key(Path(app.instance_path))

    if not app.config.get("DATABASE_URL"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'ppp.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["DATABASE_URL"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})

    # cookies: HttpOnly and SameSite always, Secure where the site runs over https
    # (Flask's own defaults already hold these keys, so setdefault would leave SameSite unset)
    for prefix in ("SESSION_COOKIE", "REMEMBER_COOKIE"):
        app.config[f"{prefix}_HTTPONLY"] = True
        if not app.config.get(f"{prefix}_SAMESITE"):
            app.config[f"{prefix}_SAMESITE"] = "Lax"
        app.config[f"{prefix}_SECURE"] = env == "production"
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the short way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _development_secret_key(instance: Path) -> str:
    # a per-installation random key, kept in the instance folder so sessions survive restarts
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _coerce(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        try:
            return int(value)
        except ValueError as exc:
            raise StartupError(f'Environment value "{value}" should be a whole number.') from exc
    return value
