"""The handbook's sub-contracting scenario driven end to end through directory's RPC
interface, on the real broker, with SQLite and with PostgreSQL stores; the
integration events other services need arrive on the bus, fit their contracts,
and supervision consumes them.

An agency without an experienced peer supervisor subcontracts 20 hours per week
from a peer-run organization that takes on hiring, training and supervision,
places two peer workers, one of whom joins the networking pool; an agreement
asking a placed peer worker to administer medications is refused with the
chart's reason.
"""
import json
import uuid

import pytest
from kombu import Connection, Exchange, Queue

from shared import contracts
from shared.errors import Conflict, InvalidInput, NotAllowed
from tests.support import wait_until

pytestmark = pytest.mark.integration


def listen(amqp_uri: str, exchange: str):
    """A queue of the test's own, bound to everything directory publishes, declared before anything is."""
    connection = Connection(amqp_uri)
    queue = Queue(f"{exchange}.directory-test", Exchange(exchange, type="topic", durable=True),
                  routing_key="directory.#", durable=False, auto_delete=True)
    queue(connection.default_channel).declare()
    return connection, connection.SimpleQueue(queue)


def drain(simple_queue, received: list) -> list:
    while True:
        try:
            message = simple_queue.get(timeout=0.2)
        except simple_queue.Empty:
            return received
        received.append(message.payload if isinstance(message.payload, dict) else json.loads(message.payload))
        message.ack()


def test_the_handbooks_subcontracting_scenario_end_to_end(store_env, network_factory, rpc, amqp_uri, tmp_path):
    exchange = f"peernet.events.{uuid.uuid4().hex[:8]}"
    connection, bus = listen(amqp_uri, exchange)
    network = network_factory(store_env, services=("directory", "supervision"), exchange=exchange)
    network.start()
    system, state = rpc("system"), rpc("state_auditor")

    agency = system.directory.register_organization(
        {"name": "Hampden Community Agency", "kind": "agency", "regions": ["Hampden"]})
    provider = state.directory.register_organization(
        {"name": "Valley Peer Collective", "kind": "peer_run_organization", "regions": ["Hampden", "Hampshire"],
         "contact": {"phone": "555-0100", "website": "https://peer-collective.example.org"}})
    agency_admin = rpc("agency_admin", user_id="agency-admin", organization_id=agency)
    provider_admin = rpc("agency_admin", user_id="provider-admin", organization_id=provider)

    with pytest.raises(InvalidInput) as duplicate:
        agency_admin.directory.register_organization(
            {"name": "Valley Peer Collective", "kind": "agency", "regions": ["Hampden"]})
    assert "already serves Hampden" in str(duplicate.value.field_errors["name"])

    # The peer-run organization hires: two peer workers to place, and an experienced peer supervisor.
    placed = [str(uuid.uuid4()), str(uuid.uuid4())]
    supervisor = str(uuid.uuid4())
    for worker in (*placed, supervisor):
        provider_admin.directory.record_employment({
            "peer_worker_id": worker, "organization_id": provider, "role_title": "Certified Peer Specialist",
            "hours_per_week": 20 if worker != supervisor else 30, "start": "2026-01-05",
            "peer_role_since": "2015-06-01" if worker == supervisor else "2024-09-01"})
    provider_admin.directory.record_credential({
        "peer_worker_id": placed[0], "kind": "certified_peer_specialist", "state": "MA",
        "number": "CPS-1001-SYN", "issued": "2025-02-01", "expires": "2040-02-01"})
    provider_admin.directory.record_credential({
        "peer_worker_id": supervisor, "kind": "peer_supervisor", "issued": "2023-01-01", "expires": "2040-01-01"})
    status = {row["peer_worker_id"]: row["certification"] for row in provider_admin.directory.credential_status(
        {"organization_id": provider, "as_of": "2026-03-01"})["items"]}
    assert (status[placed[0]], status[placed[1]]) == ("certified", "due")

    # The agency has no eligible peer supervisor; the peer-run organization has one.
    assert agency_admin.directory.eligible_peer_supervisors({"organization_id": agency})["items"] == []
    assert provider_admin.directory.eligible_peer_supervisors({"organization_id": provider}) == {
        "items": [{"peer_worker_id": supervisor}], "next_after": None}

    agreement = agency_admin.directory.make_subcontract({
        "buyer_id": agency, "provider_id": provider, "hours_per_week": 20, "amount": "26000.00",
        "start": "2026-01-05", "end": "2026-12-31", "provider_duties": ["hiring", "training", "supervision"],
        "duties": ["Facilitate a WRAP group", "Share lived experience to inspire hope"]})
    for worker, hours in zip(placed, (12, 8)):
        provider_admin.directory.place_peer_worker(
            {"agreement_id": agreement, "peer_worker_id": worker, "hours_per_week": hours,
             "duties": ["Co-lead a Hearing Voices group"]})

    log_before = system.directory.positions()["log"]
    with pytest.raises(InvalidInput) as medications:
        agency_admin.directory.amend_subcontract(
            {"agreement_id": agreement, "duties": ["Facilitate a WRAP group", "Administer medications"]})
    [reason] = medications.value.field_errors["duties"]["1"]
    assert "power imbalance" in reason and "Consistent with a peer role" in reason
    # Over the broker too, the refusal carries the chart's texts in English and Spanish.
    [refused_duty] = medications.value.extra["refused_duties"]
    assert refused_duty["field"] == "duties.1" and refused_duty["code"] == "administering_medications"
    assert refused_duty["reasons"][0]["name"] == {"en": "power imbalance", "es": "desequilibrio de poder"}
    with pytest.raises(InvalidInput) as too_many:
        provider_admin.directory.place_peer_worker(
            {"agreement_id": agreement, "peer_worker_id": supervisor, "hours_per_week": 1})
    assert "more than the 20" in too_many.value.field_errors["hours_per_week"][0]
    assert system.directory.positions()["log"] == log_before  # nothing stored

    # One placed peer worker joins the networking pool; a peer of another organization finds them.
    rpc("peer", user_id=placed[0]).directory.join_pool({
        "peer_worker_id": placed[0], "organization_id": provider, "display_name": "Rowan Example (synthetic)",
        "region": "Hampden", "languages": ["Spanish"], "specialties": ["hearing_voices"]})
    found = rpc("peer", user_id=str(uuid.uuid4())).directory.search_pool({"region": "Hampden",
                                                                          "credential": "certified_peer_specialist"})
    assert [m["display_name"] for m in found["items"]] == ["Rowan Example (synthetic)"]

    # Supervision of the agency's own peer worker by the peer-run organization, both accept.
    own = str(uuid.uuid4())
    agency_admin.directory.record_employment({"peer_worker_id": own, "organization_id": agency,
                                              "role_title": "Peer Advocate", "hours_per_week": 25,
                                              "start": "2026-02-01"})
    supervision = agency_admin.directory.propose_supervision({
        "supervised_organization_id": agency, "supervising_organization_id": provider, "peer_worker_ids": [own],
        "supervisor_id": supervisor, "hours_per_month": 4, "start": "2026-02-01", "end": "2026-12-31",
        "cost": "2400.00"})
    with pytest.raises(NotAllowed):
        agency_admin.directory.accept_supervision({"agreement_id": supervision, "organization_id": provider})
    agency_admin.directory.accept_supervision({"agreement_id": supervision, "organization_id": agency})
    assert provider_admin.directory.accept_supervision(
        {"agreement_id": supervision, "organization_id": provider})["status"] == "active"

    # Hours delivered against hours agreed; a stale edit is a conflict, not a lost update.
    provider_admin.directory.record_hours_delivered({"agreement_id": agreement, "week_start": "2026-01-05",
                                                     "hours": 18})
    view = state.directory.subcontract(agreement)
    assert view["hours_report"][0]["difference"] == -2 and view["hours_placed"] == 20
    agency_admin.directory.renew_subcontract({"agreement_id": agreement, "end": "2027-12-31",
                                              "expected_version": view["version"]})
    with pytest.raises(Conflict):
        provider_admin.directory.end_subcontract({"agreement_id": agreement, "ended_on": "2026-06-30",
                                                  "expected_version": view["version"]})

    # A peer group hosted by the peer-run organization, exported for 211 in HSDS.
    provider_admin.directory.list_group({
        "host_organization_id": provider, "kind": "hearing_voices", "name": "Thursday Hearing Voices",
        "region": "Hampden", "facilitator_ids": [placed[0]], "link": "https://meet.example.org/hv",
        "schedule": {"freq": "WEEKLY", "byday": "TH", "opens_at": "18:00", "closes_at": "19:30"}})
    assert len(rpc("person").directory.find_groups({"region": "Hampden"})["items"]) == 1
    export = rpc("person").directory.export_hsds({"kind": "hearing_voices"})
    assert [o["name"] for o in export["organizations"]] == ["Valley Peer Collective"]
    assert export["schedules"][0]["byday"] == "TH" and export["locations"][0]["location_type"] == "virtual"

    # What other services need arrived on the bus, in order, each fitting its contract.
    log = system.directory.positions()["log"]
    received: list = []
    wait_until(lambda: len(drain(bus, received)) >= log, timeout=10, message="every directory event on the bus")
    events = [contracts.parse(message) for message in received]
    assert [e.position for e in events] == list(range(1, log + 1))
    types = {e.type for e in events}
    assert {"OrganizationRegistered", "EmploymentBegan", "CredentialRecorded", "PoolJoined",
            "SubcontractAgreementMade", "PeerWorkerPlaced", "SubcontractHoursDelivered",
            "SupervisionAgreementActivated", "SubcontractAgreementRenewed", "PeerGroupListed"} <= types
    assert "Rowan" not in json.dumps(received) and "CPS-1001" not in json.dumps(received)
    placements = [e.body for e in events if e.type == "PeerWorkerPlaced"]
    assert sorted(b["peer_worker_id"] for b in placements) == sorted(placed)
    assert {(b["buyer_id"], b["provider_id"]) for b in placements} == {(agency, provider)}
    [activated] = [e.body for e in events if e.type == "SupervisionAgreementActivated"]
    assert activated["peer_worker_ids"] == [own] and activated["supervisor_id"] == supervisor

    # Supervision, which follows directory, has taken every event and dead-lettered none.
    supervision_rpc = rpc("system")
    wait_until(lambda: supervision_rpc.supervision.positions()["upstream"]["directory"] == log, timeout=10,
               message="supervision caught up with directory")
    dead = connection.SimpleQueue(Queue(f"{exchange}.supervision.dead-letters", durable=True,
                                        queue_arguments={"x-queue-type": "classic"}))
    assert dead.qsize() == 0
    dead.close()
    bus.close()
    connection.release()
