"""Walk every route of an app with every built-in module: anonymous visitors must log in, and users without a
route's permission get 403."""

from __future__ import annotations

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from core.permissions import access_rule
from core.testing.fixtures import builtin_modules


def sample_url(rule) -> str:
    """Fill a rule's arguments with plausible values so the URL can be requested."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = "1"
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    _, path = rule.build(values, append_unknown=False)
    return path


def method_of(rule) -> str:
    return "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]


def walked_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("api-docs."):
            continue
        rule_kind, permissions = access_rule(app.view_functions[rule.endpoint])
        yield rule, rule_kind, permissions


@pytest.fixture
def full_app(make_app):
    return make_app(modules=builtin_modules())


def test_every_route_declares_an_access_rule(full_app):
    assert all(kind in {"public", "login", "permission"} for _, kind, _ in walked_rules(full_app))


def test_anonymous_visitors_are_sent_to_login_everywhere_but_public_pages(full_app):
    client = full_app.test_client()
    checked = 0
    for rule, kind, _ in walked_rules(full_app):
        if kind == "public":
            continue
        url = sample_url(rule)
        response = client.open(url, method=method_of(rule))
        if url.startswith("/api/"):
            assert response.status_code == 401, url
        else:
            assert response.status_code == 302, url
            assert "/login" in response.headers["Location"], url
        checked += 1
    assert checked > 10


def test_users_lacking_a_routes_permission_get_403(full_app, create_user):
    client = full_app.test_client()
    user = create_user()  # holds no role at all
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
    checked = 0
    for rule, kind, permissions in walked_rules(full_app):
        if kind != "permission":
            continue
        response = client.open(sample_url(rule), method=method_of(rule))
        assert response.status_code == 403, f"{rule.rule} needs {permissions} but answered {response.status_code}"
        checked += 1
    assert checked > 10


def test_holding_the_permission_gets_past_the_check(full_app, create_user):
    """The other half of the walk: with the route's permissions the answer is never 403."""
    client = full_app.test_client()
    for rule, kind, permissions in walked_rules(full_app):
        if kind != "permission" or method_of(rule) != "GET":
            continue
        user = create_user(*permissions)
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
        response = client.get(sample_url(rule))
        assert response.status_code != 403, rule.rule


# --- the API: access is declared per method (a resource's GET may be open to readers, its POST to writers) -------


def api_methods(app):
    """(rule, method, access rule) for every /api/ route and method; a method's own rule wins over its class's."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint == "static" or rule.endpoint.startswith("api-docs."):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            handler = getattr(getattr(view, "view_class", None), method.lower(), None)
            yield rule, method, (handler is not None and access_rule(handler)) or access_rule(view)


def call(client, rule, method: str, headers: dict | None = None):
    return client.open(sample_url(rule), method=method, json=None if method == "GET" else {},
                       headers={**(headers or {}), "If-Match": '"1"'})


def test_every_api_method_declares_access_and_anonymous_callers_get_401(full_app):
    client = full_app.test_client()
    walked = list(api_methods(full_app))
    assert len(walked) > 30
    for rule, method, access in walked:
        assert access is not None and access[0] in {"public", "login", "permission"}, f"{method} {rule.rule}"
        if access[0] == "public":
            continue
        response = call(client, rule, method)
        assert response.status_code == 401, f"{method} {rule.rule} answered {response.status_code} without a token"
        assert response.mimetype == "application/problem+json"


@pytest.mark.app_config(API_RATE_LIMIT_PER_MINUTE=0)
def test_api_tokens_lacking_a_methods_permission_get_403(full_app, create_user):
    from core.api.testing import bearer, make_token

    client = full_app.test_client()
    headers = bearer(make_token(create_user()))  # a user holding no role at all
    checked = 0
    for rule, method, access in api_methods(full_app):
        if access[0] != "permission":
            continue
        response = call(client, rule, method, headers)
        assert response.status_code == 403, f"{method} {rule.rule} needs {access[1]} but answered {response.status_code}"
        assert response.mimetype == "application/problem+json"
        checked += 1
    assert checked > 30


@pytest.mark.app_config(API_RATE_LIMIT_PER_MINUTE=0)
def test_api_tokens_holding_a_methods_permission_get_past_the_check(full_app, create_user):
    """With exactly the permissions a method names, the answer is never 401 or 403 (records that do not exist are
    404, bodies that are empty 422: the check came first and let the caller through)."""
    from core.api.testing import bearer, make_token

    client = full_app.test_client()
    tokens: dict[tuple[str, ...], dict] = {}
    for rule, method, access in api_methods(full_app):
        if access[0] != "permission":
            continue
        if access[1] not in tokens:
            tokens[access[1]] = bearer(make_token(create_user(*access[1])))
        response = call(client, rule, method, tokens[access[1]])
        assert response.status_code not in (401, 403), f"{method} {rule.rule} with {access[1]}: {response.get_json()}"
        assert response.status_code < 500, f"{method} {rule.rule}: {response.status_code}"
