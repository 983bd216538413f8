"""Each hook in core/hookspecs.py takes effect: a throwaway pest control module implements them all."""

from __future__ import annotations

import inspect
import os
import types
from datetime import date

import click
import flask_smorest
import pytest
from flask import Blueprint, current_app
from flask.cli import with_appcontext
from markupsafe import Markup

from core import hookspecs, module_system
from core.extensions import db
from core.jobs import services as jobs
from core.jobs.models import JobRun
from core.lookups import services as lookups
from core.permissions import can, require_permission
from core.plugins import (
    ConditionTypeSeed,
    DashboardWidget,
    DemandCategorySeed,
    DemandTypeSeed,
    IntentionTypeSeed,
    JobSpec,
    LookupSeed,
    MenuItem,
    ModuleInfo,
    Permission,
    ReportSpec,
    Tab,
    TaskCategorySeed,
    TaskTypeSeed,
    TeamType,
    TimelineEntry,
    hookimpl,
)
from core.security import services as security

#: what the throwaway module's event hooks heard, emptied before each test
HEARD: list[tuple] = []

#: (user id, person id) pairs the module says work together
ASSIGNED: set[tuple[int, int]] = set()

VIEW = "pest_control.visit.view"
BOOK = "pest_control.visit.book"


@pytest.fixture(autouse=True)
def fresh_memory():
    HEARD.clear()
    ASSIGNED.clear()
    yield
    HEARD.clear()
    ASSIGNED.clear()


# --- the throwaway module --------------------------------------------------------------------------------------


def _blueprint() -> Blueprint:
    bp = Blueprint("pest_control", __name__, url_prefix="/pest-control")

    @bp.route("/")
    @require_permission(VIEW)
    def index():
        return "Pest control visits this week: 3"

    return bp


def _api() -> flask_smorest.Blueprint:
    api = flask_smorest.Blueprint("pest_control_api", __name__, url_prefix="/api/v1/pest_control")

    @api.route("/pests")
    @require_permission(VIEW)
    def pests():
        return {"pests": [value.code for value in lookups.values("pest_control.pest")]}

    return api


@click.group("pest-control")
def pest_control_cli():
    """Pest control visits."""


@pest_control_cli.command("pests")
@with_appcontext
def list_pests():
    """List the pests residents can report."""
    for value in lookups.values("pest_control.pest"):
        click.echo(value.label)


def send_reminders(day: str = "tomorrow") -> dict:
    """Remind residents of their visits."""
    return {"reminded": 2, "day": day}


def fail_to_send() -> None:
    raise ConnectionError("SMS gateway did not answer")


def load_demo_technician() -> None:
    if security.get_user_by_email("technician@example.org") is None:
        security.create_user("technician@example.org", "Dee Technician")


def _startup(app):
    # registries are frozen by now: startup reads them, it cannot add to them
    HEARD.append(("startup", type(module_system(app).menu_items).__name__))
    app.add_template_global(lambda: "0300 123 4567", "pest_control_hotline")


def _render_slot(slot, context):
    if slot != "home.notices":
        return None
    return Markup('<p class="govuk-body">Wasp season: book visits early, {}.</p>').format(
        context["user"].name
    )


def _intention_codes(case) -> list[str]:
    from core.intentions.services import intentions_for_case

    return [intention.intention_type.code for intention in intentions_for_case(case)]


PEST_CONTROL = types.ModuleType("throwaway_pest_control.plugin")
PEST_CONTROL.MODULE = ModuleInfo(
    name="pest_control", label="Pest control", description="Council pest control visits."
)
HOOKS = {
    "register_permissions": lambda: [
        Permission(VIEW, "See pest control visits", default_roles=("caseworker",)),
        Permission(BOOK, "Book pest control visits"),
    ],
    "register_lookups": lambda: [
        LookupSeed(
            "pest_control.pest", "Pests", [("rats", "Rats"), ("mice", "Mice"), ("wasps", "Wasps' nest")]
        )
    ],
    "register_blueprints": lambda: [_blueprint()],
    "register_api_blueprints": lambda: [_api()],
    "register_team_types": lambda: [TeamType("pest_control.technicians", "Pest control technicians")],
    "register_menu_items": lambda: [MenuItem("Pest control", "pest_control.index", VIEW, order=60)],
    "register_jobs": lambda: [
        JobSpec(
            "pest_control.remind", send_reminders, "Remind residents of tomorrow's visits", cron="0 17 * * *"
        ),
        JobSpec("pest_control.text", fail_to_send, "Text residents"),
    ],
    "register_reports": lambda: [
        ReportSpec("pest_control.visits_by_ward", "Visits by ward", VIEW, "pest_control.index")
    ],
    "register_tabs": lambda: [
        Tab(
            "person",
            "pest_control.visits",
            "Pest control",
            VIEW,
            render=lambda person: Markup("<p>{} visits</p>").format(person["name"]),
        )
    ],
    "register_dashboard_widgets": lambda: [
        DashboardWidget(
            "pest_control.today",
            "Visits today",
            VIEW,
            render=lambda user: Markup('<p class="govuk-body">3 visits today</p>'),
        )
    ],
    "register_commands": lambda cli: cli.add_command(pest_control_cli),
    "startup": _startup,
    "render_slot": _render_slot,
    "has_working_relationship": lambda user, person_id: (user.id, person_id) in ASSIGNED or None,
    "load_demo_data": load_demo_technician,
    "before_fork": lambda: HEARD.append(("before_fork", os.getpid())),
    "user_created": lambda user: HEARD.append(("user_created", user.email)),
    "job_finished": lambda run: HEARD.append(("job_finished", run.job_name, run.status)),
    "register_case_types": lambda: [
        DemandCategorySeed("infestations", "Infestations"),
        DemandTypeSeed("rats_reported", "Rats reported", "infestations", "value"),
        DemandTypeSeed("nest_still_there", "Nest still there after a visit", "infestations", "failure"),
        TaskCategorySeed("visits", "Visits"),
        TaskTypeSeed("treatment", "Treatment visit", "visits"),
        IntentionTypeSeed("revisit", "Revisit to check the treatment worked", created_for=("rats_reported",),
                          due_days=14),
        ConditionTypeSeed("van_off_road", "Van off the road"),
    ],
    "timeline_entries": lambda person_id: [
        TimelineEntry(date(2026, 6, 3), "pest_control", "visit", "Wasps' nest treated", summary="Loft, 2 nests")
    ],
    "person_created": lambda person: HEARD.append(("person_created", person.last_name)),
    "person_updated": lambda person: HEARD.append(("person_updated", person.last_name)),
    "person_merged": lambda target, source: HEARD.append(("person_merged", target.id, source.id)),
    "case_opened": lambda case: HEARD.append(("case_opened", case.department, _intention_codes(case))),
    "case_closed": lambda case: HEARD.append(("case_closed", case.reference, case.closed_at is not None)),
    "case_reopened": lambda case: HEARD.append(("case_reopened", case.reference, case.status_changes[-1].reason)),
    "intention_completed": lambda intention: HEARD.append(
        ("intention_completed", intention.intention_type.code, intention.status_changed_by.name)),
}
for _name, _function in HOOKS.items():
    setattr(PEST_CONTROL, _name, hookimpl(_function))

pytestmark = [
    pytest.mark.app_config(PPP_EXTRA_MODULES={"pest_control": PEST_CONTROL}),
    pytest.mark.modules("pest_control"),
]


# --- one test per hook -----------------------------------------------------------------------------------------


def test_hook_register_permissions(client, login_as, create_user):
    assert module_system().permissions.owner(VIEW) == "pest_control"
    viewer = create_user(VIEW)
    assert can(VIEW, viewer) and not can(BOOK, viewer)
    # default_roles: the seeded caseworker role received the permission when it first appeared
    assert can(VIEW, create_user(roles=("caseworker",)))

    login_as(BOOK)
    assert client.get("/pest-control/").status_code == 403
    login_as(VIEW)
    assert client.get("/pest-control/").status_code == 200


def test_hook_register_lookups(client, login_as):
    assert [(value.code, value.label) for value in lookups.values("pest_control.pest")] == [
        ("rats", "Rats"),
        ("mice", "Mice"),
        ("wasps", "Wasps' nest"),
    ]
    login_as("admin.lookups.manage")
    assert ">Pests</a>" in client.get("/admin/lookups/").get_data(as_text=True)


def test_hook_register_blueprints(app, client, login_as):
    login_as(VIEW)

    assert client.get("/pest-control/").get_data(as_text=True) == "Pest control visits this week: 3"
    assert app.blueprints["pest_control"].url_prefix == "/pest-control"


def test_hook_register_api_blueprints(app, client, create_user):
    from core.api.testing import bearer, make_token

    assert client.get("/api/v1/pest_control/pests").status_code == 401
    token = make_token(create_user(VIEW))

    response = client.get("/api/v1/pest_control/pests", headers=bearer(token))

    assert response.json == {"pests": ["rats", "mice", "wasps"]}
    assert "/api/v1/pest_control/pests" in client.get("/api/v1/openapi.json").json["paths"]


def test_hook_register_team_types(client, login_as):
    login_as("admin.teams.manage")

    form = client.get("/admin/teams/new").get_data(as_text=True)
    response = client.post(
        "/admin/teams/new",
        data={
            "code": "north_technicians",
            "name": "North technicians",
            "team_type": "pest_control.technicians",
            "description": "",
        },
    )

    assert '<option value="pest_control.technicians">Pest control technicians</option>' in form
    assert response.status_code == 302
    assert "Pest control technicians" in client.get("/admin/teams/").get_data(as_text=True)


def test_hook_register_menu_items(client, login_as):
    login_as("admin.jobs.view")
    assert 'href="/pest-control/"' not in client.get("/").get_data(as_text=True)

    login_as(VIEW)
    assert '<a class="govuk-service-navigation__link" href="/pest-control/"' in client.get("/").get_data(
        as_text=True
    )


def test_hook_register_jobs(act_as):
    act_as("admin.jobs.manage")

    run = jobs.start_job("pest_control.remind", {"day": "Friday"})

    assert (run.status, run.result) == ("finished", {"reminded": 2, "day": "Friday"})
    assert jobs.job_spec("pest_control.remind").cron == "0 17 * * *"
    due = jobs.next_due(jobs.job_spec("pest_control.remind"), run.enqueued_at)
    assert (due.hour, due.minute, str(due.tzinfo)) == (17, 0, "Europe/London")


def test_hook_register_reports(app):
    reports = module_system().reports

    assert reports.owner("pest_control.visits_by_ward") == "pest_control"
    assert reports["pest_control.visits_by_ward"].label == "Visits by ward"


def test_hook_register_tabs(app):
    tabs = [tab for tab in module_system().tabs if tab.record == "person"]

    pest_tab = next(tab for tab in tabs if tab.name == "pest_control.visits")
    assert (pest_tab.label, pest_tab.permission) == ("Pest control", VIEW)
    assert pest_tab.render({"name": "Ada <Jones>"}) == "<p>Ada &lt;Jones&gt; visits</p>"


def test_hook_register_dashboard_widgets(client, login_as):
    login_as("admin.jobs.view")
    assert "Visits today" not in client.get("/").get_data(as_text=True)

    login_as(VIEW)
    page = client.get("/").get_data(as_text=True)
    assert "Visits today" in page
    assert "3 visits today" in page


def test_hook_register_commands(app):
    result = app.test_cli_runner().invoke(args=["pest-control", "pests"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["Rats", "Mice", "Wasps' nest"]


def test_hook_startup(app):
    # called once, after the registries were frozen (menu items became a tuple)
    assert [event for event in HEARD if event[0] == "startup"] == [("startup", "tuple")]
    with app.test_request_context():
        assert (
            current_app.jinja_env.from_string("Call {{ pest_control_hotline() }}").render()
            == "Call 0300 123 4567"
        )


def test_hook_render_slot(app, client, login_as):
    from core.web.shell import render_slot

    login_as(VIEW, name="Priya Shah")

    assert "Wasp season: book visits early, Priya Shah." in client.get("/").get_data(as_text=True)
    with app.test_request_context():
        assert render_slot("person.summary", person=None) == ""


def test_render_slot_escapes_plain_strings_and_joins_in_load_order(make_app):
    from core.web.shell import render_slot

    def first(slot, context):
        return "<b>plain text</b>"

    def second(slot, context):
        return Markup("<b>{}</b>").format(context["who"])

    extra = {"alpha": types.ModuleType("a.plugin"), "beta": types.ModuleType("b.plugin")}
    extra["alpha"].MODULE = ModuleInfo(name="alpha", label="Alpha")
    extra["alpha"].render_slot = hookimpl(first)
    extra["beta"].MODULE = ModuleInfo(name="beta", label="Beta", requires=("alpha",))
    extra["beta"].render_slot = hookimpl(second)
    app = make_app(modules=["beta", "alpha"], extra=extra)

    with app.test_request_context():
        assert render_slot("home.notices", who="Ada") == "&lt;b&gt;plain text&lt;/b&gt;\n<b>Ada</b>"


def test_hook_has_working_relationship(create_user):
    from core.access import services as access

    worker, other = create_user(), create_user()
    ASSIGNED.add((worker.id, 4012))

    assert access.has_working_relationship(4012, worker) is True
    assert access.has_working_relationship(4012, other) is False
    assert access.can_see_sensitive(4012, worker) is True
    assert access.can_see_sensitive(4012, other) is False


def test_hook_load_demo_data(app):
    from core.cli import cli

    runner = app.test_cli_runner()
    first = runner.invoke(cli, ["demo"])
    second = runner.invoke(cli, ["demo"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert security.get_user_by_email("technician@example.org").name == "Dee Technician"
    assert [event for event in HEARD if event == ("user_created", "technician@example.org")] == [
        ("user_created", "technician@example.org")
    ]


@pytest.mark.redis
def test_hook_before_fork(app, run_jobs):
    from rq import Queue

    from core.jobs.worker import make_worker

    queue = Queue(jobs.queue_name("default"), connection=jobs.redis_connection())
    job = queue.enqueue("os.getpid")

    make_worker(app).work(burst=True)  # the forking worker, as in production

    job.refresh()
    assert job.get_status() == "finished"
    assert job.return_value() != os.getpid()  # it ran in a forked work horse
    assert [event for event in HEARD if event[0] == "before_fork"] == [("before_fork", os.getpid())]


def test_hook_user_created(create_user):
    security.create_user("new.starter@example.org", "New Starter")

    assert ("user_created", "new.starter@example.org") in HEARD


def test_hook_job_finished(act_as):
    act_as("admin.jobs.manage")

    jobs.start_job("pest_control.remind")
    failed = jobs.start_job("pest_control.text")

    assert [event for event in HEARD if event[0] == "job_finished"] == [
        ("job_finished", "pest_control.remind", "finished"),
        ("job_finished", "pest_control.text", "failed"),
    ]
    assert "SMS gateway did not answer" in db.session.get(JobRun, failed.id).error


def _setup_pest_cases():
    from core.cases import configuration

    configuration.sync()
    lookups.sync()


def _person(first: str, last: str):
    from core.people import services as people

    return people.create_person(people.PersonDetails(first, last, date_of_birth=date(1970, 1, 1)), confirmed=True)


def test_hook_register_case_types(act_as):
    from sqlalchemy import select

    from core.activities.models import TaskType
    from core.cases.models import DemandType
    from core.conditions.models import ConditionType

    _setup_pest_cases()

    demand_kinds = {
        row.code: row.kind
        for row in db.session.scalars(select(DemandType).where(DemandType.department == "pest_control"))
    }
    assert demand_kinds == {"rats_reported": "value", "nest_still_there": "failure"}
    assert db.session.scalar(select(TaskType.label).where(TaskType.department == "pest_control")) == "Treatment visit"
    assert db.session.scalar(select(ConditionType.code).where(ConditionType.department == "pest_control")) == (
        "van_off_road"
    )


def _open_rats_case():
    from sqlalchemy import select

    from core.cases import services as cases
    from core.cases.models import DemandType

    _setup_pest_cases()
    rats = db.session.scalar(select(DemandType).where(DemandType.code == "rats_reported"))
    person = _person("Ivy", "Rowe")
    return cases.open_case(department="pest_control", people=[(person.id, "subject")], demand_type_id=rats.id,
                           received_on=cases.london_today())


def test_hook_case_opened(act_as):
    act_as("cases.view", "cases.edit", "people.create")

    _open_rats_case()

    # the core's automatic revisit intention exists before modules hear of the case
    assert ("case_opened", "pest_control", ["revisit"]) in HEARD


def test_hook_case_closed(act_as):
    from core.cases import services as cases

    act_as("cases.view", "cases.edit", "cases.close", "people.create")
    case = _open_rats_case()

    cases.close_case(case, lookups.values("cases.close_reason")[0].id, "Rats gone")

    assert ("case_closed", case.reference, True) in HEARD


def test_hook_case_reopened(act_as):
    from core.cases import services as cases

    act_as("cases.view", "cases.edit", "cases.close", "people.create")
    case = _open_rats_case()
    cases.close_case(case, lookups.values("cases.close_reason")[0].id)

    cases.reopen_case(case, "Rats back in the loft")

    assert ("case_reopened", case.reference, "Rats back in the loft") in HEARD


def test_hook_intention_completed(act_as):
    from core.intentions import services as intentions

    act_as("cases.view", "cases.edit", "people.create", "intentions.manage", name="Rhys Evans")
    [revisit] = intentions.intentions_for_case(_open_rats_case())

    intentions.complete(revisit)

    assert ("intention_completed", "revisit", "Rhys Evans") in HEARD


def test_hook_person_created(act_as):
    act_as("people.create")

    _person("Owen", "Tudor")

    assert ("person_created", "Tudor") in HEARD


def test_hook_person_updated(act_as):
    from core.people import services as people

    act_as("people.create", "people.edit")
    person = _person("Owen", "Tudor")

    people.update_person(person, people.PersonDetails("Owen", "Tudor-Jones", date_of_birth=date(1970, 1, 1)))

    assert ("person_updated", "Tudor-Jones") in HEARD


def test_hook_person_merged(act_as):
    from core.people import services as people

    act_as("people.create", "people.merge")
    keep, duplicate = _person("Owen", "Tudor"), _person("Owen", "Tudor")

    people.merge_people(keep, duplicate)

    assert ("person_merged", keep.id, duplicate.id) in HEARD


def test_hook_timeline_entries(client, login_as):
    from core.people import services as people

    user = login_as("people.view", "people.create")
    from flask import g

    g.ppp_actor = user
    person = _person("Ivy", "Rowe")
    db.session.commit()

    page = client.get(f"/people/{person.id}").get_data(as_text=True)

    assert "Wasps&#39; nest treated" in page
    assert "Loft, 2 nests" in page
    assert [entry.title for entry in people.timeline(person.id, "pest_control").entries] == ["Wasps' nest treated"]


# --- every hook has a test here, and the throwaway module implements it ----------------------------------------


def hookspec_names() -> list[str]:
    return [
        name
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, "ppp_spec")
    ]


def test_every_hookspec_has_a_test_here():
    tests = {name for name in globals() if name.startswith("test_hook_")}

    missing = [name for name in hookspec_names() if f"test_hook_{name}" not in tests]

    assert missing == [], f"add test_hook_<name> to tests/test_hooks.py for: {', '.join(missing)}"


def test_every_hook_test_names_a_real_hook():
    names = set(hookspec_names())

    assert [
        test for test in globals() if test.startswith("test_hook_") and test[len("test_hook_") :] not in names
    ] == []
