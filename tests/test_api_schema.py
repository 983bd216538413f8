"""The OpenAPI document validates, and a bounded, repeatable schemathesis run over every operation (as an administrator,
against the app itself) finds no server error and no answer that breaks the document's own schema."""

from __future__ import annotations

import contextvars
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from core.api.testing import bearer, make_token
from core.extensions import db
from core.lookups import services as lookups
from core.people.testing import make_person, seed_types
from core.places.models import Place

#: examples per operation and mode: enough to reach every field, small enough to finish in well under a minute
EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 3}


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_openapi_document_validates(document):
    validate(document)
    assert document["info"]["title"] == "PPP API"
    for path in ("/api/v1/people/", "/api/v1/people/{person_id}", "/api/v1/places/", "/api/v1/users/{user_id}",
                 "/api/v1/roles/"):
        assert path in document["paths"], path


def test_every_operation_declares_its_answers_and_is_described(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation.get("summary"), f"{method.upper()} {path} needs a docstring"
            assert any(code.startswith("2") for code in operation["responses"]), f"{method.upper()} {path}"
            if method == "patch":
                names = {parameter.get("name") for parameter in operation.get("parameters", [])}
                assert "If-Match" in names, f"PATCH {path} must take If-Match"
                assert {"412", "428"} <= set(operation["responses"]), f"PATCH {path}"


@pytest.mark.app_config(API_RATE_LIMIT_PER_MINUTE=0)
def test_schemathesis_finds_no_server_error_and_no_answer_off_schema(app, create_user):
    seed_types()
    person = make_person("Amara", "Okafor")
    place = Place(display_address="14 Mill Lane, Testbury", postcode="TE1 2AB", uprn=100012345678)
    db.session.add(place)
    admin = create_user(roles=("administrator",), name="Schema Admin")
    other = create_user("people.view", name="Other User")
    db.session.flush()
    headers = bearer(make_token(admin))
    # positive cases use real records for these path parameters, so they reach past the 404
    known = {"person_id": person.id, "place_id": place.id, "user_id": other.id, "role_id": other.roles[0].id,
             "list_code": "people.gender", "value_id": lookups.value("people.gender", "female").id}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode, examples in EXAMPLES.items():

            fixed = {name: known[name] for name in re.findall(r"{(\w+)}", operation.path) if name in known}
            strategy = operation.as_strategy(generation_mode=mode,
                                             path_parameters=fixed if mode is GenerationMode.POSITIVE else None)

            @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
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
    assert operations > 20
    assert failures == [], "\n\n".join(failures)
