"""Supervision's Application, the store its handlers are given: follows directory's
workforce, credentials, pool and supervision agreements (and matching's connections),
keeps its own log replayed in memory (projections.py) and saves what a unit of work changed.

Every change to the facts (an upstream event) is followed by a review of every
open supervision: one that no longer holds ends at once, its peer worker is
flagged as needing a supervisor and offered another in the same save. Commands
that change the facts review too (commands.py), through the same methods.
"""
from __future__ import annotations

from datetime import date
from uuid import UUID

from services.supervision import finding
from services.supervision.domain import Agreement, Assignment, Organization, Worker
from services.supervision.projections import Work
from services.supervision.rules import problems, today
from services.supervision.settings import Settings
from services.supervision.translations import TRANSLATIONS
from shared import config
from shared.access import AccessLog
from shared.application import ServiceApplication
from shared.clock import Clock
from shared.contracts import latest
from shared.identity import Caller
from shared.views import ReplayedAggregates


def plain(value):
    """Parsed bodies hold dates and UUIDs; aggregates keep ISO strings."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


class SupervisionApplication(AccessLog, ServiceApplication):
    service = "supervision"
    follows = config.FOLLOWS[service]
    translations = TRANSLATIONS

    def __init__(self, vault, env: dict | None, settings: Settings, clock: Clock):
        super().__init__(vault, env)
        self.settings, self.clock = settings, clock
        self.replayed = ReplayedAggregates(self.recorder, self.mapper)

    def work(self) -> Work:
        return Work(self.repository, self.replayed)

    def commit(self, work: Work) -> None:
        """Save every aggregate the unit of work changed, together."""
        changed = work.changed()
        if changed:
            self.save(*changed)

    def today(self) -> str:
        return today(self.clock)

    # -- upstream events: directory and matching ----------------------------------
    def reads_committed_projection(self, event) -> bool:
        # Every handler reads the replayed projection, which holds commits only.
        return (event.source, event.type) in UPSTREAM

    def ignores(self, source, type_) -> bool:
        # What no handler reads, the consumer only counts (shared.consumer): most of matching's events.
        return (source, type_) not in UPSTREAM

    def policy(self, event, processing):
        handler = UPSTREAM.get((event.source, event.type))
        if handler is None:
            return
        work = self.work()
        actor = Caller.system(self.service, event.actor["correlation_id"]).as_actor()
        handler(self, work, plain(latest(event).body), actor)
        self.review(work, self.today(), actor)
        processing.collect_events(*work.changed())

    def worker(self, work: Work, worker_id: str, actor: dict, peer_role_since: str | None = None,
               peer_years_met_on: str | None = None) -> Worker:
        return work.change(worker_id, Worker) or work.add(
            Worker(worker_id=UUID(worker_id), peer_role_since=peer_role_since, actor=actor,
                   peer_years_met_on=peer_years_met_on))

    def _recorded(self, work, body, actor):
        since, met_on = body["peer_role_since"], body["peer_years_met_on"]
        worker = self.worker(work, body["peer_worker_id"], actor, since, met_on)
        if since and (worker.peer_role_since, worker.peer_years_met_on) != (since, met_on):
            worker.set_peer_role_since(since, actor, met_on)

    def _role_since(self, work, body, actor):
        self.worker(work, body["peer_worker_id"], actor).set_peer_role_since(
            body["peer_role_since"], actor, body["peer_years_met_on"])

    def _employed(self, work, body, actor):
        self.worker(work, body["peer_worker_id"], actor).begin_employment(
            body["employment_id"], body["organization_id"], body["hours_per_week"], body["start"], actor)

    def _left(self, work, body, actor):
        self.worker(work, body["peer_worker_id"], actor).end_employment(body["employment_id"], body["left_on"], actor)

    def _credential(self, work, body, actor):
        self.worker(work, body["peer_worker_id"], actor).record_credential(
            body["credential_id"], body["kind"], body["issued"], body["expires"], actor)

    def _expired(self, work, body, actor):
        self.worker(work, body["peer_worker_id"], actor).expire_credential(body["credential_id"], actor)

    def _joined_pool(self, work, body, actor):
        self.worker(work, body["peer_worker_id"], actor).join_pool(
            body["organization_id"], body["region"], body["languages"], body["specialties"], actor)

    def _left_pool(self, work, body, actor):
        worker = work.change(body["peer_worker_id"], Worker)
        if worker is not None and worker.pool is not None:
            worker.leave_pool(actor)

    def _connected(self, work, body, actor):
        """A peer worker connected, through matching, to someone who is also a worker here.

        Connections of people who are not workers are not kept: supervision
        holds nothing about people receiving support.
        """
        person = work.read(body["person_id"], Worker)
        if person is None:
            return
        supporter = self.worker(work, body["peer_worker_id"], actor)
        for one, other in ((supporter, body["person_id"]), (work.change(person.id, Worker), body["peer_worker_id"])):
            one.note_connection(body["connection_id"], other, True, actor)

    def _disconnected(self, work, body, actor):
        for seen in work.all(Worker):
            noted = seen.connections.get(body["connection_id"])
            if noted is not None and noted["active"]:
                work.change(seen.id, Worker).note_connection(body["connection_id"], noted["other_id"], False, actor)

    def _organization(self, work, body, actor):
        organization = work.change(body["organization_id"], Organization)
        if organization is None:
            work.add(Organization(organization_id=UUID(body["organization_id"]), kind=body.get("kind", "agency"),
                                  regions=body.get("regions", []), actor=actor))
        else:
            organization.change(body.get("regions", organization.regions), False, actor)

    def _organization_closed(self, work, body, actor):
        organization = work.change(body["organization_id"], Organization)
        if organization is not None:
            organization.change(organization.regions, True, actor)

    def offer_under(self, work: Work, agreement: Agreement, actor: dict) -> None:
        """An agreement both organizations accepted: offer its peer workers who have no supervisor."""
        for peer_worker_id in agreement.terms["peer_worker_ids"]:
            supervisee = work.read(peer_worker_id, Worker)
            if supervisee is not None:
                self.offer_best(work, supervisee, "professional_development", self.today(), actor)

    # -- keeping every supervision valid ------------------------------------------
    def review(self, work: Work, as_of: str, actor: dict) -> None:
        for assignment in sorted(work.all(Assignment), key=lambda a: str(a.id)):
            if not assignment.open:
                continue
            reason = self.broken(work, assignment, as_of)
            if reason is None:
                continue
            work.change(assignment.id, Assignment).end(reason, as_of, actor)
            if reason != "peer_worker_left":
                # Only an ended agreement leaves the same supervisor worth offering again (under a new one).
                kept = reason == "agreement_ended"
                self.flag_and_offer(work, assignment.peer_worker_id, assignment.kind, reason, as_of, actor,
                                    exclude=() if kept else {assignment.supervisor_id})

    def broken(self, work: Work, assignment: Assignment, as_of: str) -> str | None:
        """Why an open supervision no longer holds, or None."""
        supervisee = work.read(assignment.peer_worker_id, Worker)
        supervisor = work.read(assignment.supervisor_id, Worker)
        if supervisee is None or not supervisee.organizations(as_of):
            return "peer_worker_left"
        if supervisor is None or not supervisor.organizations(as_of):
            return "supervisor_left"
        if problems(supervisor, supervisee, assignment.kind, self.settings, as_of):
            return "supervisor_ineligible"
        if assignment.route == "same_organization":
            shared = supervisor.organizations(as_of) & supervisee.organizations(as_of)
            return None if shared else "supervisor_left"
        agreement = work.read(assignment.agreement_id, Agreement) if assignment.agreement_id else None
        if agreement is None or agreement.status != "active" or as_of > agreement.terms["end"]:
            return "agreement_ended"
        return None if agreement.covers(supervisor, supervisee, as_of) else "supervisor_left"

    def flag_and_offer(self, work: Work, peer_worker_id: str, kind: str, reason: str, as_of: str, actor: dict,
                       exclude=()) -> Assignment | None:
        """Flag at once, saying what comes next: an offer, an agreement to make first, or nobody found."""
        supervisee = work.change(peer_worker_id, Worker)
        found = finding.options(work, self.settings, supervisee, kind, as_of, exclude=exclude)
        reachable = [option for option in found if option["route"] != "pool"]
        next_step = "offered" if reachable else "agreement_needed" if found else "none_available"
        supervisee.flag_needed(kind, reason, next_step, actor)
        return self.offer(work, supervisee, kind, reachable[0], as_of, actor) if reachable else None

    def offer_best(self, work: Work, supervisee: Worker, kind: str, as_of: str, actor: dict) -> Assignment | None:
        """Offer the best supervisor reachable now (same organization or an agreement), if none is open.

        Pool candidates need an agreement first, so they are listed by
        find_supervisor, not offered here.
        """
        if finding.has_open(work, str(supervisee.id), kind):
            return None
        for option in finding.options(work, self.settings, supervisee, kind, as_of):
            if option["route"] != "pool":
                return self.offer(work, supervisee, kind, option, as_of, actor)
        return None

    @staticmethod
    def offer(work: Work, supervisee: Worker, kind: str, option: dict, as_of: str, actor: dict) -> Assignment:
        return work.add(Assignment(
            supervisor_id=option["supervisor_id"], peer_worker_id=str(supervisee.id), kind=kind,
            route=option["route"], agreement_id=option["agreement_id"], reasons=option["reasons"],
            offered_on=as_of, actor=actor))


def agreement_handler(status: str):
    """Directory's supervision agreement events: kept with their terms; activation offers supervisors."""

    def handle(app: SupervisionApplication, work: Work, body: dict, actor: dict) -> None:
        agreement = work.change(body["agreement_id"], Agreement)
        terms = {key: value for key, value in body.items() if key not in ("agreement_id", "organization_id")}
        if agreement is None:
            agreement = work.add(Agreement(agreement_id=UUID(body["agreement_id"]), terms=terms,
                                           status=status, actor=actor))
        else:
            agreement.change({**agreement.terms, **terms}, status, actor)
        if status == "active":
            app.offer_under(work, agreement, actor)

    return handle


UPSTREAM = {
    ("directory", "PeerWorkerRecorded"): SupervisionApplication._recorded,
    ("directory", "PeerRoleSinceSet"): SupervisionApplication._role_since,
    ("directory", "EmploymentBegan"): SupervisionApplication._employed,
    ("directory", "EmploymentEnded"): SupervisionApplication._left,
    ("directory", "CredentialRecorded"): SupervisionApplication._credential,
    ("directory", "CredentialExpired"): SupervisionApplication._expired,
    ("directory", "PoolJoined"): SupervisionApplication._joined_pool,
    ("directory", "PoolLeft"): SupervisionApplication._left_pool,
    ("directory", "OrganizationRegistered"): SupervisionApplication._organization,
    ("directory", "OrganizationUpdated"): SupervisionApplication._organization,
    ("directory", "OrganizationClosed"): SupervisionApplication._organization_closed,
    ("directory", "SupervisionAgreementProposed"): agreement_handler("proposed"),
    ("directory", "SupervisionAgreementActivated"): agreement_handler("active"),
    ("directory", "SupervisionAgreementDeclined"): agreement_handler("declined"),
    ("directory", "SupervisionAgreementEnded"): agreement_handler("ended"),
    ("matching", "ConnectionBegan"): SupervisionApplication._connected,
    ("matching", "ConnectionEnded"): SupervisionApplication._disconnected,
}
