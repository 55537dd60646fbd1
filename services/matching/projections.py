"""The projection of who can be offered, built only from matching's own stored
events (so it is rebuilt by replaying the store, see cli.py), kept in memory
with indexes by place and by item.

People's personal fields are opened with the vault when their event is
applied; a cleared (revoked, lapsed, forgotten) person is dropped at once, and
a replay after forgetting opens nothing ("forgotten" values are left out).
"""
from __future__ import annotations

import heapq
import threading
from bisect import bisect_right, insort
from collections import defaultdict
from datetime import datetime, timezone

from services.matching import scoring
from services.matching.domain import Block, Candidate, Connection, Places, Seeker, Workforce
from shared import languages
from shared.crypto import FORGOTTEN

REMOTE = "remote"  # a connection's region when the two share no place


def _fold(values) -> dict:
    """casefolded -> as written, so 'spanish' and 'Spanish' are one language."""
    return {v.casefold(): v for v in values if v and v != FORGOTTEN}


def _languages(values) -> frozenset:
    """Codes: events stored before languages were codes carry names, normalized here."""
    return frozenset(languages.normalized(v) for v in values if v and v != FORGOTTEN)


class Shared:
    """One copy of each equal value (a million people share a few thousand
    combinations of languages, items and ways of meeting). Values are never mutated."""

    def __init__(self):
        self.values: dict = {}

    def __call__(self, value):
        key = tuple(sorted(value.items())) if isinstance(value, dict) else value
        return self.values.setdefault(key, value)


class Peer:
    __slots__ = ("id", "organization_id", "name", "items", "capacity", "languages", "modalities", "regions",
                 "remote", "paused", "employments", "blocked", "holds", "open_offers")

    def __init__(self, id_: str):
        self.id = id_
        self.organization_id, self.name, self.items = None, None, frozenset()
        self.capacity, self.languages, self.modalities, self.regions = 0, frozenset(), frozenset(), {}
        self.remote = self.paused = False
        self.employments: dict = {}  # employment id -> organization id (directory)
        self.blocked: dict = {}  # credential id -> kind, for expiries the state said block offers
        self.holds: set = set()  # pending choices and connections
        self.open_offers = 0

    @property
    def free(self) -> int:
        return max(0, self.capacity - len(self.holds))

    @property
    def organizations(self) -> set:
        return {self.organization_id, *self.employments.values()} - {None}

    @property
    def listed(self) -> bool:
        return self.name is not None


class Person:
    __slots__ = ("id", "tokens", "consent_until", "region", "region_name", "languages", "modalities", "agencies",
                 "items", "liked", "request", "offers", "relaxed", "choice", "waiting")

    def __init__(self, id_: str):
        self.id = id_
        self.consent_until = None  # past this, the consent allows nothing, even before intake says it lapsed
        self.tokens = None  # hash of the sealed view last opened: not opened again while the same
        self.region = self.region_name = None
        self.languages, self.modalities, self.agencies, self.items = frozenset(), frozenset(), frozenset(), frozenset()
        self.liked: frozenset = frozenset()
        self.request = self.choice = None
        self.offers, self.relaxed, self.waiting = (), (), False


class Pool:
    def __init__(self, vault):
        self.vault = vault
        self.shared = Shared()
        self.lock = threading.RLock()
        self.peers: dict[str, Peer] = {}
        self.people: dict[str, Person] = {}
        self.by_region: dict[str, set] = defaultdict(set)
        self.remote_by_item: dict[str, set] = defaultdict(set)
        self.remote: set = set()
        self.choices: dict[str, dict] = {}  # choice id -> {person_id, peer_worker_id, deadline}
        self.past_choices: dict[str, str] = {}  # answered, lapsed or withdrawn choice id -> peer id
        self.connections: dict[str, dict] = {}  # connection id -> {person_id, peer_worker_id, active}
        # Each side's connections as keys (began at, connection id) in order, so a page is a bisect and a slice.
        self.connections_by_person: dict[str, list[tuple]] = defaultdict(list)
        self.connections_by_peer: dict[str, list[tuple]] = defaultdict(list)
        self.choices_by_peer: dict[str, set] = defaultdict(set)  # peer id -> open choice ids (a few: their places)
        self.waitlist: dict[str, None] = {}  # person ids in the order they began to wait
        self.kept_apart: dict[str, set] = {}  # person id -> peer ids blocked by them or blocking them
        self.offers_made = 0
        self._apply = {
            Candidate.Listed: self._listed, Candidate.ItemAdded: self._items, Candidate.ItemRemoved: self._items,
            Candidate.AvailabilityChanged: self._availability, Candidate.Paused: self._paused,
            Candidate.Resumed: self._paused,
            Workforce.Employed: self._employed, Workforce.EmploymentEnded: self._employment_ended,
            Workforce.CredentialBlocked: self._blocked, Workforce.CredentialRenewed: self._renewed,
            Places.Held: self._held, Places.Released: self._released,
            Connection.Began: self._began, Connection.Ended: self._ended,
            Block.Recorded: self._kept_apart,
        }

    # -- applying stored events ------------------------------------------------------------
    def apply(self, domain_event, aggregate=None) -> None:
        """Apply one stored event; a Seeker's needs `aggregate`, its state after the event."""
        with self.lock:
            handler = self._apply.get(type(domain_event))
            if handler is not None:
                handler(domain_event)
            elif isinstance(domain_event, Seeker.Event):
                if isinstance(domain_event, Seeker.Offered):
                    self.offers_made += len(domain_event.offers)
                self._seeker(aggregate)

    def peer(self, peer_id) -> Peer:
        key = str(peer_id)
        peer = self.peers.get(key)
        if peer is None:
            peer = self.peers[key] = Peer(key)
        return peer

    def _unindex(self, peer: Peer):
        for region in peer.regions:
            self.by_region[region].discard(peer.id)
        for item in peer.items:
            self.remote_by_item[item].discard(peer.id)
        self.remote.discard(peer.id)

    def _index(self, peer: Peer):
        for region in peer.regions:
            self.by_region[region].add(peer.id)
        if peer.remote:
            self.remote.add(peer.id)
            for item in peer.items:
                self.remote_by_item[item].add(peer.id)

    def _listed(self, event):
        peer = self.peer(event.originator_id)
        self._unindex(peer)
        peer.organization_id, peer.name = event.organization_id, event.display_name
        peer.items = frozenset(event.shared_for_matching)
        self._index(peer)

    def _items(self, event):
        peer = self.peer(event.originator_id)
        self._unindex(peer)
        if isinstance(event, Candidate.ItemAdded):
            peer.items = peer.items | {event.experience}
        else:
            peer.items = peer.items - {event.experience}
        self._index(peer)

    def _availability(self, event):
        peer, availability = self.peer(event.originator_id), event.availability
        self._unindex(peer)
        peer.capacity, peer.remote = availability["capacity"], availability["remote"]
        peer.paused = availability["paused"]
        peer.languages = self.shared(_languages(availability["languages"]))
        peer.regions = _fold(availability["regions"])
        peer.modalities = frozenset(availability["modalities"])
        self._index(peer)

    def _paused(self, event):
        self.peer(event.originator_id).paused = isinstance(event, Candidate.Paused)

    def _employed(self, event):
        self.peer(event.peer_worker_id).employments[event.employment_id] = event.organization_id

    def _employment_ended(self, event):
        self.peer(event.peer_worker_id).employments.pop(event.employment_id, None)

    def _blocked(self, event):
        self.peer(event.peer_worker_id).blocked[event.credential_id] = event.kind

    def _renewed(self, event):
        peer = self.peer(event.peer_worker_id)
        peer.blocked = {c: k for c, k in peer.blocked.items() if k != event.kind}

    def _held(self, event):
        self.peer(event.peer_worker_id).holds.add(event.hold_id)

    def _released(self, event):
        self.peer(event.peer_worker_id).holds.discard(event.hold_id)
        if self._close_choice(event.hold_id, event.peer_worker_id):
            self.past_choices[event.hold_id] = event.peer_worker_id

    def _close_choice(self, choice_id: str, peer_id: str) -> dict | None:
        open_ = self.choices_by_peer.get(peer_id)
        if open_ is not None:
            open_.discard(choice_id)
            if not open_:
                del self.choices_by_peer[peer_id]
        return self.choices.pop(choice_id, None)

    def _began(self, event):
        connection_id = str(event.originator_id)
        if connection_id not in self.connections:
            key = (event.timestamp.isoformat(timespec="microseconds"), connection_id)
            insort(self.connections_by_person[event.person_id], key)
            insort(self.connections_by_peer[event.peer_worker_id], key)
        self.connections[connection_id] = {"person_id": event.person_id,
                                           "peer_worker_id": event.peer_worker_id, "active": True}

    def _ended(self, event):
        self.connections[str(event.originator_id)]["active"] = False

    def _kept_apart(self, event):
        self.kept_apart.setdefault(event.person_id, set()).add(event.peer_worker_id)

    def _seeker(self, seeker):
        key = str(seeker.id)
        before = self.people.get(key)
        if before is not None:
            self._count_offers(before, -1)
            if before.choice:
                self._close_choice(before.choice["choice_id"], before.choice["peer_worker_id"])
                self.past_choices[before.choice["choice_id"]] = before.choice["peer_worker_id"]
        if seeker.view is None:  # nothing may be used: hold nothing readable
            self.people.pop(key, None)
            self.waitlist.pop(key, None)
            return
        person = before or Person(key)
        self._open_view(person, seeker.view)
        person.liked = self.shared(frozenset(seeker.liked))
        person.request, person.offers, person.relaxed = seeker.request, tuple(seeker.offers), tuple(seeker.relaxed)
        person.choice, person.waiting = seeker.choice, seeker.waiting
        self.people[key] = person
        if person.choice:
            self.choices[person.choice["choice_id"]] = {**person.choice, "person_id": key}
            self.choices_by_peer[person.choice["peer_worker_id"]].add(person.choice["choice_id"])
        if person.waiting:
            self.waitlist.setdefault(key, None)
        else:
            self.waitlist.pop(key, None)
        self._count_offers(person, +1)

    def _open_view(self, person: Person, view: dict):
        until = view["consent_expires_at"]
        person.consent_until = datetime.fromisoformat(until) if until else None
        tokens = hash((view["region"], *view["languages"], *view["agencies"], *view["shared_for_matching"],
                       *view["modalities"]))
        if tokens == person.tokens:
            return
        person.tokens = tokens
        open_ = self.vault.open
        region = open_(view["region"]) if view["region"] else None
        same = self.shared
        person.region_name = None if region in (None, FORGOTTEN) else same(region)
        person.region = same(person.region_name.casefold()) if person.region_name else None
        person.languages = same(_languages(open_(t) for t in view["languages"]))
        person.modalities = same(frozenset(view["modalities"]))
        person.agencies = same(frozenset(_fold(open_(t) for t in view["agencies"])))
        person.items = same(frozenset(i for i in (open_(t) for t in view["shared_for_matching"]) if i != FORGOTTEN))

    def _count_offers(self, person: Person, sign: int):
        """Open offers: shown to a person with an open request who has not chosen yet."""
        if person.request is None or person.choice is not None:
            return
        for offer in person.offers:
            peer = self.peers.get(offer["peer_worker_id"])
            if peer is not None:
                peer.open_offers += sign

    # -- the rules ----------------------------------------------------------------------
    @staticmethod
    def usable(person: Person | None) -> bool:
        return person is not None and (person.consent_until is None
                                       or datetime.now(timezone.utc) < person.consent_until)

    def fits(self, person: Person, peer: Peer, include_my_agencies: bool = False) -> bool:
        """The hard limits: listed and available, free places, common language and modality,
        place unless remote, no employer the person receives services from, credentials, and
        neither side blocked the other."""
        return (peer.listed and not peer.paused and not peer.blocked and peer.free > 0
                and peer.id not in self.kept_apart.get(person.id, ())
                and not person.languages.isdisjoint(peer.languages)
                and not person.modalities.isdisjoint(peer.modalities)
                and (peer.remote or (person.region is not None and person.region in peer.regions))
                and (include_my_agencies or not person.agencies
                     or person.agencies.isdisjoint(o.casefold() for o in peer.organizations)))

    def score(self, person: Person, peer: Peer) -> int:
        return scoring.score(len(person.items & peer.items), person.region in peer.regions,
                             len(person.modalities & peer.modalities), peer.id in person.liked)

    def _rank(self, person: Person, peer_ids, k: int, exclude, include_my_agencies) -> list[tuple]:
        peers, scored = self.peers, []
        for peer_id in peer_ids:
            if peer_id in exclude:
                continue
            peer = peers.get(peer_id)
            if peer is not None and self.fits(person, peer, include_my_agencies):
                scored.append((self.score(person, peer), peer.free, peer_id))
        return heapq.nsmallest(k, scored, key=lambda s: (-s[0], -s[1], s[2]))

    def best(self, person_id, k: int, exclude=(), include_my_agencies=False) -> tuple[list[dict], list[str]]:
        """The k best fitting peers through the indexes (exact: see scoring.py)."""
        with self.lock:
            person = self.people.get(str(person_id))
            if not self.usable(person):
                return [], []
            exclude = set(exclude)
            candidates = set(self.by_region.get(person.region, ())) if person.region else set()
            for item in person.items:
                candidates |= self.remote_by_item.get(item, set())
            candidates |= person.liked
            top = self._rank(person, candidates, k, exclude, include_my_agencies)
            if len(top) < k:  # rare: fill with remote peers sharing no item
                top += self._rank(person, self.remote - candidates, k - len(top), exclude, include_my_agencies)
            return self._shape(person, top)

    def still_fitting(self, person_id, offers, include_my_agencies=False) -> list[dict]:
        """Those of these offers whose peer still fits the person."""
        with self.lock:
            person = self.people.get(str(person_id))
            if not self.usable(person):
                return []
            return [offer for offer in offers if (peer := self.peers.get(offer["peer_worker_id"])) is not None
                    and self.fits(person, peer, include_my_agencies)]

    def scan(self, person_id, k: int, exclude=(), include_my_agencies=False) -> tuple[list[dict], list[str]]:
        """The same answer by a plain scan over every peer (the benchmark's baseline)."""
        with self.lock:
            person = self.people.get(str(person_id))
            if not self.usable(person):
                return [], []
            return self._shape(person, self._rank(person, self.peers, k, set(exclude), include_my_agencies))

    def _shape(self, person: Person, top: list[tuple]) -> tuple[list[dict], list[str]]:
        # Spread the load: a peer already offered to as many people as they have free places goes after the others.
        top = sorted(top, key=lambda s: (self.peers[s[2]].open_offers >= self.peers[s[2]].free, -s[0], -s[1], s[2]))
        offers = [{"peer_worker_id": peer_id, "score": score} for score, _, peer_id in top]
        relaxed = []
        if offers:
            first = self.peers[top[0][2]]
            if not person.items & first.items:
                relaxed.append(scoring.RELAXED_ITEMS)
            if person.region not in first.regions:
                relaxed.append(scoring.RELAXED_PLACE)
        return offers, relaxed

    def explain(self, person: Person, peer: Peer) -> dict:
        """Only what both sides shared for matching; never an item only one side shared."""
        items = sorted(person.items & peer.items)
        languages = sorted(person.languages & peer.languages)
        same_place = person.region is not None and person.region in peer.regions
        modalities = sorted(person.modalities & peer.modalities)
        liked = peer.id in person.liked
        reasons = scoring.sentence(items, languages, person.region_name if same_place else None, peer.remote,
                                   modalities, liked)
        return {"shared_items": items, "languages": sorted(languages), "same_place": same_place,
                "modalities": modalities, "continuity": liked, "why": "; ".join(reasons)}

    def connection_region(self, person_id, peer_id) -> str:
        """Where a connection is held, for the state's figures: the peer worker's own published
        (county-level) region that the person shares, else "remote". Never finer than the peer's
        regions, and never the person's region when the peer does not also list it."""
        with self.lock:
            person, peer = self.people.get(str(person_id)), self.peers.get(str(peer_id))
            if person is None or peer is None or person.region not in peer.regions:
                return REMOTE
            return peer.regions[person.region]

    def waiting_for(self, peer_ids) -> list[str]:
        """Waiting people some of these peers now fit, in the order they began to wait."""
        with self.lock:
            peers = [self.peers[p] for p in peer_ids if p in self.peers]
            return [person_id for person_id in self.waitlist
                    if any(self.fits(self.people[person_id], peer,
                                     (self.people[person_id].request or {}).get("include_my_agencies", False))
                           for peer in peers)]


def page_of(keys: list[tuple], after: list | None, limit: int) -> tuple[list[tuple], list | None]:
    """Up to `limit` of these sorted keys after the key `after`, and the key to ask the next page after (None:
    the last page): a bisect and a slice, however long the list."""
    start = bisect_right(keys, tuple(after)) if after else 0
    shown = keys[start:start + limit]
    return shown, list(shown[-1]) if start + limit < len(keys) else None
