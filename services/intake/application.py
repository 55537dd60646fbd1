"""Intake's Application: commands, queries, and what it publishes."""
from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from services.intake import schemas
from services.intake.domain import PeerWorkerProfile, UnknownExperience
from shared.application import ServiceApplication
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.identity import Caller
from shared.schemas import load


def _profiled(event: PeerWorkerProfile.Recorded):
    return "PeerWorkerProfiled", {
        "peer_worker_id": event.originator_id,
        "organization_id": event.organization_id,
        "display_name": event.display_name,
        "shared_for_matching": sorted(i for i, v in event.experiences.items() if v == "matching"),
        "shared_with_network": sorted(i for i, v in event.experiences.items() if v == "network"),
    }


def _shared(event: PeerWorkerProfile.ExperienceShared):
    if event.visibility != "private":
        return "PeerWorkerExperienceShared", {
            "peer_worker_id": event.originator_id,
            "experience": event.experience,
            "visibility": event.visibility,
        }
    if event.previous_visibility in ("matching", "network"):
        # Already known to consumers: they must stop using it.
        return "PeerWorkerExperienceWithdrawn", {
            "peer_worker_id": event.originator_id, "experience": event.experience,
        }
    return "PeerWorkerPrivateExperienceKept", {"peer_worker_id": event.originator_id}


def _withdrawn(event: PeerWorkerProfile.ExperienceWithdrawn):
    if event.previous_visibility == "private":
        return "PeerWorkerPrivateExperienceKept", {"peer_worker_id": event.originator_id}
    return "PeerWorkerExperienceWithdrawn", {
        "peer_worker_id": event.originator_id, "experience": event.experience,
    }


def check_may_change(peer_worker_id: UUID, organization_id: str, caller: Caller) -> None:
    """A peer worker changes only their own profile; an agency admin only their organization's."""
    if caller.role == "peer" and caller.user_id != str(peer_worker_id):
        raise NotAllowed("a peer worker may change only their own profile")
    if caller.role == "agency_admin" and caller.organization_id != organization_id:
        raise NotAllowed("an agency admin may change only their own organization's peer workers")


class IntakeApplication(ServiceApplication):
    service = "intake"
    translations = {
        PeerWorkerProfile.Recorded: _profiled,
        PeerWorkerProfile.ExperienceShared: _shared,
        PeerWorkerProfile.ExperienceWithdrawn: _withdrawn,
    }

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

    def peer_worker_profile(self, peer_worker_id: UUID) -> dict:
        profile = self._profile(peer_worker_id)
        return {
            "peer_worker_id": str(profile.id),
            "display_name": self.vault.open(profile.display_name),
            "organization_id": profile.organization_id,
            "experiences": [{"experience": e, "visibility": v} for e, v in sorted(profile.experiences.items())],
        }

    def _profile(self, peer_worker_id: UUID) -> PeerWorkerProfile:
        try:
            return self.repository.get(peer_worker_id)
        except AggregateNotFoundError:
            raise NotFound(f"no peer worker profile {peer_worker_id}") from None

    def _exists(self, peer_worker_id: UUID) -> bool:
        return peer_worker_id in self.repository
