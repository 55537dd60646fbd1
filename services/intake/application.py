"""Intake's Application: commands, queries, and what it publishes.

Peer workers' profiles and availability are here; their invitations in
invitation_commands; people, referrals, consent, support requests, the export
and forgetting in people_commands, and the clock-driven expiries in expiry.
"""
from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from services.intake.domain import PeerWorkerProfile, UnknownExperience
from services.intake.expiry import ExpiryCommands
from services.intake.invitation_commands import InvitationCommands
from services.intake.people import Person
from services.intake.people_commands import PeopleCommands
from services.intake.translations import TRANSLATIONS
from shared import languages
from shared.access import AccessLog
from shared.application import ServiceApplication
from shared.contracts import IntegrationEvent
from shared.contracts.commands import intake as schemas
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.identity import Caller
from shared.schemas import load


def check_may_change(peer_worker_id: UUID, organization_id: str, caller: Caller) -> None:
    """A peer worker changes only their own profile; an agency admin only their organization's."""
    if caller.role == "peer" and caller.user_id != str(peer_worker_id):
        raise NotAllowed("a peer worker may change only their own profile")
    if caller.role == "agency_admin" and caller.organization_id != organization_id:
        raise NotAllowed("an agency admin may change only their own organization's peer workers")


def check_sets_own_availability(peer_worker_id: UUID, caller: Caller) -> None:
    """Peers set their own availability: nobody else decides how many people they see."""
    if caller.role != "system" and not (caller.role == "peer" and caller.user_id == str(peer_worker_id)):
        raise NotAllowed("only the peer worker sets their own availability")


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


class IntakeApplication(AccessLog, InvitationCommands, PeopleCommands, ExpiryCommands, ServiceApplication):
    service = "intake"
    # Audit's break-glass accesses, and reads of a person's data through the other services, go in
    # that person's disclosure log.
    follows = ("audit", "matching", "directory", "supervision")
    translations = TRANSLATIONS
    saves_commands_together = True  # its commands read only aggregates

    def policy(self, event, processing):
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

    # -- peer workers' profiles ---------------------------------------------------------
    def record_peer_worker_profile(self, payload: dict, caller: Caller) -> UUID:
        command = load(schemas.RecordPeerWorkerProfile(), payload)
        experiences = {}
        for index, item in enumerate(command["experiences"]):
            if item["experience"] in experiences:
                raise InvalidInput({"experiences": {index: ["the same experience is listed twice"]}})
            experiences[item["experience"]] = item["visibility"]
        peer_worker_id = command["peer_worker_id"]
        check_may_change(peer_worker_id, command["organization_id"], caller)
        if self._exists(peer_worker_id):
            raise InvalidInput({"peer_worker_id": ["a profile with this id already exists"]})
        profile = PeerWorkerProfile(
            peer_worker_id=peer_worker_id,
            display_name=self.vault.seal(str(peer_worker_id), command["display_name"]),
            organization_id=command["organization_id"],
            experiences=experiences,
            actor=caller.as_actor(),
        )
        self.save(profile)
        return profile.id

    def share_experience(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.ShareExperience(), payload)
        profile = self._profile(command["peer_worker_id"])
        check_may_change(profile.id, profile.organization_id, caller)
        profile.share_experience(command["experience"], command["visibility"], caller.as_actor())
        self.save(profile)

    def withdraw_experience(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.WithdrawExperience(), payload)
        profile = self._profile(command["peer_worker_id"])
        check_may_change(profile.id, profile.organization_id, caller)
        try:
            profile.withdraw_experience(command["experience"], caller.as_actor())
        except UnknownExperience as error:
            raise InvalidInput({"experience": [str(error)]}) from None
        self.save(profile)

    def peer_worker_profile(self, peer_worker_id: UUID, caller: Caller | None = None) -> dict:
        """The profile as intake holds it: for the peer worker themself, or their organization's admin, who
        does not see the items kept private."""
        profile = self._profile(peer_worker_id)
        own = caller is None or caller.role == "system" or (
            caller.role == "peer" and caller.user_id == str(profile.id))
        if not own:
            if caller.role != "agency_admin" or caller.organization_id != profile.organization_id:
                raise NotAllowed("a peer worker's profile is for themselves and their organization's admin")
            self.record_access(caller, "peer_worker_profile", [(profile.id, "peer_worker", ["display_name"])])
        items = sorted((e, v) for e, v in profile.experiences.items() if own or v != "private")
        return {
            "peer_worker_id": str(profile.id),
            "display_name": self.vault.open(profile.display_name),
            "organization_id": profile.organization_id,
            "experiences": [{"experience": e, "visibility": v} for e, v in items],
            "availability": profile.availability and {**profile.availability,
                                                      "languages": languages.codes(profile.availability["languages"])},
            "paused": profile.paused,
        }

    # -- peer workers' availability: set by themselves, never assigned --------------------
    def set_availability(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.SetAvailability(), payload)
        profile = self._profile(command.pop("peer_worker_id"))
        check_sets_own_availability(profile.id, caller)
        profile.set_availability(command, caller.as_actor())
        self.save(profile)

    def pause_availability(self, payload: dict, caller: Caller) -> None:
        profile = self._own_profile(payload, caller)
        profile.pause(caller.as_actor())
        self.save(profile)

    def resume_availability(self, payload: dict, caller: Caller) -> None:
        profile = self._own_profile(payload, caller)
        profile.resume(caller.as_actor())
        self.save(profile)

    def _own_profile(self, payload: dict, caller: Caller) -> PeerWorkerProfile:
        command = load(schemas.PeerWorkerRef(), payload)
        profile = self._profile(command["peer_worker_id"])
        check_sets_own_availability(profile.id, caller)
        return profile

    def _profile(self, peer_worker_id: UUID) -> PeerWorkerProfile:
        try:
            profile = self.repository.get(peer_worker_id)
        except AggregateNotFoundError:
            profile = None
        if not isinstance(profile, PeerWorkerProfile):
            raise NotFound(f"no peer worker profile {peer_worker_id}")
        return profile

    def _exists(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self.repository
