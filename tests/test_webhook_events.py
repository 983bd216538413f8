"""Webhook events from the core's hooks: opening, closing or reopening a case, completing an intention, and creating,
changing or merging a person send a signed delivery to each subscription that wants the event; a failing receiver is retried with growing back-off, then
given up; receivers get what happened and where to read it, never the record itself."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import g
from sqlalchemy import select

from core.api import services as api
from core.api import webhooks
from core.api.models import WebhookDelivery
from core.api.testing import bearer, make_token
from core.cases import services as cases
from core.extensions import db
from core.intentions import services as intentions
from core.people import services as people
from core.types import utcnow
from tests.casework import general_setup, make_person, open_case


class Receiver:
    """A real HTTP endpoint on localhost that records each POST and answers with the statuses it is told to."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the name http.server calls)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": self.headers, "body": body})  # looked up case-insensitively
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = b"ok" if status < 300 else b"depot system down"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/ppp-events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def subscribe(create_user):
    """Register a webhook as an administrator would; returns (subscription, secret)."""
    admin = create_user("admin.webhooks.manage", name="Integration admin")

    def make(url: str, events: list[str], name: str = "Housing rent system"):
        previous = g.get("ppp_actor")
        g.ppp_actor = admin
        try:
            return api.create_subscription(name, url, events)
        finally:
            g.ppp_actor = previous

    return make


@pytest.fixture
def caseworker(create_user):
    user = create_user("cases.view", "cases.edit", "cases.close", "people.view", "people.create", "people.edit",
                       "people.merge", name="Priya Shah")
    g.ppp_actor = user
    return user, make_token(user)


def deliveries() -> list[WebhookDelivery]:
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_closing_a_case_sends_a_signed_case_closed_event(client, receiver, subscribe, caseworker, run_jobs):
    _, token = caseworker
    subscription, secret = subscribe(receiver.url, ["case.closed"])
    case = open_case(general_setup().missed_bin, make_person())
    db.session.flush()
    assert deliveries() == []  # the subscription does not want case.opened

    etag = client.get(f"/api/v1/cases/{case.id}", headers=bearer(token)).headers["ETag"]
    closed = client.post(f"/api/v1/cases/{case.id}/close", headers={**bearer(token), "If-Match": etag},
                         json={"reason": "resolved"})
    assert closed.status_code == 200
    run_jobs()

    [sent] = receiver.received
    headers, body = sent["headers"], sent["body"]
    assert headers["X-PPP-Event"] == "case.closed"
    timestamp = headers["X-PPP-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["X-PPP-Signature"] == f"sha256={expected}"
    assert webhooks.verify(secret, timestamp, body, headers["X-PPP-Signature"])
    assert not webhooks.verify("whsec_someone_else", timestamp, body, headers["X-PPP-Signature"])
    event = json.loads(body)
    assert event["event"] == "case.closed" and event["id"] == headers["X-PPP-Delivery"]
    assert event["data"] == {"type": "case", "id": case.id, "href": f"/api/v1/cases/{case.id}"}
    # the receiver can read the case back through the API at that address
    assert client.get(event["data"]["href"], headers=bearer(token)).get_json()["status"] == "closed"

    db.session.expire_all()
    [delivery] = deliveries()
    assert (delivery.subscription_id, delivery.status, delivery.attempts) == (subscription.id, "delivered", 1)
    assert delivery.attempt_log[0].status_code == 200


def test_opening_a_case_sends_case_opened_to_those_who_want_it(client, receiver, subscribe, caseworker, run_jobs):
    _, token = caseworker
    setup = general_setup()
    subscribe(receiver.url, ["case.opened", "case.closed"], name="Citizen portal")
    subscribe(receiver.url, ["person.created"], name="Only people")
    paused, _ = subscribe(receiver.url, ["case.opened"], name="Paused")
    paused.active = False
    person = make_person()
    db.session.flush()

    opened = client.post("/api/v1/cases/", headers=bearer(token), json={
        "department": "general", "people": [{"person_id": person.id}],
        "demand": {"demand_type_id": setup.missed_bin.id, "received_on": "2026-11-20"}})
    assert opened.status_code == 201
    run_jobs()

    assert [sent["headers"]["X-PPP-Event"] for sent in receiver.received] == ["case.opened"]
    assert json.loads(receiver.received[0]["body"])["data"]["id"] == opened.get_json()["id"]


def test_reopening_a_case_and_completing_an_intention_send_their_events(client, receiver, subscribe, caseworker,
                                                                        create_user, run_jobs):
    user, token = caseworker
    subscribe(receiver.url, ["case.reopened", "intention.completed"])
    case = open_case(general_setup().missed_bin, make_person())
    cases.close_case(case, cases.lookups.value(cases.CLOSE_REASONS, "resolved").id)
    db.session.flush()
    [follow_up] = intentions.intentions_for_case(case)

    reopened = client.post(f"/api/v1/cases/{case.id}/reopen", headers={**bearer(token), "If-Match": f'"{case.version}"'},
                           json={"reason": "Bin missed again"})
    assert reopened.status_code == 200
    done = client.post(f"/api/v1/intentions/{follow_up.id}/complete",
                       headers={**bearer(make_token(create_user("intentions.manage"))), "If-Match": '"1"'})
    assert done.status_code == 200
    run_jobs()

    events = [(sent["headers"]["X-PPP-Event"], json.loads(sent["body"])["data"]) for sent in receiver.received]
    assert events == [
        ("case.reopened", {"type": "case", "id": case.id, "href": f"/api/v1/cases/{case.id}"}),
        ("intention.completed", {"type": "intention", "id": follow_up.id, "href": f"/api/v1/intentions/{follow_up.id}",
                                 "case_id": case.id}),
    ]


def test_a_refused_change_sends_nothing(client, receiver, subscribe, caseworker, run_jobs):
    _, token = caseworker
    subscribe(receiver.url, ["case.opened"])
    person = make_person()
    db.session.flush()
    refused = client.post("/api/v1/cases/", headers=bearer(token), json={
        "department": "general", "people": [{"person_id": person.id}],
        "demand": {"demand_type_id": 99999, "received_on": "2026-11-20"}})
    assert refused.status_code == 422
    run_jobs()
    assert receiver.received == [] and deliveries() == []


def test_a_failing_receiver_is_retried_with_growing_back_off(receiver, subscribe, caseworker, run_jobs):
    subscription, secret = subscribe(receiver.url, ["case.opened"])
    receiver.statuses = [500, 503]
    open_case(general_setup().missed_bin, make_person())
    run_jobs()

    [delivery] = deliveries()
    first_try = utcnow()
    assert (delivery.status, delivery.attempts) == ("retrying", 1)
    assert delivery.attempt_log[0].status_code == 500
    assert delivery.attempt_log[0].error == "HTTP 500: depot system down"
    wait = delivery.next_attempt_at - first_try
    assert timedelta(minutes=4) < wait <= timedelta(minutes=5)

    assert webhooks.retry_due(now=utcnow()) == {"queued": 0}  # not due yet
    assert webhooks.retry_due(now=delivery.next_attempt_at + timedelta(seconds=1)) == {"queued": 1}
    run_jobs()
    db.session.expire_all()
    assert (delivery.status, delivery.attempts) == ("retrying", 2)
    wait = delivery.next_attempt_at - delivery.attempt_log[1].attempted_at
    assert wait == timedelta(minutes=15)

    assert webhooks.retry_due(now=delivery.next_attempt_at + timedelta(seconds=1)) == {"queued": 1}
    run_jobs()
    db.session.expire_all()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("delivered", 3, None)
    assert [attempt.status_code for attempt in delivery.attempt_log] == [500, 503, 200]
    # every attempt is the same event, signed afresh
    assert len({sent["headers"]["X-PPP-Delivery"] for sent in receiver.received}) == 1
    for sent in receiver.received:
        assert webhooks.verify(secret, sent["headers"]["X-PPP-Timestamp"], sent["body"],
                               sent["headers"]["X-PPP-Signature"])


def test_a_receiver_that_keeps_failing_is_given_up_after_the_last_attempt(receiver, subscribe, caseworker, run_jobs):
    subscribe(receiver.url, ["case.opened"])
    receiver.statuses = [503] * 20
    open_case(general_setup().missed_bin, make_person())
    run_jobs()
    [delivery] = deliveries()
    while delivery.status == "retrying":
        webhooks.retry_due(now=delivery.next_attempt_at + timedelta(seconds=1))
        run_jobs()
        db.session.expire_all()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", webhooks.max_attempts(), None)
    assert len(receiver.received) == webhooks.max_attempts() == len(webhooks.BACKOFF_MINUTES) + 1


def test_person_events_are_sent_when_people_are_created_changed_and_merged(receiver, subscribe, caseworker, run_jobs):
    subscribe(receiver.url, ["person.created", "person.updated", "person.merged"])
    ada = people.create_person(people.PersonDetails(first_names="Ada", last_name="Jones"), confirmed=True)
    people.update_person(ada, people.PersonDetails(first_names="Ada", last_name="Jones-Reed"))
    twin = people.create_person(people.PersonDetails(first_names="Ada", last_name="Jones-Reed"), confirmed=True)
    people.merge_people(ada, twin)
    run_jobs()

    events = [(sent["headers"]["X-PPP-Event"], json.loads(sent["body"])["data"]) for sent in receiver.received]
    assert events == [
        ("person.created", {"type": "person", "id": ada.id, "href": f"/api/v1/people/{ada.id}"}),
        ("person.updated", {"type": "person", "id": ada.id, "href": f"/api/v1/people/{ada.id}"}),
        ("person.created", {"type": "person", "id": twin.id, "href": f"/api/v1/people/{twin.id}"}),
        ("person.merged", {"type": "person", "id": ada.id, "href": f"/api/v1/people/{ada.id}", "merged_id": twin.id}),
    ]


def test_case_events_can_be_chosen_for_a_subscription(subscribe):
    assert {"case.opened", "case.closed", "case.reopened", "intention.completed"} <= set(webhooks.available_events())
    subscription, _ = subscribe("https://rent.example.org/hooks", ["case.closed", "person.created"])
    assert subscription.events == ["case.closed", "person.created"]
    with pytest.raises(api.ApiChangeError, match='"case.deleted" is not an event'):
        subscribe("https://rent.example.org/hooks", ["case.deleted"])
