"""Matching's Application, the store its handlers are given: follows intake and
directory (each event to the aggregate it steps), keeps the projection of who
can be offered (projections.Pool) up to date from its own stored events, and
offers again to waiting people when a place frees."""
from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from services.matching.domain import VIEW_EVENTS, Candidate, Places, Seeker, Workforce
from services.matching.projections import Pool
from services.matching.settings import Settings
from services.matching.translations import TRANSLATIONS
from shared import config
from shared.access import AccessLog
from shared.application import ServiceApplication
from shared.clock import Clock
from shared.identity import Caller

# Events after which a peer may fit someone on the waitlist.
FREEING = (Places.Released, Candidate.AvailabilityChanged, Candidate.Resumed, Candidate.ItemAdded,
           Workforce.CredentialRenewed, Workforce.EmploymentEnded)
PAGE = 1000


class MatchingApplication(AccessLog, ServiceApplication):
    service = "matching"
    follows = config.FOLLOWS[service]
    translations = TRANSLATIONS

    def __init__(self, vault, env: dict | None, settings: Settings, clock: Clock):
        super().__init__(vault, env)
        self.settings, self.clock = settings, clock
        self.pool = self.rebuild()

    # -- the projection ---------------------------------------------------------------
    def rebuild(self, progress=None) -> Pool:
        """Replay every stored event into a fresh Pool; `progress(n)` is told of each page."""
        pool, seekers, after = Pool(self.vault), {}, 0
        while True:
            page = self.recorder.select_notifications(start=after, limit=PAGE, inclusive_of_start=False)
            if not page:
                return pool
            for notification in page:
                event = self.mapper.to_domain_event(notification)
                seeker = None
                if isinstance(event, Seeker.Event):
                    seeker = seekers[event.originator_id] = event.mutate(seekers.get(event.originator_id))
                pool.apply(event, seeker)
            after = page[-1].id
            if progress:
                progress(len(page))

    def _notify(self, recordings) -> None:
        freed = set()
        for recording in recordings:
            event = recording.domain_event
            seeker = None
            if isinstance(event, Seeker.Event):
                seeker = self.repository.get(event.originator_id, version=event.originator_version)
            self.pool.apply(event, seeker)
            if isinstance(event, FREEING):
                freed.add(str(getattr(event, "peer_worker_id", event.originator_id)))
        if freed:  # the re-offers it saves free nothing, so this does not recur
            self.offer_waiting(freed)

    def get(self, aggregate_id):
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    # -- upstream events ----------------------------------------------------------------
    def policy(self, event, processing):
        actor = Caller.system(self.service, event.actor["correlation_id"]).as_actor()
        if event.source == "intake":
            if event.type in Candidate.FOLLOWS:
                self._peer_worker(event, actor, processing)
            elif "person_id" in event.body:
                self._person(event, actor, processing)
        elif event.source == "directory" and "peer_worker_id" in event.body:
            self._workforce(event, actor, processing)

    def reads_committed_projection(self, event) -> bool:
        # Offers are chosen from the pool, and a forgotten person's connections found
        # in it; the pool follows commits, so what came before must be committed first.
        return event.source == "intake" and event.type in ("SupportRequested", "PersonForgotten")

    def _peer_worker(self, event, actor, processing):
        if event.type == "PeerWorkerProfiled":
            if event.body["peer_worker_id"] not in self.repository:
                processing.collect_events(Candidate.listed(event, actor))
            return
        candidate: Candidate | None = self.get(event.body["peer_worker_id"])
        if candidate is not None:
            candidate.follow(event, actor)
            processing.collect_events(candidate)

    def _person(self, event, actor, processing):
        body = event.body
        seeker: Seeker | None = self.get(body["person_id"])
        if seeker is None:
            if event.type in VIEW_EVENTS and body["matching"] is not None:
                processing.collect_events(Seeker(person_id=body["person_id"], view=body["matching"], actor=actor))
            return
        holds = seeker.follow(event, actor, lambda: self.pool.best(seeker.id, self.settings.offers), self.vault.open)
        if event.type == "PersonForgotten":
            holds += self._end_connections(seeker, actor, processing)
        processing.collect_events(*self.released(holds, actor), seeker)

    def _end_connections(self, seeker: Seeker, actor, processing) -> list[tuple[str, str]]:
        """A forgotten person's connections end; returns their holds, to release."""
        holds = []
        for connection_id, connection in list(self.pool.connections.items()):
            if connection["person_id"] == str(seeker.id) and connection["active"]:
                ending = self.repository.get(UUID(connection_id))
                ending.end(actor)
                processing.collect_events(ending)
                holds.append((connection["peer_worker_id"], connection_id))
        return holds

    def released(self, holds, actor) -> list[Places]:
        """Places with these (peer id, hold id) released, one aggregate per peer."""
        by_peer: dict[str, Places] = {}
        for peer_id, hold_id in holds:
            places = by_peer.get(peer_id) or self.get(Places.create_id(UUID(peer_id)))
            if places is not None and hold_id in places.holds:
                places.release(peer_id, hold_id, actor)
                by_peer[peer_id] = places
        return list(by_peer.values())

    def _workforce(self, event, actor, processing):
        workforce: Workforce | None = self.get(Workforce.create_id(event.body["peer_worker_id"]))
        if workforce is None:
            if not Workforce.opened_by(event):
                return
            workforce = Workforce(peer_worker_id=event.body["peer_worker_id"], actor=actor)
        workforce.follow(event, actor, self.clock().date())
        processing.collect_events(workforce)

    # -- the waitlist -------------------------------------------------------------------
    def offer_waiting(self, peer_ids) -> int:
        """Offer again to waiting people some freed peer now fits; returns how many were offered."""
        offered = 0
        actor = Caller.system(self.service).as_actor()
        for person_id in self.pool.waiting_for(peer_ids):
            seeker: Seeker = self.repository.get(UUID(person_id))
            if not seeker.waiting or seeker.request is None:
                continue
            offers, relaxed = self.pool.best(person_id, self.settings.offers, seeker.request["declined"],
                                             seeker.request["include_my_agencies"])
            if offers:
                seeker.offer(seeker.request["request_id"], offers, relaxed, actor)
                try:
                    self.save(seeker)
                    offered += 1
                except IntegrityError:
                    continue  # the person acted at the same moment; they see their own result
        return offered
