"""The conventions every API route shares: problem+json errors naming fields, pages with totals, sorting, versions
(ETag, If-Match: 428 and 412), money as a decimal string, and the OpenAPI document with its reference page."""

from __future__ import annotations

import json

import pytest
from marshmallow import Schema, ValidationError

from core.api.schemas import Pounds, Text, pence_to_pounds, pounds_to_pence
from core.api.testing import bearer, make_token
from core.extensions import db
from core.lookups import services as lookups
from core.lookups.models import LookupValue


@pytest.fixture
def admin_token(create_user):
    return make_token(create_user("admin.lookups.manage", "admin.jobs.view"))


@pytest.fixture
def reader_token(create_user):
    return make_token(create_user())


def a_list_code(app) -> str:
    return sorted(app.extensions["ppp"].lookups)[0]


def test_invalid_input_gets_422_problem_naming_each_field(client, app, admin_token):
    code = a_list_code(app)
    response = client.post(f"/api/v1/lookups/{code}/values", headers=bearer(admin_token),
                           json={"label": "x" * 201, "colour": "red"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 422 and body["title"] == "Unprocessable Entity"
    assert set(body["errors"]) == {"code", "label", "colour"}
    assert body["errors"]["code"] == ["Missing data for required field."]
    assert "colour" in body["detail"]


def test_a_service_refusal_is_a_422_naming_the_field(client, app, admin_token):
    code = a_list_code(app)
    response = client.post(f"/api/v1/lookups/{code}/values", headers=bearer(admin_token),
                           json={"code": "Not Valid!", "label": "Shown"})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["code"]


def test_bad_query_parameters_are_422_too(client, admin_token):
    response = client.get("/api/v1/jobs/runs?status=exploded", headers=bearer(admin_token))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["status"]
    response = client.get("/api/v1/jobs/runs?page=0", headers=bearer(admin_token))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["page"]
    response = client.get("/api/v1/lookups/?sort=-colour", headers=bearer(admin_token))
    assert response.status_code == 422
    assert 'Cannot sort by "-colour"' in response.get_json()["errors"]["sort"][0]


def test_control_characters_are_refused_not_stored(client, app, admin_token):
    code = a_list_code(app)
    response = client.post(f"/api/v1/lookups/{code}/values", headers=bearer(admin_token),
                           json={"code": "nul_test", "label": "Bad\x00label"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["label"] == ["Remove control characters from this text."]


def test_not_json_at_all_is_a_problem_not_a_crash(client, app, admin_token):
    code = a_list_code(app)
    response = client.post(f"/api/v1/lookups/{code}/values", headers={**bearer(admin_token),
                           "Content-Type": "application/json"}, data="{not json")
    # a body that is not JSON at all is a malformed request (400); well-formed JSON with bad values gets 422
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == {"_request": ["Invalid JSON body."]}


def test_unknown_routes_and_methods_answer_problem_json(client, reader_token):
    missing = client.get("/api/v1/no-such-thing", headers=bearer(reader_token))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    wrong = client.delete("/api/v1/lookups/", headers=bearer(reader_token))
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
    assert "GET" in wrong.headers["Allow"]


def test_pages_carry_the_totals_in_x_pagination(client, app, reader_token):
    total = len(app.extensions["ppp"].lookups)
    assert total > 3
    response = client.get("/api/v1/lookups/?page=2&page_size=2&sort=code", headers=bearer(reader_token))
    assert response.status_code == 200
    meta = json.loads(response.headers["X-Pagination"])
    assert meta["total"] == total
    assert meta["page"] == 2 and meta["previous_page"] == 1
    assert meta["total_pages"] == -(-total // 2)
    codes = sorted(app.extensions["ppp"].lookups)
    assert [row["code"] for row in response.get_json()] == codes[2:4]


def test_a_page_past_the_end_is_empty_and_page_size_is_capped(client, reader_token):
    response = client.get("/api/v1/lookups/?page=99999999999999999999", headers=bearer(reader_token))
    assert response.status_code == 200 and response.get_json() == []
    assert client.get("/api/v1/lookups/?page_size=101", headers=bearer(reader_token)).status_code == 422


def test_sorting_descending_and_by_several_fields(client, app, reader_token):
    response = client.get("/api/v1/lookups/?sort=-code&page_size=100", headers=bearer(reader_token))
    codes = [row["code"] for row in response.get_json()]
    assert codes == sorted(app.extensions["ppp"].lookups, reverse=True)
    response = client.get("/api/v1/lookups/?sort=module,-code&page_size=100", headers=bearer(reader_token))
    rows = response.get_json()
    assert rows == sorted(rows, key=lambda row: row["module"])


def _a_value(app) -> LookupValue:
    return lookups.values(a_list_code(app), include_inactive=True)[0]


def test_a_record_carries_its_version_as_etag(client, app, reader_token):
    value = _a_value(app)
    response = client.get(f"/api/v1/lookups/{value.list_code}/values/{value.id}", headers=bearer(reader_token))
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{value.version}"'
    assert response.get_json()["version"] == value.version


def test_updates_need_if_match_428_and_a_stale_one_gets_412(client, app, admin_token):
    value = _a_value(app)
    url = f"/api/v1/lookups/{value.list_code}/values/{value.id}"
    old_label = value.label
    missing = client.patch(url, headers=bearer(admin_token), json={"label": "Renamed"})
    assert missing.status_code == 428
    assert "If-Match" in missing.get_json()["detail"]
    assert client.patch(url, headers={**bearer(admin_token), "If-Match": "*"}, json={"label": "Renamed"}).status_code == 428

    etag = client.get(url, headers=bearer(admin_token)).headers["ETag"]
    changed = client.patch(url, headers={**bearer(admin_token), "If-Match": etag}, json={"label": "Renamed"})
    assert changed.status_code == 200
    assert changed.get_json()["label"] == "Renamed"
    assert changed.headers["ETag"] != etag

    stale = client.patch(url, headers={**bearer(admin_token), "If-Match": etag}, json={"label": "Lost update"})
    assert stale.status_code == 412
    assert stale.mimetype == "application/problem+json"
    assert stale.headers["ETag"] == changed.headers["ETag"]
    db.session.refresh(value)
    assert value.label == "Renamed" != old_label


def test_retiring_a_value_through_the_api(client, app, admin_token):
    value = _a_value(app)
    url = f"/api/v1/lookups/{value.list_code}/values/{value.id}"
    etag = client.get(url, headers=bearer(admin_token)).headers["ETag"]
    response = client.patch(url, headers={**bearer(admin_token), "If-Match": etag}, json={"active": False})
    assert response.status_code == 200
    assert response.get_json()["active"] is False and response.get_json()["retired_at"]
    listed = client.get(f"/api/v1/lookups/{value.list_code}/values?active=false", headers=bearer(admin_token))
    assert value.id in [row["id"] for row in listed.get_json()]


def test_a_value_in_another_list_is_not_found(client, app, reader_token):
    value = _a_value(app)
    other = next(code for code in app.extensions["ppp"].lookups if code != value.list_code)
    response = client.get(f"/api/v1/lookups/{other}/values/{value.id}", headers=bearer(reader_token))
    assert response.status_code == 404
    assert client.get(f"/api/v1/lookups/{value.list_code}/values/99999999999", headers=bearer(reader_token)).status_code == 404


def test_times_are_iso_8601_utc_with_offset(client, app, reader_token):
    value = _a_value(app)
    body = client.get(f"/api/v1/lookups/{value.list_code}/values/{value.id}", headers=bearer(reader_token)).get_json()
    assert body["created_at"].endswith("+00:00")


class Invoice(Schema):
    amount = Pounds(required=True)
    refund = Pounds(allow_negative=True)
    note = Text(20)


@pytest.mark.parametrize("pence, text", [(1250, "12.50"), (5, "0.05"), (0, "0.00"), (-199, "-1.99"),
                                         (123456789, "1234567.89")])
def test_money_is_a_decimal_string_in_pounds_both_ways(pence, text):
    assert pence_to_pounds(pence) == text
    assert pounds_to_pence(text) == pence
    dumped = Invoice().dump({"amount": abs(pence), "refund": pence})
    assert dumped["refund"] == text
    assert Invoice().load({"amount": dumped["amount"], "refund": dumped["refund"]}) == {"amount": abs(pence),
                                                                                       "refund": pence}


def test_money_accepts_whole_pounds_and_one_decimal_place():
    assert Invoice().load({"amount": "12"})["amount"] == 1200
    assert Invoice().load({"amount": "12.5"})["amount"] == 1250


@pytest.mark.parametrize("bad", ["12.505", "£12.50", "12,50", "1e3", "", "abc", 12.5, 1250, None, "NaN"])
def test_money_refuses_anything_but_pounds_as_text(bad):
    with pytest.raises(ValidationError) as error:
        Invoice().load({"amount": bad})
    assert "amount" in error.value.messages


def test_money_refuses_negative_amounts_unless_allowed():
    with pytest.raises(ValidationError) as error:
        Invoice().load({"amount": "-1.00"})
    assert error.value.messages["amount"] == ["Enter an amount of zero or more."]
    assert Invoice().load({"amount": "1.00", "refund": "-1.00"})["refund"] == -100


def test_money_is_documented_as_a_patterned_string(app):
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    spec = APISpec("t", "1", "3.0.3", plugins=[MarshmallowPlugin()])
    spec.components.schema("Invoice", schema=Invoice)
    amount = spec.to_dict()["components"]["schemas"]["Invoice"]["properties"]["amount"]
    assert amount["type"] == "string" and amount["example"] == "12.50"
    assert amount["pattern"] == r"^\d{1,12}(\.\d{1,2})?$"


def test_openapi_document_is_public_and_valid(client):
    from openapi_spec_validator import validate

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": document["components"]["securitySchemes"]["bearerAuth"][
            "description"]}
    assert document["security"] == [{"bearerAuth": []}]
    assert "/api/v1/lookups/" in document["paths"]
    problem = document["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert list(problem) == ["application/problem+json"]
    patch = document["paths"]["/api/v1/lookups/{list_code}/values/{value_id}"]["patch"]
    assert any(parameter.get("name") == "If-Match" for parameter in patch["parameters"])
    assert {"412", "428", "422"} <= set(patch["responses"])


def test_reference_page_uses_local_assets_and_no_inline_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "/static/dist/swagger-ui/swagger-ui-bundle.js" in page
    assert "/static/ppp/api-reference.js" in page
    assert "http://" not in page and "https://" not in page
    assert "<script>" not in page and "onload=" not in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert 'data-spec-url="/api/v1/openapi.json"' in page
