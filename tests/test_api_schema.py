"""The OpenAPI document validates, and a bounded, repeatable schemathesis run over every operation (as an administrator,
against the app itself) finds no server error and no answer that breaks the document's own schema."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from core.api.testing import bearer, make_token, schemathesis_failures
from core.extensions import db
from core.lookups import services as lookups
from core.people.testing import make_person, seed_types
from core.places.models import Place


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
    operations, failures = schemathesis_failures(app, headers, known)
    assert operations > 20
    assert failures == [], "\n\n".join(failures)
