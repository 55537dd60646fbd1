"""Matching's aggregates: plain Python, no broker, no nameko.

- Candidate: a peer worker who may be offered (intake's view of them): items
  shared for matching, availability, paused. Every change records the intake
  position it came from, so the projection can be checked event by event.
- Workforce: what directory says of the same peer worker: organizations they
  work for and credentials whose expiry the state said blocks offers.
- Seeker: a person looking for a peer: sealed matching view, open request,
  offers, their one open choice, waitlist, peers they liked.
- Places: the holds on one peer worker's places (a pending choice or a
  connection). It refuses a hold beyond the peer's capacity, and is saved with
  optimistic concurrency, so two people can never take the same last place.
- Connection: active until either side ends it. No reason is asked or kept.
- Block: a person and a peer worker never offered to each other again; only
  the pair of ids is kept (who asked is in the event's actor, as for every event).

Candidate, Workforce and Seeker each decide, in `follow`, what an upstream
event (intake's or directory's) means for them; the application only routes
the event to the aggregate and saves it.
"""
from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


class Candidate(Aggregate):
    # intake's events about a peer worker
    FOLLOWS = ("PeerWorkerProfiled", "PeerWorkerExperienceShared", "PeerWorkerExperienceWithdrawn",
               "PeerWorkerPrivateExperienceKept", "PeerWorkerAvailabilityChanged", "PeerWorkerPaused",
               "PeerWorkerResumed")

    @classmethod
    def listed(cls, event, actor: dict) -> "Candidate":
        body = event.body
        return cls(peer_worker_id=body["peer_worker_id"], organization_id=body["organization_id"],
                   display_name=body["display_name"], shared_for_matching=body["shared_for_matching"],
                   upstream_position=event.position, actor=actor)

    def follow(self, event, actor: dict) -> None:
        """Only items shared for matching count: any other visibility takes the item out."""
        body, position = event.body, event.position
        shares = event.type == "PeerWorkerExperienceShared" and body["visibility"] == "matching"
        stops = event.type == "PeerWorkerExperienceWithdrawn" or (
            event.type == "PeerWorkerExperienceShared" and body["visibility"] != "matching")
        if shares and body["experience"] not in self.shared_for_matching:
            self.add_item(body["experience"], position, actor)
        elif stops and body["experience"] in self.shared_for_matching:
            self.remove_item(body["experience"], position, actor)
        elif event.type == "PeerWorkerAvailabilityChanged":
            self.change_availability({k: v for k, v in body.items() if k != "peer_worker_id"}, position, actor)
        elif event.type == "PeerWorkerPaused":
            self.pause(position, actor)
        elif event.type == "PeerWorkerResumed":
            self.resume(position, actor)
        else:
            self.touch(position, actor)

    @event("Listed")
    def __init__(self, peer_worker_id: UUID, organization_id: str, display_name: str,
                 shared_for_matching: list, upstream_position: int, actor: dict):
        self.organization_id = organization_id
        self.display_name = display_name  # sealed token, opened only to show an offer
        self.shared_for_matching = sorted(shared_for_matching)
        self.upstream_position = upstream_position
        self.availability: dict | None = None
        self.paused = False

    @staticmethod
    def create_id(peer_worker_id: UUID, **_) -> UUID:
        return peer_worker_id

    @event("ItemAdded")
    def add_item(self, experience: str, upstream_position: int, actor: dict):
        self.shared_for_matching = sorted(set(self.shared_for_matching) | {experience})
        self.upstream_position = upstream_position

    @event("ItemRemoved")
    def remove_item(self, experience: str, upstream_position: int, actor: dict):
        self.shared_for_matching = [e for e in self.shared_for_matching if e != experience]
        self.upstream_position = upstream_position

    @event("Touched")
    def touch(self, upstream_position: int, actor: dict):
        """An upstream change that alters nothing matching uses (kept for exactly-once checks)."""
        self.upstream_position = upstream_position

    @event("AvailabilityChanged")
    def change_availability(self, availability: dict, upstream_position: int, actor: dict):
        self.availability = availability
        self.paused = availability["paused"]
        self.upstream_position = upstream_position

    @event("Paused")
    def pause(self, upstream_position: int, actor: dict):
        self.paused = True
        self.upstream_position = upstream_position

    @event("Resumed")
    def resume(self, upstream_position: int, actor: dict):
        self.paused = False
        self.upstream_position = upstream_position


def derived_id(kind: str, subject: UUID | str) -> UUID:
    return uuid5(NAMESPACE_URL, f"peernet:matching:{kind}:{subject}")


class Workforce(Aggregate):
    @event("Opened")
    def __init__(self, peer_worker_id: UUID, actor: dict):
        self.peer_worker_id = peer_worker_id
        self.employments: dict[str, str] = {}  # employment id -> organization id
        self.blocking: dict[str, str] = {}  # credential id -> kind

    @staticmethod
    def create_id(peer_worker_id: UUID, **_) -> UUID:
        return derived_id("workforce", peer_worker_id)

    @staticmethod
    def opened_by(event) -> bool:
        """Kept only once directory employs the peer or blocks them from offers: nothing before matters."""
        return event.type == "EmploymentBegan" or (event.type == "CredentialExpired" and event.body["blocks_offers"])

    def follow(self, event, actor: dict, today: date) -> None:
        """Directory decides whether an expiry blocks offers (a state setting); a current
        credential of a blocked kind lifts the block."""
        body, peer_id = event.body, str(event.body["peer_worker_id"])
        if event.type == "EmploymentBegan":
            self.employ(peer_id, body["employment_id"], body["organization_id"], actor)
        elif event.type == "EmploymentEnded":
            self.end_employment(peer_id, body["employment_id"], actor)
        elif event.type == "CredentialExpired" and body["blocks_offers"]:
            self.block(peer_id, body["credential_id"], body["kind"], actor)
        elif event.type == "CredentialRecorded" and (body["expires"] is None or body["expires"] > today):
            if body["kind"] in self.blocking.values():
                self.renew(peer_id, body["kind"], actor)

    @event("Employed")
    def employ(self, peer_worker_id: str, employment_id: str, organization_id: str, actor: dict):
        self.employments[employment_id] = organization_id

    @event("EmploymentEnded")
    def end_employment(self, peer_worker_id: str, employment_id: str, actor: dict):
        self.employments.pop(employment_id, None)

    @event("CredentialBlocked")
    def block(self, peer_worker_id: str, credential_id: str, kind: str, actor: dict):
        self.blocking[credential_id] = kind

    @event("CredentialRenewed")
    def renew(self, peer_worker_id: str, kind: str, actor: dict):
        self.blocking = {c: k for c, k in self.blocking.items() if k != kind}


# intake's events that carry the person's matching view (None once they no longer consent to matching)
VIEW_EVENTS = ("PersonEnrolled", "PersonDetailsChanged", "PersonConsentGranted", "PersonConsentChanged")
STOP_EVENTS = ("PersonConsentRevoked", "PersonConsentLapsed", "PersonForgotten")


class Seeker(Aggregate):
    """A person looking for a peer. Personal fields stay sealed tokens here."""

    @event("Registered")
    def __init__(self, person_id: UUID, view: dict | None, actor: dict):
        self.view = view
        self.request: dict | None = None  # {request_id, include_my_agencies, seen, declined}
        self.offers: list[dict] = []
        self.relaxed: list[str] = []
        self.choice: dict | None = None  # {choice_id, peer_worker_id, deadline}
        self.waiting = False
        self.liked: list[str] = []

    @staticmethod
    def create_id(person_id: UUID, **_) -> UUID:
        return person_id

    def follow(self, event, actor: dict, best, open_token) -> list[tuple[str, str]]:
        """Step for one of intake's events about this person; returns the open choice's hold
        (peer id, choice id) when the event gives it up, for the application to release.

        `best()` is the pool's offers for a new request; `open_token` opens a sealed item.
        """
        body = event.body
        given_up = [(self.choice["peer_worker_id"], self.choice["choice_id"])] if self.choice else []
        if event.type in VIEW_EVENTS and body["matching"] is not None:
            self.profile(body["matching"], actor)
        elif event.type in VIEW_EVENTS or event.type in STOP_EVENTS:
            # consent withdrawn from matching, revoked, lapsed, or forgotten: stop all use
            self.clear("consent" if event.type in VIEW_EVENTS else event.type, actor)
            return given_up
        elif self.view is None:
            pass
        elif event.type == "PersonExperienceShared":
            self.share_item(body["experience"], actor)
        elif event.type == "PersonExperienceWithdrawn":
            code = open_token(body["experience"])  # tokens differ; the item is the same
            for token in [t for t in self.view["shared_for_matching"] if open_token(t) == code]:
                self.withdraw_item(token, actor)
        elif event.type == "SupportRequested":
            self.open_request(str(body["request_id"]), False, actor)
            offers, relaxed = best()
            self.offer(str(body["request_id"]), offers, relaxed, actor)
            return given_up
        elif event.type in ("SupportRequestWithdrawn", "SupportRequestExpired"):
            if self.request and self.request["request_id"] == str(body["request_id"]):
                self.close_request(str(body["request_id"]), actor)
                return given_up
        return []

    @event("Profiled")
    def profile(self, view: dict | None, actor: dict):
        self.view = view

    @event("ItemShared")
    def share_item(self, token: str, actor: dict):
        # a new dict: the view may be the very object an earlier event carries
        self.view = {**self.view, "shared_for_matching": [*self.view["shared_for_matching"], token]}

    @event("ItemWithdrawn")
    def withdraw_item(self, token: str, actor: dict):
        self.view = {**self.view, "shared_for_matching": [t for t in self.view["shared_for_matching"] if t != token]}

    @event("Cleared")
    def clear(self, why: str, actor: dict):
        """Consent revoked or lapsed, or forgotten: hold nothing, close everything open."""
        self.view = None
        self._close()

    @event("RequestOpened")
    def open_request(self, request_id: str, include_my_agencies: bool, actor: dict):
        self.request = {"request_id": request_id, "include_my_agencies": include_my_agencies,
                        "seen": [], "declined": []}
        self.offers, self.relaxed, self.waiting = [], [], False

    @event("RequestClosed")
    def close_request(self, request_id: str, actor: dict):
        self._close()

    def _close(self):
        self.request, self.offers, self.relaxed, self.choice, self.waiting = None, [], [], None, False

    @event("Offered")
    def offer(self, request_id: str, offers: list, relaxed: list, actor: dict):
        self.offers, self.relaxed, self.waiting = offers, relaxed, False
        self.request["seen"] = sorted(set(self.request["seen"]) | {o["peer_worker_id"] for o in offers})

    @event("Waitlisted")
    def wait(self, request_id: str, actor: dict):
        self.waiting = True

    @event("Chose")
    def choose(self, choice_id: str, peer_worker_id: str, deadline: str, actor: dict):
        self.choice = {"choice_id": choice_id, "peer_worker_id": peer_worker_id, "deadline": deadline}

    @event("ChoiceAccepted")
    def choice_accepted(self, choice_id: str, actor: dict):
        self._close()

    @event("ChoiceDeclined")
    def choice_declined(self, choice_id: str, actor: dict):
        self._choice_ended()

    @event("ChoiceLapsed")
    def choice_lapsed(self, choice_id: str, actor: dict):
        self._choice_ended()

    def _choice_ended(self):
        peer = self.choice["peer_worker_id"]
        self.request["declined"] = [*self.request["declined"], peer]
        self.offers = [o for o in self.offers if o["peer_worker_id"] != peer]
        self.choice = None

    @event("Liked")
    def like(self, peer_worker_id: str, actor: dict):
        self.liked = sorted(set(self.liked) | {peer_worker_id})


class NoFreePlace(Exception):
    """The peer's places are all held: the choice is refused and nothing is stored."""


class Places(Aggregate):
    @event("Opened")
    def __init__(self, peer_worker_id: UUID, actor: dict):
        self.peer_worker_id = peer_worker_id
        self.holds: dict[str, str] = {}  # hold id (choice = connection id) -> person id

    @staticmethod
    def create_id(peer_worker_id: UUID, **_) -> UUID:
        return derived_id("places", peer_worker_id)

    def hold(self, peer_worker_id: str, hold_id: str, person_id: str, capacity: int, actor: dict):
        """Capacity is the peer's own setting (intake's availability), not part of the event."""
        if len(self.holds) >= capacity:
            raise NoFreePlace(peer_worker_id)
        self._hold(peer_worker_id, hold_id, person_id, actor)

    @event("Held")
    def _hold(self, peer_worker_id: str, hold_id: str, person_id: str, actor: dict):
        self.holds[hold_id] = person_id

    @event("Released")
    def release(self, peer_worker_id: str, hold_id: str, actor: dict):
        self.holds.pop(hold_id, None)


class Connection(Aggregate):
    @event("Began")
    def __init__(self, connection_id: UUID, person_id: str, peer_worker_id: str, actor: dict,
                 region: str | None = None):
        self.person_id = person_id
        self.peer_worker_id = peer_worker_id
        self.region = region  # see projections.Pool.connection_region; None on connections stored before regions
        self.active = True

    @staticmethod
    def create_id(connection_id: UUID, **_) -> UUID:
        return connection_id

    def end(self, actor: dict):
        """No reason is asked and none is stored: who ended it is in `actor`."""
        self._end(actor, self.region)

    @event("Ended")
    def _end(self, actor: dict, region: str | None = None):
        # the region again, so the ending can be counted by region without the beginning at hand
        self.active = False


class Block(Aggregate):
    """A person and a peer worker kept apart: never offered to each other again. Only the pair of ids."""

    @event("Recorded")
    def __init__(self, person_id: str, peer_worker_id: str, actor: dict):
        self.person_id = person_id
        self.peer_worker_id = peer_worker_id

    @staticmethod
    def create_id(person_id: str, peer_worker_id: str, **_) -> UUID:
        # one per pair, whoever asked first: a second block of the same pair is the same aggregate
        return derived_id("block", f"{person_id}|{peer_worker_id}")
