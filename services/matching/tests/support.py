"""Builders for matching's unit tests: intake's and directory's events as matching receives them."""
from __future__ import annotations

import uuid

from shared import contracts
from shared.identity import Caller

SYSTEM = Caller.system("matching")  # the service itself: timers, tools, tests reading what anyone may
ACTOR = {"user_id": "service:intake", "role": "system", "organization_id": None, "correlation_id": "corr-1"}


class World:
    """Upstream events at rising positions, applied to matching as set up (services.matching.setup)."""

    def __init__(self, matching, vault):
        self.matching, self.vault = matching, vault
        self.positions = {"intake": 0, "directory": 0}
        self.held: list | None = None  # while holding: events kept to be applied as one batch

    def send(self, type_, body, source="intake"):
        self.positions[source] += 1
        built = contracts.build(source=source, position=self.positions[source], type_=type_,
                                occurred_at="2026-11-01T10:00:00+00:00", actor=ACTOR, subject_id="x", body=body)
        event = contracts.parse(built.as_message())
        if self.held is not None:
            self.held.append(event)
        else:
            assert self.matching.process_upstream(event) is True

    def hold(self) -> None:
        self.held = []

    def apply_held(self) -> int:
        """The held events as one batch, as the bus consumer applies what arrived together."""
        held, self.held = self.held, None
        return self.matching.process_upstream_batch(held)

    def peer(self, items=(), capacity=1, languages=("English",), modalities=("phone",), regions=("Hampden County",),
             remote=False, organization_id="org-harbor", name="Peer Example") -> str:
        peer_id = str(uuid.uuid4())
        self.send("PeerWorkerProfiled", {"peer_worker_id": peer_id, "organization_id": organization_id,
                                         "display_name": self.vault.seal(peer_id, name),
                                         "shared_for_matching": list(items), "shared_with_network": []})
        self.availability(peer_id, capacity=capacity, languages=languages, modalities=modalities,
                          regions=regions, remote=remote)
        return peer_id

    def availability(self, peer_id, capacity=1, languages=("English",), modalities=("phone",),
                     regions=("Hampden County",), remote=False, paused=False):
        self.send("PeerWorkerAvailabilityChanged", {
            "peer_worker_id": peer_id, "capacity": capacity, "times": [], "modalities": list(modalities),
            "languages": list(languages), "regions": list(regions), "remote": remote, "paused": paused})

    def view(self, person_id, items=(), region="Hampden County", languages=("English",), modalities=("phone",),
             agencies=()):
        seal = lambda value: self.vault.seal(person_id, value)  # noqa: E731
        return {"display_name": seal("Sam Sample"), "region": seal(region), "languages": [seal(x) for x in languages],
                "modalities": list(modalities), "agencies": [seal(a) for a in agencies],
                "shared_for_matching": [seal(i) for i in items], "consent_expires_at": None}

    def person(self, items=(), request=True, **view) -> str:
        person_id = str(uuid.uuid4())
        self.send("PersonEnrolled", {"person_id": person_id, "referred": False,
                                     "matching": self.view(person_id, items, **view)})
        if request:
            self.request(person_id)
        return person_id

    def request(self, person_id) -> str:
        request_id = str(uuid.uuid4())
        self.send("SupportRequested", {"person_id": person_id, "request_id": request_id,
                                       "expires_at": "2027-01-01T00:00:00+00:00"})
        return request_id

    def offered(self, person_id) -> list[str]:
        return [o["peer_worker_id"] for o in self.matching.perform("my_offers", SYSTEM, person_id)["offers"]]


def person_caller(person_id) -> Caller:
    return Caller(user_id=str(person_id), role="person")


def peer_caller(peer_id) -> Caller:
    return Caller(user_id=str(peer_id), role="peer", organization_id="org-harbor")
