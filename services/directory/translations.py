"""How each stored directory event is published: its integration event type and body."""
from __future__ import annotations

from services.directory.domain import Organization, PeerGroup, PeerWorker, SubcontractAgreement, SupervisionAgreement
from shared import access


def fields_of(*names: str, id_as: str):
    """A translation publishing some of the event's attributes, with the aggregate id as `id_as`."""
    def body(event) -> dict:
        result = {id_as: event.originator_id}
        result.update({name: getattr(event, name) for name in names})
        return result

    return body


def named(type_: str, translate):
    return lambda event: (type_, translate(event))


ORGANIZATION = "organization_id"
WORKER = "peer_worker_id"
AGREEMENT = "agreement_id"


def _with_languages(body: dict, event) -> dict:
    # Events stored before organizations named their languages publish as they were published.
    languages = getattr(event, "languages", None)
    return body if languages is None else {**body, "languages": languages}


def _registered(event):
    # Events stored before issue 4 have no contact.
    return "OrganizationRegistered", _with_languages({
        "organization_id": event.originator_id, "name": event.name, "kind": event.kind, "regions": event.regions,
        "contact": getattr(event, "contact", None)}, event)


def _updated(event):
    return "OrganizationUpdated", _with_languages({
        "organization_id": event.originator_id, "name": event.name, "regions": event.regions,
        "contact": event.contact}, event)


def _hours_delivered(event):
    """Version 2 (week_start a Monday); a report stored before ISO weeks publishes version 1 as it was
    published, with the day reported (audit's digests cover it), and upcasts to its Monday (contracts)."""
    body = {AGREEMENT: event.originator_id, "hours_delivered": event.hours, "hours_agreed": event.hours_agreed}
    reported = getattr(event, "reported_week_start", None)
    if reported is not None:
        return "SubcontractHoursDelivered", {**body, "week_start": reported}
    return "SubcontractHoursDelivered", {**body, "week_start": event.week_start}, 2


def _peer_role(type_: str):
    """Version 2 with the day directory decided the years are met; a start stored before keeps version 1."""
    def translate(event):
        body = {WORKER: event.originator_id, "peer_role_since": event.peer_role_since}
        met_on = getattr(event, "peer_years_met_on", None)
        return (type_, body) if met_on is None else (type_, {**body, "peer_years_met_on": met_on}, 2)
    return translate


def _activated(event):
    return "SupervisionAgreementActivated", {"agreement_id": event.originator_id, **event.terms}


TRANSLATIONS = {
    Organization.Registered: _registered,
    Organization.Updated: _updated,
    Organization.Closed: named("OrganizationClosed", fields_of(id_as=ORGANIZATION)),
    PeerWorker.Recorded: _peer_role("PeerWorkerRecorded"),
    PeerWorker.PeerRoleSinceSet: _peer_role("PeerRoleSinceSet"),
    PeerWorker.EmploymentBegan: named("EmploymentBegan", fields_of(
        "employment_id", "organization_id", "role_title", "hours_per_week", "start", "end", "certify_by",
        id_as=WORKER)),
    PeerWorker.EmploymentEnded: named("EmploymentEnded", fields_of(
        "employment_id", "organization_id", "left_on", id_as=WORKER)),
    PeerWorker.CredentialRecorded: named("CredentialRecorded", fields_of(
        "credential_id", "kind", "state", "number", "issued", "expires", id_as=WORKER)),
    PeerWorker.CredentialExpired: named("CredentialExpired", fields_of(
        "credential_id", "kind", "expired_on", "blocks_offers", id_as=WORKER)),
    PeerWorker.ContinuingEducationRecorded: named("ContinuingEducationRecorded", fields_of(
        "hours", "period_start", "period_end", id_as=WORKER)),
    PeerWorker.PoolJoined: named("PoolJoined", fields_of(
        "organization_id", "display_name", "region", "languages", "specialties", id_as=WORKER)),
    PeerWorker.PoolLeft: named("PoolLeft", fields_of(id_as=WORKER)),
    SubcontractAgreement.Made: named("SubcontractAgreementMade", fields_of(
        "buyer_id", "provider_id", "hours_per_week", "amount", "start", "end", "provider_duties", "duties",
        id_as=AGREEMENT)),
    SubcontractAgreement.Amended: named("SubcontractAgreementAmended", fields_of(
        "hours_per_week", "amount", "duties", id_as=AGREEMENT)),
    SubcontractAgreement.Renewed: named("SubcontractAgreementRenewed", fields_of("end", "amount", id_as=AGREEMENT)),
    SubcontractAgreement.Ended: named("SubcontractAgreementEnded", fields_of("ended_on", id_as=AGREEMENT)),
    SubcontractAgreement.WorkerPlaced: named("PeerWorkerPlaced", fields_of(
        "peer_worker_id", "hours_per_week", "duties", "buyer_id", "provider_id", id_as=AGREEMENT)),
    SubcontractAgreement.PlacementEnded: named("PlacementEnded", fields_of("peer_worker_id", id_as=AGREEMENT)),
    SubcontractAgreement.HoursDelivered: _hours_delivered,
    SupervisionAgreement.Proposed: named("SupervisionAgreementProposed", fields_of(
        "supervised_organization_id", "supervising_organization_id", "peer_worker_ids", "hours_per_month",
        "start", "end", "cost", "supervisor_id", id_as=AGREEMENT)),
    SupervisionAgreement.Accepted: named("SupervisionAgreementAccepted", fields_of(
        "organization_id", id_as=AGREEMENT)),
    SupervisionAgreement.Activated: _activated,
    SupervisionAgreement.Declined: named("SupervisionAgreementDeclined", fields_of(
        "organization_id", id_as=AGREEMENT)),
    SupervisionAgreement.Ended: named("SupervisionAgreementEnded", fields_of("ended_on", id_as=AGREEMENT)),
    PeerGroup.Listed: named("PeerGroupListed", fields_of(
        "host_organization_id", "kind", "name", "region", "facilitator_ids", "languages", "schedule",
        id_as="group_id")),
    PeerGroup.Retired: named("PeerGroupRetired", fields_of(id_as="group_id")),
    **access.TRANSLATIONS,
}
