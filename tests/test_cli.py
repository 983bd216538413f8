"""The ``ppp`` command, run as a user runs it: its own process, working folder, plugins.toml and instance folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.security.demo import DEMO_USERS
from core.testing.fixtures import builtin_modules, project_root

PPP = Path(sys.executable).parent / "ppp"


class Site:
    """A working folder with its own plugins.toml and instance folder, and a way to run ``ppp`` in it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.instance = root / "instance"
        self.instance.mkdir()
        self.plugins("[]")
        self.env = {
            key: value for key, value in os.environ.items()
            if not key.startswith(("PPP_", "FLASK_")) and key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
        }
        self.env.update(PPP_INSTANCE_PATH=str(self.instance), PYTHONPATH=str(project_root()))

    def plugins(self, enabled: str) -> None:
        (self.root / "plugins.toml").write_text(f"enabled = {enabled}\n")

    def ppp(self, *args: str, timeout: int = 60, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(PPP), *args], cwd=self.root, env={**self.env, **env}, capture_output=True, text=True,
            timeout=timeout, stdin=subprocess.DEVNULL,
        )

    def query(self, sql: str) -> list[tuple]:
        engine = create_engine(f"sqlite:///{self.instance / 'ppp.sqlite3'}")
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(sql))]
        finally:
            engine.dispose()


@pytest.fixture
def site(tmp_path) -> Site:
    return Site(tmp_path)


def one_line(stream: str) -> str:
    lines = stream.splitlines()
    assert len(lines) == 1, f"expected one line, got: {stream!r}"
    return lines[0]


@pytest.mark.parametrize("command", [["serve"], ["db", "upgrade"], ["worker"]])
def test_unknown_module_in_plugins_toml_stops_with_one_line(site, command):
    site.plugins('["attendence"]')
    done = site.ppp(*command)
    assert done.returncode != 0
    assert done.stdout == ""
    line = one_line(done.stderr)
    assert 'Module "attendence" in plugins.toml is not installed' in line
    assert not (site.instance / "ppp.sqlite3").exists()


def test_help_still_lists_core_commands_when_plugins_toml_is_wrong(site):
    site.plugins('["attendence"]')
    done = site.ppp("--help")
    assert done.returncode == 0
    assert 'Module "attendence" in plugins.toml is not installed' in one_line(done.stderr)
    assert "Traceback" not in done.stderr
    commands = done.stdout.partition("Commands:")[2].split()
    assert {"db", "demo", "modules", "serve"} <= set(commands)
    assert "--app" not in done.stdout  # ppp always builds its own app


def test_production_without_a_secret_key_stops_with_one_line(site):
    done = site.ppp("db", "upgrade", PPP_ENV="production")
    assert done.returncode != 0
    assert "SECRET_KEY must be a random value of at least 32 characters when PPP_ENV=production" in one_line(
        done.stderr
    )


def test_modules_list_shows_every_built_in_module_and_missing_ones(site):
    site.plugins('["attendence"]')
    done = site.ppp("modules", "list")
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split() == ["module", "enabled", "version", "source", "requires"]
    listed = {row.split()[0]: row.split() for row in rows}
    assert listed["attendence"][:4] == ["attendence", "yes", "-", "missing"]
    for name in builtin_modules():
        assert listed[name][1] == "no" and listed[name][3] == "built-in"


def test_db_upgrade_twice_then_current_and_check(site):
    first = site.ppp("db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("core: empty -> ")
    assert first.stdout.splitlines()[-1].startswith("Database is up to date.")

    second = site.ppp("db", "upgrade")
    assert second.returncode == 0, second.stderr
    assert second.stdout == "Database is up to date. Lookups: 0 added. Role grants: 0 added.\n"

    head = first.stdout.splitlines()[0].rpartition(" -> ")[2]
    current = site.ppp("db", "current")
    assert current.stdout.split() == ["core", head, "head", head]
    check = site.ppp("db", "check")
    assert (check.returncode, check.stdout) == (0, "Models and migrations agree.\n")


def test_demo_twice_adds_no_duplicate_users(site):
    assert site.ppp("db", "upgrade").returncode == 0
    first = site.ppp("demo")
    assert first.returncode == 0, first.stderr
    assert "Sign in as admin@example.org with the password demo-password-2026" in first.stdout
    users = site.query("SELECT email FROM user_account ORDER BY email")
    assert {email for email, *_ in DEMO_USERS} <= {email for (email,) in users}

    second = site.ppp("demo")
    assert second.returncode == 0, second.stderr
    assert site.query("SELECT email FROM user_account ORDER BY email") == users
    assert site.query("SELECT count(*) FROM security_role") == [(5,)]


def test_create_admin_refuses_a_short_password_in_one_line(site):
    assert site.ppp("db", "upgrade").returncode == 0
    done = site.ppp("users", "create-admin", "--email", "amira@example.org", "--name", "Amira Khan",
                    "--password", "short")
    assert done.returncode != 0
    assert one_line(done.stderr) == "Error: Password must be 12 characters or more"
    assert site.query("SELECT count(*) FROM user_account") == [(0,)]

    made = site.ppp("users", "create-admin", "--email", "Amira@Example.org", "--name", "Amira Khan",
                    "--password", "kettle-harbour-velvet-42")
    assert made.returncode == 0, made.stderr
    assert made.stdout == "Created administrator amira@example.org.\n"
    assert site.query(
        "SELECT r.code FROM user_account u JOIN security_user_role ur ON ur.user_id = u.id "
        "JOIN security_role r ON r.id = ur.role_id WHERE u.email = 'amira@example.org'"
    ) == [("administrator",)]


def test_jobs_list_shows_the_enabled_modules_jobs(site):
    (site.instance / "config.toml").write_text('[PPP_EXTRA_MODULES]\njobsample = "tests.jobs_fixtures"\n')
    core_only = site.ppp("jobs", "list")
    assert core_only.returncode == 0, core_only.stderr
    assert "jobsample" not in core_only.stdout

    site.plugins('["jobsample"]')
    done = site.ppp("jobs", "list")
    assert done.returncode == 0, done.stderr
    # the core areas' jobs come first, then each module's in load order
    assert done.stdout.splitlines() == core_only.stdout.splitlines() + [
        f"{'jobsample.where_am_i':40} {'on demand':16} Report the worker process",
        f"{'jobsample.fail':40} {'on demand':16} Fail after writing",
    ]


def test_jobs_run_without_redis_runs_in_process(site):
    (site.instance / "config.toml").write_text('[PPP_EXTRA_MODULES]\njobsample = "tests.jobs_fixtures"\n')
    site.plugins('["jobsample"]')
    assert site.ppp("db", "upgrade").returncode == 0
    failed = site.ppp("jobs", "run", "jobsample.fail", "-a", "code=half-done")
    assert failed.returncode == 1
    assert failed.stdout == "Run 1 of jobsample.fail: failed.\n"
    assert site.query("SELECT status FROM job_run") == [("failed",)]

    unknown = site.ppp("jobs", "run", "jobsample.nothing")
    assert unknown.returncode != 0
    assert one_line(unknown.stderr) == 'Error: No enabled module offers the job "jobsample.nothing".'


def test_worker_without_redis_says_why_in_one_line(site):
    done = site.ppp("worker", "--burst")
    assert done.returncode != 0
    assert one_line(done.stderr) == (
        "Error: REDIS_URL is not set: without Redis, jobs run in-process and no worker is needed."
    )


def test_python_dash_m_core_cli_works_like_ppp(site):
    done = subprocess.run(
        [sys.executable, "-m", "core.cli", "modules", "list"], cwd=site.root, env=site.env,
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:5] == ["module", "enabled", "version", "source", "requires"]
