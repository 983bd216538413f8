"""Hook implementations of the API area: tokens, the API's core resources, webhooks and their jobs."""

from __future__ import annotations

from core.extensions import hookimpl
from core.plugins import JobSpec, MenuItem, ModuleInfo, Permission

MODULE = ModuleInfo(
    name="api",
    label="API",
    description="The REST API for integrators: personal API tokens, the OpenAPI document and webhooks.",
)


@hookimpl
def register_permissions():
    return [
        Permission("api.tokens.create", "Create personal API tokens, to call the API as yourself"),
        Permission("admin.webhooks.manage", "Register webhooks and see their deliveries"),
    ]


@hookimpl
def register_blueprints():
    from core.api import views  # noqa: F401  (routes attach to the blueprint on import)
    from core.api.blueprint import bp

    return [bp]


@hookimpl
def register_api_blueprints():
    from core.api import resources_jobs, resources_lookups, resources_me

    return [resources_me.blp, resources_lookups.blp, resources_jobs.blp]


@hookimpl
def register_menu_items():
    return [
        MenuItem("API tokens", "api.tokens", "api.tokens.create", order=880),
        MenuItem("Webhooks", "api.webhooks_index", "admin.webhooks.manage", order=920, section="admin"),
    ]


@hookimpl
def register_jobs():
    from core.api import webhooks

    return [
        JobSpec(webhooks.DELIVER_JOB, webhooks.deliver, "Send one webhook delivery to its receiver",
                queue="webhooks", permission="admin.webhooks.manage"),
        JobSpec(webhooks.RETRY_JOB, webhooks.retry_due, "Send again the webhook deliveries whose back-off has passed",
                queue="webhooks", cron="*/5 * * * *", permission="admin.webhooks.manage"),
    ]


@hookimpl
def register_commands(cli):
    from core.api.cli import add_token_command

    add_token_command(cli)


@hookimpl
def startup(app):
    from core.api import tokens

    tokens.install(app)


# --- events, sent on to webhook subscribers ---------------------------------------------------------------------


def _person(person) -> dict:
    return {"type": "person", "id": person.id, "href": f"/api/v1/people/{person.id}"}


@hookimpl
def person_created(person):
    from core.api.webhooks import notify

    notify("person.created", _person(person))


@hookimpl
def person_updated(person):
    from core.api.webhooks import notify

    notify("person.updated", _person(person))


@hookimpl
def person_merged(target, source):
    from core.api.webhooks import notify

    notify("person.merged", {**_person(target), "merged_id": source.id})


def _case(case) -> dict:
    return {"type": "case", "id": case.id, "href": f"/api/v1/cases/{case.id}"}


@hookimpl
def case_opened(case):
    from core.api.webhooks import notify

    notify("case.opened", _case(case))


@hookimpl
def case_closed(case):
    from core.api.webhooks import notify

    notify("case.closed", _case(case))


@hookimpl
def case_reopened(case):
    from core.api.webhooks import notify

    notify("case.reopened", _case(case))


@hookimpl
def intention_completed(intention):
    from core.api.webhooks import notify

    notify("intention.completed", {
        "type": "intention", "id": intention.id, "href": f"/api/v1/intentions/{intention.id}",
        "case_id": intention.case_id,
    })
