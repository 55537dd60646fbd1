"""Intake's Application, the store its handlers are given: the aggregates and saving, what
upstream events do here (its policy: lines of a person's disclosure log; matching's connections,
whose sides may read each other's contact while they last), and the outbox.
"""
from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from services.intake.connections import Connection
from services.intake.domain import PeerWorkerProfile
from services.intake.people import Person
from services.intake.translations import TRANSLATIONS
from shared import config
from shared.access import AccessLog
from shared.application import ServiceApplication
from shared.contracts import IntegrationEvent
from shared.errors import NotFound
from shared.identity import Caller

STATE_AUDIT = "state_audit"  # the audience of a break-glass line in a person's disclosure log
ACCESS_LOG = "access_log"  # the audience of a line for a read of the person's data through another service


def break_glass_line(event: IntegrationEvent) -> tuple[dict, list]:
    """(to, fields) of the disclosure line for audit's break-glass event: who, why, and what they read."""
    body = event.body
    to = {"user_id": event.actor.get("user_id"), "role": event.actor.get("role"),
          "organization_id": event.actor.get("organization_id"), "reference": body["reference"]}
    if event.type == "BreakGlassOpened":
        return {**to, "access": "opened", "reason": body["reason"], "until": body["expires_at"]}, []
    return {**to, "access": "read"}, list(body["fields_read"])


def access_line(event: IntegrationEvent) -> tuple[dict, list]:
    """(to, fields) of the disclosure line for another service's AccessRecorded: who read what, through which call."""
    to = {"user_id": event.actor.get("user_id"), "role": event.actor.get("role"),
          "organization_id": event.actor.get("organization_id"), "access": "read",
          "via": f"{event.source}.{event.body['via']}"}
    return to, list(event.body["fields_read"])


class IntakeApplication(AccessLog, ServiceApplication):
    service = "intake"
    follows = config.FOLLOWS[service]
    translations = TRANSLATIONS
    saves_commands_together = True  # its commands read only aggregates
    # The events the policy reads beside every AccessRecorded: the rest it ignores, and the consumer
    # does not check their contracts (shared.consumer): most of matching's, directory's and supervision's.
    READS = frozenset({("matching", "ConnectionBegan"), ("matching", "ConnectionEnded"),
                       ("audit", "BreakGlassOpened"), ("audit", "PersonalDataRead")})

    def ignores(self, source, type_) -> bool:
        return type_ != "AccessRecorded" and (source, type_) not in self.READS

    def policy(self, event, processing):
        if self.ignores(event.source, event.type):
            return
        if event.source == "matching" and event.type in ("ConnectionBegan", "ConnectionEnded"):
            self._follow_connection(event, processing)
            return
        if event.source == "audit" and event.type in ("BreakGlassOpened", "PersonalDataRead"):
            person_id, (to, fields), audience = event.body["person_id"], break_glass_line(event), STATE_AUDIT
        elif event.type == "AccessRecorded" and event.body["subject_kind"] == "person":
            person_id, (to, fields), audience = event.body["subject_id"], access_line(event), ACCESS_LOG
        else:
            return
        try:
            person = self.repository.get(person_id)
        except AggregateNotFoundError:
            return  # someone intake does not know as a person (a peer worker): no person's log to tell
        if not isinstance(person, Person):
            return
        person.record_disclosure(to, audience, fields,
                                 Caller.system(self.service, event.actor.get("correlation_id")).as_actor())
        processing.collect_events(person)

    def _follow_connection(self, event, processing):
        connection_id = event.body["connection_id"]
        actor = Caller.system(self.service, event.actor.get("correlation_id")).as_actor()
        if event.type == "ConnectionBegan":
            if connection_id not in self.repository:
                processing.collect_events(Connection(
                    connection_id=connection_id, person_id=str(event.body["person_id"]),
                    peer_worker_id=str(event.body["peer_worker_id"]), actor=actor))
            return
        try:
            connection = self.repository.get(connection_id)
        except AggregateNotFoundError:
            return  # ended before intake followed connections: there is no contact to close
        connection.end(actor)
        processing.collect_events(connection)

    # -- the aggregates, by id ------------------------------------------------------------
    def held(self, aggregate_id: UUID, kind: type, missing: str):
        """The aggregate of this kind, or NotFound saying `missing`."""
        try:
            found = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            found = None
        if not isinstance(found, kind):
            raise NotFound(missing)
        return found

    def opened(self, aggregate_id: UUID, kind: type, secret: str | None, missing: str):
        """An invitation, for whoever holds its secret; for anyone else, exactly as if there were none."""
        try:
            invitation = self.held(aggregate_id, kind, missing)
        except NotFound:
            invitation = None
        if invitation is None or not invitation.opens_with(secret):
            raise NotFound(missing)
        return invitation

    def profile(self, peer_worker_id: UUID) -> PeerWorkerProfile:
        return self.held(peer_worker_id, PeerWorkerProfile, f"no peer worker profile {peer_worker_id}")

    def person(self, person_id: UUID) -> Person:
        return self.held(person_id, Person, f"no person {person_id}")

    def exists(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self.repository
