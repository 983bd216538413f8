"""Background jobs: runs recorded in-process and on a real rq worker, failures, retries, the job log and schedules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from core.errors import StartupError
from core.extensions import hookimpl
from core.jobs import services
from core.jobs.models import JobRun
from core.lookups.models import LookupValue
from core.permissions import PermissionDenied
from core.plugins import JobSpec, ModuleInfo, Permission
from core.testing.fixtures import project_root
from tests import jobs_fixtures as fx

#: (job name, status) of every job_finished event the throwaway module heard
FINISHED: list[tuple[str, str]] = []


def job_plugin() -> types.ModuleType:
    """A throwaway module offering four jobs: two need its own permission, one runs every morning."""
    plugin = types.ModuleType("jobtest_plugin")
    plugin.MODULE = ModuleInfo(name="jobtest", label="Job test")

    @hookimpl
    def register_permissions():
        return [
            Permission("jobtest.colours.add", "Add colours"),
            Permission("jobtest.colours.count", "Count colours"),
        ]

    @hookimpl
    def register_jobs():
        return [
            JobSpec("jobtest.add_colour", fx.add_colour, "Add a colour", permission="jobtest.colours.add"),
            JobSpec("jobtest.fail", fx.add_colour_then_fail, "Import a funder file"),
            JobSpec("jobtest.import", fx.import_colours, "Import colours from a file", queue="imports"),
            JobSpec(
                "jobtest.count", fx.count_colours, "Count the colours each morning",
                cron="0 6 * * *", permission="jobtest.colours.count",
            ),
        ]

    @hookimpl
    def job_finished(run):
        FINISHED.append((run.job_name, run.status))

    plugin.register_permissions = register_permissions
    plugin.register_jobs = register_jobs
    plugin.job_finished = job_finished
    return plugin


@pytest.fixture
def app(make_app):
    FINISHED.clear()
    return make_app(modules=["jobtest"], extra={"jobtest": job_plugin()})


def colours(db) -> set[str]:
    return set(db.session.scalars(select(LookupValue.code).where(LookupValue.list_code == fx.LIST)))


def queued_count(queue: str = "default") -> int:
    from rq import Queue

    return Queue(services.queue_name(queue), connection=services.redis_connection()).count


def reload(db, run: JobRun) -> JobRun:
    db.session.expire_all()
    return db.session.get(JobRun, run.id)


# --- in-process, without Redis ---------------------------------------------------------------------------------


def test_without_redis_a_job_runs_at_once_and_its_run_is_recorded(app, db, act_as):
    user = act_as("jobtest.colours.add")
    run = services.start_job("jobtest.add_colour", {"code": "teal", "label": "Teal", "pause_ms": 30})
    db.session.commit()

    run = reload(db, run)
    assert run.status == "finished"
    assert run.result == {"added": "teal"}
    assert run.arguments == {"code": "teal", "label": "Teal", "pause_ms": 30}
    assert run.duration_ms >= 30
    assert run.enqueued_at <= run.started_at <= run.finished_at
    assert run.finished_at - run.started_at >= timedelta(milliseconds=30)
    assert run.triggered_by_id == user.id
    assert run.error is None
    assert colours(db) == {"teal"}
    assert FINISHED == [("jobtest.add_colour", "finished")]


def test_starting_a_job_needs_its_own_permission(app, db, act_as):
    act_as("admin.jobs.view", "admin.jobs.manage")
    with pytest.raises(PermissionDenied):
        services.start_job("jobtest.add_colour", {"code": "teal", "label": "Teal"})
    assert db.session.scalars(select(JobRun)).all() == []


def test_unknown_job_is_refused_by_name(app):
    with pytest.raises(KeyError, match='No enabled module offers the job "jobtest.missing"'):
        services.enqueue("jobtest.missing")


def test_failing_job_is_recorded_and_only_its_own_writes_are_undone(app, db):
    db.session.add(LookupValue(list_code=fx.LIST, code="caller", label="Written by the caller"))
    db.session.flush()

    run = services.enqueue("jobtest.fail", {"code": "half-done"})
    db.session.commit()

    run = reload(db, run)
    assert run.status == "failed"
    assert run.error.startswith("Traceback (most recent call last):")
    assert "ValueError: Funder file is missing the column 'amount'" in run.error
    assert "add_colour_then_fail" in run.error
    assert run.finished_at is not None and run.duration_ms is not None
    assert run.result is None
    assert colours(db) == {"caller"}
    assert FINISHED == [("jobtest.fail", "failed")]


def test_retry_creates_a_new_run_pointing_back(app, db, act_as, tmp_path):
    colour_file = tmp_path / "colours.txt"
    first = services.enqueue("jobtest.import", {"path": str(colour_file)})
    assert first.status == "failed"
    assert "FileNotFoundError" in first.error

    colour_file.write_text("red\ngreen\nblue\n")
    act_as("admin.jobs.manage")
    second = services.retry(first)
    db.session.commit()

    first, second = reload(db, first), db.session.get(JobRun, second.id)
    assert second.id != first.id
    assert second.retry_of_id == first.id
    assert second.arguments == first.arguments
    assert second.queue == "imports"
    assert (first.status, second.status) == ("failed", "finished")
    assert second.result == {"imported": 3}
    assert colours(db) == {"red", "green", "blue"}

    with pytest.raises(ValueError, match="Only failed runs can be retried"):
        services.retry(second)


def test_retry_needs_manage_permission(app, db, act_as):
    failed = services.enqueue("jobtest.fail", {"code": "x"})
    act_as("admin.jobs.view")
    with pytest.raises(PermissionDenied):
        services.retry(failed)
    assert db.session.scalars(select(JobRun.id)).all() == [failed.id]


# --- the job log screens ------------------------------------------------------------------------------------------


def test_job_log_needs_view_permission(client, login_as):
    login_as("jobtest.colours.add", "jobtest.colours.count")
    assert client.get("/admin/jobs/").status_code == 403


def test_job_log_lists_jobs_and_runs(client, login_as, db):
    finished = services.enqueue("jobtest.add_colour", {"code": "teal", "label": "Teal"})
    failed = services.enqueue("jobtest.fail", {"code": "half-done"})
    db.session.commit()
    login_as("admin.jobs.view")

    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert "Count the colours each morning" in page
    assert "0 6 * * *" in page
    assert f'href="/admin/jobs/runs/{finished.id}"' in page
    assert f'href="/admin/jobs/runs/{failed.id}"' in page
    assert ">Finished</strong>" in page and ">Failed</strong>" in page
    assert "Run now" not in page  # holds none of the jobs' permissions

    only_failed = client.get("/admin/jobs/?status=failed").get_data(as_text=True).partition("Recent runs")[2]
    assert f'href="/admin/jobs/runs/{failed.id}"' in only_failed
    assert f'href="/admin/jobs/runs/{finished.id}"' not in only_failed

    detail = client.get(f"/admin/jobs/runs/{failed.id}").get_data(as_text=True)
    assert "Funder file is missing the column" in detail
    assert "Retry this run" not in detail


def test_retry_button_needs_manage_permission(app, client, login_as, db):
    failed = services.enqueue("jobtest.fail", {"code": "half-done"})
    db.session.commit()
    login_as("admin.jobs.view")
    assert client.post(f"/admin/jobs/runs/{failed.id}/retry").status_code == 403
    assert db.session.scalars(select(JobRun.id)).all() == [failed.id]


def test_manager_retries_a_failed_run_from_its_page(app, client, login_as, db):
    failed = services.enqueue("jobtest.fail", {"code": "half-done"})
    db.session.commit()
    manager = login_as("admin.jobs.view", "admin.jobs.manage")

    assert "Retry this run" in client.get(f"/admin/jobs/runs/{failed.id}").get_data(as_text=True)
    response = client.post(f"/admin/jobs/runs/{failed.id}/retry")
    assert response.status_code == 302

    retried = db.session.scalar(select(JobRun).where(JobRun.retry_of_id == failed.id))
    assert response.headers["Location"].endswith(f"/admin/jobs/runs/{retried.id}")
    assert retried.triggered_by_id == manager.id
    assert retried.status == "failed"  # the funder file is still wrong
    page = client.get(f"/admin/jobs/runs/{retried.id}").get_data(as_text=True)
    assert f'href="/admin/jobs/runs/{failed.id}">run {failed.id}</a>' in page


def test_run_now_needs_the_jobs_own_permission(app, client, login_as, db):
    login_as("admin.jobs.view", "admin.jobs.manage")
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert 'action="/admin/jobs/jobtest.fail/start"' in page  # needs admin.jobs.manage, which this user holds
    assert 'action="/admin/jobs/jobtest.count/start"' not in page
    assert client.post("/admin/jobs/jobtest.count/start").status_code == 403
    assert db.session.scalars(select(JobRun)).all() == []


def test_run_now_starts_the_job_for_the_user(app, client, login_as, db):
    db.session.add(LookupValue(list_code=fx.LIST, code="red", label="Red"))
    db.session.commit()
    counter = login_as("admin.jobs.view", "jobtest.colours.count")
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert 'action="/admin/jobs/jobtest.count/start"' in page
    assert 'action="/admin/jobs/jobtest.add_colour/start"' not in page

    response = client.post("/admin/jobs/jobtest.count/start")
    assert response.status_code == 302
    run = db.session.scalar(select(JobRun).where(JobRun.job_name == "jobtest.count"))
    assert (run.status, run.result, run.triggered_by_id) == ("finished", {"colours": 1}, counter.id)
    assert client.post("/admin/jobs/jobtest.nothing/start").status_code == 404


# --- schedules ----------------------------------------------------------------------------------------------------


def ours(runs):
    """The runs of this file's test jobs; core areas have schedules of their own (e.g. webhook retries)."""
    return [run for run in runs if run.job_name.startswith("jobtest.")]


def test_schedule_queues_the_latest_due_time_once(app, db):
    summer_morning = datetime(2026, 7, 1, 5, 30, tzinfo=UTC)
    runs = ours(services.enqueue_due_schedules(summer_morning))
    # 06:00 in London is 05:00 UTC in summer
    assert [(run.job_name, run.scheduled_for) for run in runs] == [
        ("jobtest.count", datetime(2026, 7, 1, 5, 0, tzinfo=UTC))
    ]
    assert runs[0].status == "finished" and runs[0].triggered_by_id is None
    assert ours(services.enqueue_due_schedules(summer_morning)) == []
    assert ours(services.enqueue_due_schedules(datetime(2026, 7, 2, 4, 59, tzinfo=UTC))) == []

    next_day = ours(services.enqueue_due_schedules(datetime(2026, 7, 2, 5, 0, tzinfo=UTC)))
    assert [run.scheduled_for for run in next_day] == [datetime(2026, 7, 2, 5, 0, tzinfo=UTC)]
    db.session.commit()
    scheduled = db.session.scalars(
        select(JobRun.scheduled_for).where(JobRun.job_name == "jobtest.count").order_by(JobRun.id)
    ).all()
    assert scheduled == [datetime(2026, 7, 1, 5, 0, tzinfo=UTC), datetime(2026, 7, 2, 5, 0, tzinfo=UTC)]


def test_cron_is_read_in_london_time(app):
    spec = services.job_spec("jobtest.count")
    # summer (BST): 06:00 London is 05:00 UTC
    assert services.last_due(spec, datetime(2026, 7, 1, 4, 59, tzinfo=UTC)) == datetime(2026, 6, 30, 5, 0, tzinfo=UTC)
    assert services.next_due(spec, datetime(2026, 7, 1, 4, 0, tzinfo=UTC)) == datetime(2026, 7, 1, 5, 0, tzinfo=UTC)
    # winter (GMT): 06:00 London is 06:00 UTC
    assert services.last_due(spec, datetime(2026, 1, 15, 6, 0, tzinfo=UTC)) == datetime(2026, 1, 15, 6, 0, tzinfo=UTC)
    assert services.next_due(spec, datetime(2026, 1, 15, 5, 30, tzinfo=UTC)) == datetime(2026, 1, 15, 6, 0, tzinfo=UTC)
    # the clocks go forward on 29 March 2026: the morning run is an hour earlier in UTC from that day
    assert services.next_due(spec, datetime(2026, 3, 28, 7, 0, tzinfo=UTC)) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    # on-demand jobs are never due
    assert services.last_due(services.job_spec("jobtest.fail"), datetime(2026, 1, 15, tzinfo=UTC)) is None


def test_disabled_module_offers_no_jobs_or_schedules(make_app):
    plain = make_app()
    with plain.app_context():
        assert "jobtest.count" not in plain.extensions["ppp"].jobs
        assert ours(services.enqueue_due_schedules(datetime(2026, 7, 1, 5, 30, tzinfo=UTC))) == []


def test_job_names_must_be_namespaced(make_app):
    plugin = job_plugin()
    plugin.register_jobs = hookimpl(lambda: [JobSpec("count", fx.count_colours, "Count")])
    with pytest.raises(StartupError, match='Module "jobtest" job "count" must start with "jobtest."'):
        make_app(modules=["jobtest"], extra={"jobtest": plugin})


# --- a real rq worker and Redis ------------------------------------------------------------------------------------


@pytest.mark.redis
def test_queued_job_runs_only_after_the_transaction_commits(app, db, run_jobs):
    run = services.enqueue("jobtest.add_colour", {"code": "teal", "label": "Teal"})
    assert run.status == "queued"
    run_jobs()
    assert queued_count() == 0
    assert reload(db, run).status == "queued"
    assert colours(db) == set()

    db.session.commit()
    assert queued_count() == 1
    run_jobs()

    run = reload(db, run)
    assert run.status == "finished"
    assert run.result == {"added": "teal"}
    assert run.started_at is not None and run.duration_ms is not None
    assert colours(db) == {"teal"}
    assert FINISHED == [("jobtest.add_colour", "finished")]


@pytest.mark.redis
def test_job_queued_in_a_rolled_back_transaction_never_runs(app, db, run_jobs):
    run_id = services.enqueue("jobtest.add_colour", {"code": "teal", "label": "Teal"}).id
    db.session.rollback()
    db.session.add(LookupValue(list_code=fx.LIST, code="later", label="Committed later"))
    db.session.commit()

    assert queued_count() == 0
    run_jobs()
    assert db.session.get(JobRun, run_id) is None
    assert colours(db) == {"later"}
    assert FINISHED == []


@pytest.mark.redis
def test_a_savepoint_is_not_a_commit(app, db, run_jobs):
    with db.session.begin_nested():
        kept = services.enqueue("jobtest.add_colour", {"code": "kept", "label": "Kept"})
    with pytest.raises(RuntimeError), db.session.begin_nested():
        services.enqueue("jobtest.add_colour", {"code": "dropped", "label": "Dropped"})
        raise RuntimeError("undo this part only")
    assert queued_count() == 0  # releasing a savepoint must not hand the run to a worker yet

    db.session.commit()
    assert queued_count() == 1
    run_jobs()
    assert reload(db, kept).status == "finished"
    assert colours(db) == {"kept"}


@pytest.mark.redis
def test_failing_job_on_the_worker_is_recorded_and_its_writes_undone(app, db, run_jobs):
    db.session.add(LookupValue(list_code=fx.LIST, code="caller", label="Written by the caller"))
    run = services.enqueue("jobtest.fail", {"code": "half-done"})
    db.session.commit()
    run_jobs()

    run = reload(db, run)
    assert run.status == "failed"
    assert "ValueError: Funder file is missing the column 'amount'" in run.error
    assert colours(db) == {"caller"}
    assert FINISHED == [("jobtest.fail", "failed")]


@pytest.mark.redis
def test_a_run_pushed_twice_is_queued_and_run_once(app, db, run_jobs):
    run = services.enqueue("jobtest.add_colour", {"code": "teal", "label": "Teal"})
    db.session.commit()
    assert queued_count() == 1

    services.push_to_queue(run.id, run.queue, services.rq_job_id(run))  # rq's unique=True refuses the copy
    assert queued_count() == 1
    run_jobs()
    assert reload(db, run).status == "finished"
    assert db.session.scalars(select(LookupValue.code).where(LookupValue.list_code == fx.LIST)).all() == ["teal"]


@pytest.mark.redis
def test_jobs_go_to_their_own_prefixed_queue(app, db, run_jobs, tmp_path):
    colour_file = tmp_path / "colours.txt"
    colour_file.write_text("red\n")
    run = services.enqueue("jobtest.import", {"path": str(colour_file)})
    db.session.commit()
    assert services.queue_name("imports") == f"{app.config['JOB_QUEUE_PREFIX']}-imports"
    assert (queued_count("imports"), queued_count("default")) == (1, 0)
    run_jobs()
    assert reload(db, run).result == {"imported": 1}


@pytest.mark.redis
def test_a_scheduled_run_is_queued_once_on_redis(app, db, run_jobs):
    now = datetime(2026, 7, 1, 5, 30, tzinfo=UTC)
    every = services.enqueue_due_schedules(now)  # core areas' schedules are due too (e.g. the bank holiday refresh)
    (run,) = ours(every)
    db.session.commit()
    assert services.enqueue_due_schedules(now) == []
    db.session.commit()
    # each due schedule is on its queue once: a second pass added nothing
    assert queued_count() == len([due for due in every if due.queue == "default"])
    run_jobs()
    assert reload(db, run).status == "finished"


# --- ``ppp worker`` in its own process -------------------------------------------------------------------------------


def _ppp(*args: str, env: dict, cwd: Path, timeout: int = 60) -> subprocess.CompletedProcess:
    ppp = Path(sys.executable).parent / "ppp"
    return subprocess.run([str(ppp), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_ppp_worker_forks_a_work_horse_with_a_fresh_database_pool(redis_url, tmp_path):
    if redis_url is None:
        pytest.skip("needs Redis: set REDIS_URL to a reachable Redis (CI does)")
    instance = tmp_path / "instance"
    instance.mkdir()
    # the jobsample plugin lives in tests/jobs_fixtures.py; the instance config makes it available by name
    (instance / "config.toml").write_text('[PPP_EXTRA_MODULES]\njobsample = "tests.jobs_fixtures"\n')
    (tmp_path / "plugins.toml").write_text('enabled = ["jobsample"]\n')
    prefix = f"pppworker{uuid.uuid4().hex[:8]}"
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("PPP_", "DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL", "SECRET_KEY"))
    }
    env.update(
        PPP_INSTANCE_PATH=str(instance), REDIS_URL=redis_url, PPP_JOB_QUEUE_PREFIX=prefix,
        PYTHONPATH=str(project_root()),
    )
    try:
        assert _ppp("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
        for number, (name, *arguments) in enumerate(
            [["jobsample.where_am_i"], ["jobsample.fail", "--argument", "code=half-done"]], start=1
        ):
            queued = _ppp("jobs", "run", name, *arguments, env=env, cwd=tmp_path)
            assert (queued.returncode, queued.stdout) == (0, f"Run {number} of {name}: queued.\n"), queued.stderr

        worker = subprocess.Popen(
            [str(Path(sys.executable).parent / "ppp"), "worker", "--burst"],
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        _out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
    finally:
        from redis import Redis

        connection = Redis.from_url(redis_url)
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)

    engine = create_engine(f"sqlite:///{instance / 'ppp.sqlite3'}")
    with engine.connect() as connection:
        runs = {
            name: (status, result, error)
            for name, status, result, error in connection.execute(
                text("SELECT job_name, status, result, error FROM job_run")
            )
        }
        leftovers = connection.execute(text(f"SELECT count(*) FROM lookup_value WHERE list_code = '{fx.LIST}'"))
        assert leftovers.scalar() == 0  # the failing job's write was rolled back
    engine.dispose()

    status, result, _ = runs["jobsample.where_am_i"]
    assert status == "finished"
    horse = json.loads(result)
    assert horse["parent_pid"] == worker.pid  # ran in a forked work horse of the worker
    assert horse["pid"] != worker.pid
    forks = [line.split() for line in (instance / "before_fork.log").read_text().splitlines()]
    assert len(forks) == 2  # before_fork ran in the worker before each of the two jobs
    assert all(int(pid) == worker.pid for pid, _pool in forks)
    # the engine was disposed after before_fork: the horse used the new pool, not the one the worker held
    (_, pool_before_first_fork), (_, pool_before_second_fork) = forks
    assert horse["pool"] != int(pool_before_first_fork)
    assert horse["pool"] == int(pool_before_second_fork)

    status, _, error = runs["jobsample.fail"]
    assert status == "failed"
    assert "ValueError: Funder file is missing the column 'amount'" in error
