"""Fixtures shared by the core's and every module's tests."""

from __future__ import annotations

import contextvars
import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from core import create_app
from core.extensions import db as _db

__all__ = [
    "act_as", "app", "client", "create_user", "database_url", "db", "login_as", "make_app", "pytest_configure",
    "redis_url", "run_jobs", "test_config",
]

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def pytest_configure(config):
    config.addinivalue_line("markers", "modules(*names): the modules enabled in the test's app")
    config.addinivalue_line("markers", "app_config(**settings): extra config for the test's app")
    config.addinivalue_line("markers", "redis: the test needs a real Redis (REDIS_URL); skipped without one")


def builtin_modules() -> list[str]:
    """Every module in the modules/ folder."""
    from core.modules import discover_modules

    return sorted(name for name, found in discover_modules().items() if found.source == "built-in")


def _prepare_database(url: str) -> None:
    """Empty the test database and upgrade it with every built-in module, once per test session."""
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    from core import database

    app = create_app(config={"PPP_ENV": "test", "DATABASE_URL": url, "SECRET_KEY": TEST_SECRET}, modules=builtin_modules())
    with app.app_context():
        database.upgrade(app, echo=lambda *_: None)
        # seeded once per session (about a thousand rows), not per test like lookups
        from core.calendar import services as calendar

        calendar.sync()
        _db.session.commit()
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The migrated test database: TEST_DATABASE_URL (PostgreSQL in CI) or a SQLite file."""
    from core.config import normalise_database_url

    url = os.environ.get("TEST_DATABASE_URL")
    url = normalise_database_url(url) if url else f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    _prepare_database(url)
    return url


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    """REDIS_URL when a Redis answers there, else None."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(url, socket_connect_timeout=1).ping()
    except RedisError:
        return None
    return url


@pytest.fixture
def test_config(request, database_url, redis_url, tmp_path) -> dict:
    """The config a test app gets: test mode, the test database, CSRF off unless a test turns it on."""
    config = {
        "PPP_ENV": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "WTF_CSRF_ENABLED": False,
        "REDIS_URL": None,
        "SERVER_NAME": "ppp.test",
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
        "INSTANCE_TMP": str(tmp_path),
    }
    if request.node.get_closest_marker("redis"):
        if redis_url is None:
            pytest.skip("needs Redis: set REDIS_URL to a reachable Redis (CI does)")
        config["REDIS_URL"] = redis_url
        config["JOB_QUEUE_PREFIX"] = f"ppptest{uuid.uuid4().hex[:8]}"
    marker = request.node.get_closest_marker("app_config")
    if marker:
        config.update(marker.kwargs)
    return config


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, with its own g and session, as a real server would."""

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        _db.session.expire_all()  # the test's own session must see what the request wrote
        return response


class TestConnection:
    """One connection and transaction per test, shared by every app the test builds, rolled back at the end."""

    def __init__(self) -> None:
        self.app = None
        self.connection = None
        self.transaction = None

    @contextmanager
    def bind(self, app) -> Iterator[None]:
        """Push an app context whose sessions use the shared connection."""
        from core.cases import configuration as case_types
        from core.lookups import services as lookups
        from core.security import services as security

        with app.app_context():
            if self.connection is None:
                self.app = app
                self.connection = _db.engine.connect()
                self.transaction = self.connection.begin()
            _db.session.remove()
            _db.session.configure(bind=self.connection, join_transaction_mode="create_savepoint")
            try:
                lookups.sync()
                security.sync_roles()
                case_types.sync()
                _db.session.flush()
                yield
            finally:
                _db.session.remove()
                _db.engine.dispose()

    def close(self) -> None:
        if self.connection is not None:
            with self.app.app_context():
                _db.session.remove()
                _db.session.configure(bind=None)
            self.transaction.rollback()
            self.connection.close()


@pytest.fixture
def make_app(test_config):
    """Build apps with chosen modules; ``extra`` maps names to throwaway plugin modules or import paths."""
    stack = ExitStack()
    shared = TestConnection()
    stack.callback(shared.close)

    def factory(modules=(), extra=None, **config):
        settings = {**test_config, **config}
        if extra:
            settings["PPP_EXTRA_MODULES"] = dict(extra)
        app = create_app(config=settings, modules=list(modules))
        app.test_client_class = IsolatedClient
        stack.enter_context(shared.bind(app))
        return app

    yield factory
    stack.close()


@pytest.fixture
def app(request, make_app):
    """An app with the modules named by ``@pytest.mark.modules(...)`` (none by default), inside a rolled-back test."""
    marker = request.node.get_closest_marker("modules")
    return make_app(modules=marker.args if marker else ())


@pytest.fixture
def db(app):
    """The database handle; everything a test writes is rolled back afterwards."""
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def create_user(app):
    """Create a user holding a fresh role with exactly the given permissions (and any seeded role codes)."""
    from core.security import services
    from core.security.models import Role, RolePermission

    def factory(*permissions: str, email: str | None = None, name: str = "Test User", roles: tuple[str, ...] = (),
                password: str | None = None, active: bool = True):
        user = services.create_user(email or f"user-{uuid.uuid4().hex[:10]}@example.org", name, password=password,
                                    role_codes=tuple(roles))
        if permissions:
            role = Role(code=f"test_{uuid.uuid4().hex[:10]}", name="Test role",
                        grants=[RolePermission(permission=name) for name in permissions])
            _db.session.add(role)
            user.roles = [*user.roles, role]
        user.active = active
        _db.session.flush()
        return user

    return factory


@pytest.fixture
def login_as(client, create_user):
    """Log the test client in as a new user holding exactly the given permissions; returns the user."""

    def login(*permissions: str, **fields):
        user = create_user(*permissions, **fields)
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return user

    return login


@pytest.fixture
def act_as(create_user):
    """Make service calls in this test act as a new user holding exactly the given permissions; returns the user."""
    from flask import g

    def act(*permissions: str, **fields):
        g.ppp_actor = create_user(*permissions, **fields)
        return g.ppp_actor

    return act


@pytest.fixture
def run_jobs(app):
    """Run every queued job with a real rq worker in burst mode; without Redis, jobs already ran in-process."""

    def run() -> None:
        if not app.config.get("REDIS_URL"):
            return
        from core.jobs.worker import make_worker

        make_worker(app, simple=True).work(burst=True)

    yield run
    if app.config.get("REDIS_URL"):
        from redis import Redis

        connection = Redis.from_url(app.config["REDIS_URL"])
        for key in connection.scan_iter(f"*{app.config['JOB_QUEUE_PREFIX']}*"):
            connection.delete(key)


def project_root() -> Path:
    return Path(__file__).resolve().parents[2]
