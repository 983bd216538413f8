"""Helpers for API tests in the core and in modules: a token for a user, the header that carries it, and a bounded,
repeatable schemathesis run over the operations of the OpenAPI document."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable

from flask import g

from core.api import services
from core.extensions import db


def make_token(user, name: str = "test token", days: int | None = None) -> str:
    """Create an API token for the user, as the command line does, and return its value."""
    previous = g.get("ppp_command_line")
    g.ppp_command_line = True
    try:
        return services.create_token(name, days, user=user).value
    finally:
        g.ppp_command_line = previous


def bearer(value: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {value}"}


class ApiCaller:
    """The test client sending a personal API token for a new user holding exactly the given permissions:
    ``ApiCaller(client, create_user, "people.view").get("/api/v1/people/1")``."""

    def __init__(self, client, create_user, *permissions: str):
        self.client = client
        self.headers = bearer(make_token(create_user(*permissions)))

    def __getattr__(self, method: str):
        def call(url, headers=None, **kwargs):
            return getattr(self.client, method)(url, headers={**self.headers, **(headers or {})}, **kwargs)

        return call


def schemathesis_failures(app, headers: dict[str, str], known: dict[str, object],
                          wanted: Callable[[str], bool] = lambda path: True,
                          examples: dict | None = None) -> tuple[int, list[str]]:
    """Call every wanted operation (by path) with examples schemathesis makes from the document, positive ones with
    the ``known`` path parameters (real records, so they reach past the 404); return how many operations were run
    and each one's failure: a server error, or an answer off the document's own schema."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    # enough to reach every field, small enough for the whole document to finish in about a minute
    examples = examples or {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 3}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not wanted(operation.path):
            continue
        operations += 1
        fixed = {name: known[name] for name in re.findall(r"{(\w+)}", operation.path) if name in known}
        for mode, count in examples.items():
            strategy = operation.as_strategy(generation_mode=mode,
                                             path_parameters=fixed if mode is GenerationMode.POSITIVE else None)

            @settings(max_examples=count, derandomize=True, database=None, deadline=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def run(case):
                # a fresh context per request, as a real server has, so one request's user cannot leak to the next
                response = contextvars.Context().run(case.call, headers=headers)
                db.session.expire_all()
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance],
                                       headers=headers)

            try:
                run()
            except Exception as exc:  # noqa: BLE001  (each operation's failure is collected, then all are shown)
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
    return operations, failures
