"""Directory's integration-event contracts: one sample per contract, each round-trips as
JSON; personal fields refuse clear text; every stored event class publishes.

`directory_samples` is written so that shared/tests/test_contracts.py can merge it into
its own `sample_bodies`."""
from __future__ import annotations

import json
import uuid

import pytest
from marshmallow import ValidationError

from services.directory.application import DirectoryApplication
from services.directory.domain import Organization, PeerGroup, PeerWorker, SubcontractAgreement, SupervisionAgreement
from shared.contracts import build, known_contracts, latest, parse
from shared.tests.conftest import vault  # noqa: F401  (fixture)
from shared.tests.test_access import access_sample

WORKER = uuid.UUID("5b7c3e0a-1d2f-4c6b-8e9a-0f1e2d3c4b5a")
ORG = uuid.UUID("0a9b8c7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d")
OTHER = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
AGREEMENT = uuid.UUID("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
ACTOR = {"user_id": "admin-1", "role": "agency_admin", "organization_id": str(ORG), "correlation_id": "corr-1"}


def directory_samples(vault) -> dict[tuple[str, str, int], dict]:
    def sealed(value: str) -> str:
        return vault.seal(str(WORKER), value)

    terms = {"supervised_organization_id": OTHER, "supervising_organization_id": str(ORG),
             "peer_worker_ids": [str(WORKER)], "hours_per_month": 4, "start": "2026-02-01", "end": "2026-12-31",
             "cost": "2400.00", "supervisor_id": None}
    bodies = {
        "OrganizationRegistered": {"organization_id": ORG, "name": "Harbor Peer Collective",
                                   "kind": "peer_run_organization", "regions": ["north", "coast"],
                                   "contact": {"phone": "555-0100"}, "languages": ["en", "es"]},
        "OrganizationUpdated": {"organization_id": ORG, "name": "Harbor Peer Collective", "regions": ["north"],
                                "contact": {}, "languages": ["pt"]},
        "OrganizationClosed": {"organization_id": ORG},
        "PeerWorkerRecorded": {"peer_worker_id": WORKER, "peer_role_since": None},
        "PeerRoleSinceSet": {"peer_worker_id": WORKER, "peer_role_since": "2019-04-01"},
        "EmploymentBegan": {"peer_worker_id": WORKER, "employment_id": "e-1", "organization_id": str(ORG),
                            "role_title": "Recovery Coach", "hours_per_week": 20, "start": "2026-01-05",
                            "end": None, "certify_by": "2026-07-06"},
        "EmploymentEnded": {"peer_worker_id": WORKER, "employment_id": "e-1", "organization_id": str(ORG),
                            "left_on": "2026-06-01"},
        "CredentialRecorded": {"peer_worker_id": WORKER, "credential_id": "c-1", "kind": "certified_peer_specialist",
                               "state": "MA", "number": sealed("CPS-1"), "issued": "2025-01-01",
                               "expires": "2027-01-01"},
        "CredentialExpired": {"peer_worker_id": WORKER, "credential_id": "c-1", "kind": "certified_peer_specialist",
                              "expired_on": "2027-01-01", "blocks_offers": False},
        "ContinuingEducationRecorded": {"peer_worker_id": WORKER, "hours": 6.5, "period_start": "2026-01-01",
                                        "period_end": "2026-12-31"},
        "PoolJoined": {"peer_worker_id": WORKER, "organization_id": str(ORG), "display_name": sealed("Rowan"),
                       "region": "north", "languages": ["Spanish"], "specialties": ["youth"]},
        "PoolLeft": {"peer_worker_id": WORKER},
        "SubcontractAgreementMade": {"agreement_id": AGREEMENT, "buyer_id": OTHER, "provider_id": str(ORG),
                                     "hours_per_week": 20, "amount": "26000.00", "start": "2026-01-05",
                                     "end": "2026-12-31", "provider_duties": ["hiring"], "duties": []},
        "SubcontractAgreementAmended": {"agreement_id": AGREEMENT, "hours_per_week": 25, "amount": "30000.00",
                                        "duties": ["Facilitate a WRAP group"]},
        "SubcontractAgreementRenewed": {"agreement_id": AGREEMENT, "end": "2027-12-31", "amount": "52000.00"},
        "SubcontractAgreementEnded": {"agreement_id": AGREEMENT, "ended_on": "2026-09-30"},
        "PeerWorkerPlaced": {"agreement_id": AGREEMENT, "peer_worker_id": str(WORKER), "hours_per_week": 12,
                             "duties": [], "buyer_id": OTHER, "provider_id": str(ORG)},
        "PlacementEnded": {"agreement_id": AGREEMENT, "peer_worker_id": str(WORKER)},
        "SubcontractHoursDelivered": {"agreement_id": AGREEMENT, "week_start": "2026-01-05",
                                      "hours_delivered": 18, "hours_agreed": 20},
        "SupervisionAgreementProposed": {"agreement_id": AGREEMENT, **terms},
        "SupervisionAgreementAccepted": {"agreement_id": AGREEMENT, "organization_id": str(ORG)},
        "SupervisionAgreementActivated": {"agreement_id": AGREEMENT, **terms},
        "SupervisionAgreementDeclined": {"agreement_id": AGREEMENT, "organization_id": str(ORG)},
        "SupervisionAgreementEnded": {"agreement_id": AGREEMENT, "ended_on": "2026-09-30"},
        "PeerGroupListed": {"group_id": AGREEMENT, "host_organization_id": str(ORG), "kind": "wrap",
                            "name": "Tuesday WRAP", "region": "north", "facilitator_ids": [str(WORKER)],
                            "languages": ["English"], "schedule": {"freq": "WEEKLY", "byday": "TU"}},
        "PeerGroupRetired": {"group_id": AGREEMENT},
    }
    samples = {("directory", type_, 1): body for type_, body in bodies.items()}
    samples[("directory", "PeerWorkerRecorded", 2)] = {**bodies["PeerWorkerRecorded"], "peer_years_met_on": None}
    samples[("directory", "PeerRoleSinceSet", 2)] = {**bodies["PeerRoleSinceSet"], "peer_years_met_on": "2021-04-01"}
    samples[("directory", "SubcontractHoursDelivered", 2)] = bodies["SubcontractHoursDelivered"]  # on a Monday
    return {**samples, **access_sample("directory")}


def make(key, body):
    source, type_, version = key
    return build(source=source, position=7, type_=type_, version=version, occurred_at="2026-03-04T05:06:07+00:00",
                 actor=ACTOR, subject_id=str(WORKER), body=body)


def test_every_directory_contract_has_a_sample(vault):
    assert set(directory_samples(vault)) == {key for key in known_contracts() if key[0] == "directory"}


@pytest.mark.parametrize("key", [key for key in known_contracts() if key[0] == "directory"])
def test_every_directory_contract_round_trips_as_json(vault, key):
    built = make(key, directory_samples(vault)[key])
    wire = json.loads(json.dumps(built.as_message()))
    assert make(key, parse(wire).body) == built


def test_the_organization_registered_contract_still_takes_the_old_body(vault):
    old = {"organization_id": ORG, "name": "Harbor Peer Collective", "kind": "agency", "regions": ["north"]}
    built = make(("directory", "OrganizationRegistered", 1), old).body
    assert built["contact"] is None and "languages" not in built


def test_hours_of_version_1_upcast_to_the_monday_of_their_iso_week(vault):
    old = make(("directory", "SubcontractHoursDelivered", 1), {
        "agreement_id": AGREEMENT, "week_start": "2026-01-08", "hours_delivered": 18, "hours_agreed": 20})
    upcast = latest(parse(json.loads(json.dumps(old.as_message()))))
    assert (upcast.version, str(upcast.body["week_start"])) == (2, "2026-01-05")


@pytest.mark.parametrize("type_,field", [("PoolJoined", "display_name"), ("CredentialRecorded", "number")])
def test_personal_fields_cross_only_sealed(vault, type_, field):
    key = ("directory", type_, 1)
    with pytest.raises(ValidationError) as refused:
        make(key, {**directory_samples(vault)[key], field: "In Clear"})
    assert field in refused.value.messages


@pytest.mark.parametrize("change", [{"hours_per_week": -1}, {"start": "2026-13-01"}, {"amount": "-3"}])
def test_bad_values_never_leave(vault, change):
    key = ("directory", "SubcontractAgreementMade", 1)
    with pytest.raises(ValidationError):
        make(key, {**directory_samples(vault)[key], **change})


def test_every_stored_event_class_publishes():
    aggregates = (Organization, PeerWorker, SubcontractAgreement, SupervisionAgreement, PeerGroup)
    # The library's own base classes (Event, and Created, unused: every creation is named) are never stored.
    stored = {value for aggregate in aggregates for name, value in vars(aggregate).items()
              if isinstance(value, type) and issubclass(value, aggregate.Event) and name not in ("Event", "Created")}
    assert stored and stored <= set(DirectoryApplication.translations)
