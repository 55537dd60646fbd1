"""Intake's aggregates: plain Python, no broker, no nameko.

A peer worker's profile holds what they chose to share about their lived
experience, item by item, each with its own visibility. Their display name is
kept only sealed with their own key (see shared.crypto).
"""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.experiences import EXPERIENCE_LABELS, VISIBILITIES


class PeerWorkerProfile(Aggregate):
    @event("Recorded")
    def __init__(self, peer_worker_id: UUID, display_name: str, organization_id: str,
                 experiences: dict, actor: dict):
        """`display_name` is a sealed token; `experiences` maps item -> visibility."""
        self.display_name = display_name
        self.organization_id = organization_id
        self.experiences = dict(experiences)
        self.availability: dict | None = None
        self.paused = False
        # how people connected with them reach them: None is their organization's published contact
        self.work_contact: dict | None = None

    @staticmethod
    def create_id(peer_worker_id: UUID, **_) -> UUID:
        return peer_worker_id

    def share_experience(self, experience: str, visibility: str, actor: dict) -> None:
        check_item(experience, visibility)
        if self.experiences.get(experience) == visibility:
            return  # nothing changes, nothing to record
        self._share(experience, visibility, self.experiences.get(experience), actor)

    @event("ExperienceShared")
    def _share(self, experience: str, visibility: str, previous_visibility: str | None, actor: dict):
        # previous_visibility lets the outbox tell consumers to forget an item
        # that was shared and has become private, without revealing new ones.
        self.experiences[experience] = visibility

    def withdraw_experience(self, experience: str, actor: dict) -> None:
        if experience not in self.experiences:
            raise UnknownExperience(experience)
        self._withdraw(experience, self.experiences[experience], actor)

    @event("ExperienceWithdrawn")
    def _withdraw(self, experience: str, previous_visibility: str, actor: dict):
        del self.experiences[experience]

    # -- availability: peers set their own; nobody is assigned to them ---------------
    def set_availability(self, availability: dict, actor: dict) -> None:
        if availability == self.availability:
            return
        self._set_availability(availability, self.paused, actor)

    @event("AvailabilitySet")
    def _set_availability(self, availability: dict, paused: bool, actor: dict):
        # `paused` travels along so the published snapshot is complete on its own.
        self.availability = dict(availability)

    def pause(self, actor: dict) -> None:
        if not self.paused:
            self._pause(actor)

    @event("Paused")
    def _pause(self, actor: dict):
        self.paused = True

    def resume(self, actor: dict) -> None:
        if self.paused:
            self._resume(actor)

    @event("Resumed")
    def _resume(self, actor: dict):
        self.paused = False

    # -- work contact: what people connected with them see -----------------------------------------
    def set_work_contact(self, contact: dict | None, actor: dict) -> None:
        """`contact`: {"phone", "email"} sealed under the peer worker's key, or None for the organization's."""
        if contact != self.work_contact:
            self._set_work_contact(contact, actor)

    @event("WorkContactSet")
    def _set_work_contact(self, contact: dict | None, actor: dict):
        self.work_contact = dict(contact) if contact else None

    def shared_with(self, visibility: str) -> list[str]:
        return sorted(item for item, seen_by in self.experiences.items() if seen_by == visibility)


class UnknownExperience(Exception):
    def __init__(self, experience: str):
        super().__init__(f"no experience item {experience!r} is shared")
        self.experience = experience


def check_item(experience: str, visibility: str) -> None:
    if experience not in EXPERIENCE_LABELS:
        raise ValueError(f"unknown experience {experience!r}")
    if visibility not in VISIBILITIES:
        raise ValueError(f"unknown visibility {visibility!r}")
