"""Supervision through the services and the bus, with SQLite and with PostgreSQL stores.

An agency whose only peer worker has no eligible supervisor in-house finds one
in the networking pool at a peer-run organization; both organizations accept a
supervision agreement in directory; supervision offers the supervisor, who
accepts; weekly sessions are logged and confirmed; when a week is missed the
peer worker shows as overdue and an overdue event is published; when the
supervisor's credential expires in directory, the peer worker is flagged and
offered a new supervisor.
"""
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from kombu import Connection, Exchange, Queue

from shared.errors import InvalidInput, NotAllowed
from tests.support import wait_until

pytestmark = pytest.mark.integration


def day(offset: int = 0) -> str:
    return (datetime.now(timezone.utc).date() + timedelta(days=offset)).isoformat()


def listen(amqp_uri: str, exchange: str):
    connection = Connection(amqp_uri)
    queue = Queue(f"{exchange}.supervision-test", Exchange(exchange, type="topic", durable=True),
                  routing_key="supervision.#", durable=False, auto_delete=True)
    queue(connection.default_channel).declare()
    return connection, connection.SimpleQueue(queue)


def received_until(bus, received: list, predicate, timeout: float = 10) -> list:
    def drained():
        while True:
            try:
                message = bus.get(timeout=0.2)
            except bus.Empty:
                break
            received.append(message.payload if isinstance(message.payload, dict) else json.loads(message.payload))
            message.ack()
        return [event for event in received if predicate(event)]
    return wait_until(drained, timeout=timeout, message="events on the bus")


def hire_supervisor(admin, organization, peer_supervisor_expires="2040-01-01") -> str:
    worker = str(uuid.uuid4())
    admin.directory.record_employment({
        "peer_worker_id": worker, "organization_id": organization, "role_title": "Peer Supervisor",
        "hours_per_week": 30, "start": day(-365), "peer_role_since": "2015-06-01"})
    admin.directory.record_credential({
        "peer_worker_id": worker, "kind": "certified_peer_specialist", "state": "MA",
        "number": "CPS-2001-SYN", "issued": "2016-01-01", "expires": "2040-01-01"})
    admin.directory.record_credential({
        "peer_worker_id": worker, "kind": "peer_supervisor", "issued": "2020-01-01",
        "expires": peer_supervisor_expires})
    return worker


def test_supervision_across_organizations_overdue_and_a_lost_supervisor(store_env, network_factory, rpc, amqp_uri):
    exchange = f"peernet.events.{uuid.uuid4().hex[:8]}"
    connection, bus = listen(amqp_uri, exchange)
    network_factory(store_env, services=("directory", "supervision"), exchange=exchange).start()
    system = rpc("system")

    agency = system.directory.register_organization(
        {"name": "Hampden Community Agency", "kind": "agency", "regions": ["Hampden"]})
    provider = system.directory.register_organization(
        {"name": "Valley Peer Collective", "kind": "peer_run_organization", "regions": ["Hampden"]})
    agency_admin = rpc("agency_admin", user_id="agency-admin", organization_id=agency)
    provider_admin = rpc("agency_admin", user_id="provider-admin", organization_id=provider)

    # The agency's only peer worker; nobody in-house may supervise them.
    worker = str(uuid.uuid4())
    agency_admin.directory.record_employment({
        "peer_worker_id": worker, "organization_id": agency, "role_title": "Peer Specialist",
        "hours_per_week": 40, "start": day(-28), "peer_role_since": day(-28)})
    first = hire_supervisor(provider_admin, provider, peer_supervisor_expires=day(30))
    rpc("peer", user_id=first).directory.join_pool({
        "peer_worker_id": first, "organization_id": provider, "display_name": "Sam Example (synthetic)",
        "region": "Hampden", "languages": ["en"], "specialties": []})

    def pool_option():
        try:
            found = agency_admin.supervision.find_supervisor({"peer_worker_id": worker})
        except (InvalidInput, NotAllowed):  # not yet known, or not yet known to work for the agency
            return None
        return found if found["options"] else None

    found = wait_until(pool_option, timeout=10, message="the pool's supervisor known to supervision")
    assert found["route"] == "pool" and found["options"][0]["supervisor_id"] == first
    assert "needs a supervision agreement" in found["options"][0]["reasons"][0]

    # Both organizations accept a supervision agreement in directory; supervision offers the supervisor.
    agreement = agency_admin.directory.propose_supervision({
        "supervised_organization_id": agency, "supervising_organization_id": provider, "peer_worker_ids": [worker],
        "supervisor_id": None, "hours_per_month": 4, "start": day(), "end": day(300), "cost": "1200.00"})
    agency_admin.directory.accept_supervision({"agreement_id": agreement, "organization_id": agency})
    provider_admin.directory.accept_supervision({"agreement_id": agreement, "organization_id": provider})

    def offered_to(supervisor_id):
        def check():
            record = system.supervision.supervision_record({"peer_worker_id": worker})
            return next((s for s in record["supervisions"]
                         if s["supervisor_id"] == supervisor_id and s["status"] == "offered"), None)
        return check

    offer = wait_until(offered_to(first), timeout=10, message="the supervisor offered")
    assert offer["route"] == "agreement" and offer["agreement_id"] == agreement
    supervisor = rpc("supervisor", user_id=first)
    assert supervisor.supervision.accept_supervision({"assignment_id": offer["assignment_id"]})["status"] == "active"

    # Weekly sessions, confirmed by both; then a week is missed.
    peer = rpc("peer", user_id=worker)
    for offset in (-22, -15, -8):
        session_id = supervisor.supervision.log_session({
            "supervisor_id": first, "peer_worker_id": worker, "date": day(offset), "minutes": 60,
            "kind": "professional_development", "grouping": "individual", "medium": "video"})
        peer.supervision.confirm_session({"session_id": session_id})
    with pytest.raises(InvalidInput) as refused:
        supervisor.supervision.log_session({
            "supervisor_id": first, "peer_worker_id": worker, "date": day(1), "minutes": 60,
            "kind": "professional_development", "grouping": "individual", "medium": "video"})
    assert "date" in refused.value.field_errors
    assert peer.supervision.supervision_record({"peer_worker_id": worker})["due"]["hours_total"] == 3.0

    system.supervision.check_due()
    short = agency_admin.supervision.shortfall({})
    [item] = short["items"]
    assert item["peer_worker_id"] == worker and item["overdue"][0]["due_on"] == day(-1)
    received = []
    [overdue] = received_until(bus, received, lambda e: e["type"] == "SupervisionOverdue"
                               and e["body"]["peer_worker_id"] == worker)
    assert overdue["body"]["requirement"] == "session_cadence" and overdue["body"]["detected_on"] == day()

    # The supervisor's credential expires in directory: the peer worker is flagged and offered another.
    second = hire_supervisor(provider_admin, provider)
    system.directory.expire_credentials(day(31))
    new_offer = wait_until(offered_to(second), timeout=10, message="a new supervisor offered")
    assert new_offer["route"] == "agreement"
    flagged = received_until(bus, received, lambda e: e["type"] == "SupervisorNeeded")
    assert flagged[0]["body"] == {"peer_worker_id": worker, "kind": "professional_development",
                                  "reason": "supervisor_ineligible", "next_step": "offered"}
    assert "Sam Example" not in json.dumps(received)
    bus.close()
    connection.release()
