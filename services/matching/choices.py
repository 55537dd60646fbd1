"""The person's choice, the peer's answer, connections: commands of MatchingApplication.

Each command checks who is calling (a person only for themselves, a peer only
for their own requests) and stores nothing when it refuses. Taking a place
saves the peer's Places aggregate and the person's Seeker together: if anyone
saved either since they were read, the save fails and the command reads again,
so a peer's last free place goes to one person only.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from services.matching.domain import Connection, NoFreePlace, Places, Seeker
from shared.contracts.commands import matching as schemas
from shared.errors import Conflict, NotAllowed, NotFound
from shared.identity import Caller
from shared.schemas import load

ATTEMPTS = 8


def own(caller: Caller, subject_id) -> None:
    if caller.role != "system" and caller.user_id != str(subject_id):
        raise NotAllowed("you may act only for yourself")


class Choices:
    def _seeker_of(self, person_id) -> Seeker:
        seeker = self.get(person_id)
        if seeker is None or seeker.view is None:
            raise NotFound("matching holds nothing it may use about you: enroll and consent to matching first")
        return seeker

    def ask_for_offers(self, payload: dict, caller: Caller) -> dict:
        """New offers, or more offers for the open request (not those seen already)."""
        command = load(schemas.AskForOffers(), payload)
        own(caller, command["person_id"])
        for _ in range(ATTEMPTS):
            seeker = self._seeker_of(command["person_id"])
            if seeker.choice is not None:
                raise Conflict("you have an open choice: wait for the peer's answer before asking again")
            had, had_relaxed = list(seeker.offers), list(seeker.relaxed)
            if seeker.request is None or seeker.request["include_my_agencies"] != command["include_my_agencies"]:
                seeker.open_request(str(uuid.uuid4()), command["include_my_agencies"], caller.as_actor())
            request = seeker.request
            # Offers the person still has stay theirs (unless that peer no longer fits); new ones come after.
            kept = self.pool.still_fitting(seeker.id, had, request["include_my_agencies"])
            kept_ids = [o["peer_worker_id"] for o in kept]
            offers, relaxed = self.pool.best(seeker.id, self.offers_wanted,
                                             request["seen"] + request["declined"] + kept_ids,
                                             request["include_my_agencies"])
            if not offers and kept == had and not seeker.pending_events:
                return self.offers_for(command["person_id"], caller)  # nothing new: nothing to store
            seeker.offer(request["request_id"], kept + offers, had_relaxed if kept else relaxed, caller.as_actor())
            try:
                self.save(seeker)
            except IntegrityError:
                continue
            return self.offers_for(command["person_id"], caller)
        raise Conflict("your offers changed while we looked: ask again")

    def wait(self, payload: dict, caller: Caller) -> dict:
        """Join the waitlist: offered again when a fitting peer frees a place."""
        command = load(schemas.PersonCommand(), payload)
        own(caller, command["person_id"])
        seeker = self._seeker_of(command["person_id"])
        if seeker.request is None:
            raise Conflict("ask for offers first; you can wait when nobody fits")
        if seeker.choice is not None:
            raise Conflict("you have an open choice: wait for the peer's answer")
        if not seeker.waiting:
            seeker.wait(seeker.request["request_id"], caller.as_actor())
            self.save(seeker)
        return self.offers_for(command["person_id"], caller)

    def choose(self, payload: dict, caller: Caller) -> dict:
        """Ask the chosen peer; their place is held until they answer or the deadline passes."""
        command = load(schemas.Choose(), payload)
        own(caller, command["person_id"])
        peer_id = str(command["peer_worker_id"])
        for _ in range(ATTEMPTS):
            seeker = self._seeker_of(command["person_id"])
            if seeker.choice is not None:
                raise Conflict("you have an open choice already: one at a time")
            if seeker.request is None or peer_id not in [o["peer_worker_id"] for o in seeker.offers]:
                raise Conflict("that offer has lapsed: ask for new offers")
            places = self.get(Places.create_id(command["peer_worker_id"]))
            places = places or Places(peer_worker_id=command["peer_worker_id"], actor=caller.as_actor())
            peer = self.pool.peers.get(peer_id)
            person = self.pool.people.get(str(seeker.id))
            if not self.pool.usable(person):
                raise Conflict("your consent for matching has expired: renew it to choose")
            choice_id = str(uuid.uuid4())
            try:
                if peer is None or not self.pool.fits(person, peer, seeker.request["include_my_agencies"]):
                    raise NoFreePlace(peer_id)
                # The pool's count of free places is a quick answer; Places decides.
                places.hold(peer_id, choice_id, str(seeker.id), peer.capacity, caller.as_actor())
            except NoFreePlace:
                self._offer_next(seeker, peer_id, caller)
                continue_with = self.offers_for(command["person_id"], caller)["offers"]
                raise Conflict("that peer has no free place any more: here are your next offers",
                               {"next_offers": continue_with}) from None
            deadline = (datetime.now(timezone.utc) + timedelta(hours=self.answer_hours)).isoformat()
            seeker.choose(choice_id, peer_id, deadline, caller.as_actor())
            try:
                self.save(places, seeker)
            except IntegrityError:
                continue  # someone took a place or changed the request since we read: read again
            return {"choice_id": choice_id, "peer_worker_id": peer_id, "deadline": deadline}
        raise Conflict("too many people chose at once: try again")

    def _offer_next(self, seeker: Seeker, taken: str, caller: Caller) -> None:
        request = seeker.request
        offers, relaxed = self.pool.best(seeker.id, self.offers_wanted, request["declined"] + [taken],
                                         request["include_my_agencies"])
        seeker.offer(request["request_id"], offers, relaxed, caller.as_actor())
        try:
            self.save(seeker)
        except IntegrityError:
            pass  # the person's offers changed meanwhile: they see those

    def _choice_for_peer(self, choice_id: UUID, caller: Caller) -> tuple[Seeker, dict]:
        choice = self.pool.choices.get(str(choice_id))
        past = self.pool.past_choices.get(str(choice_id))
        if choice is None and past is not None and caller.role in ("system", "peer") and (
                caller.role == "system" or past == caller.user_id):
            raise Conflict("that request has lapsed or was answered already")
        if choice is None or (caller.role != "system" and choice["peer_worker_id"] != caller.user_id):
            raise NotFound("no open request with that id for you")
        seeker: Seeker = self.repository.get(UUID(choice["person_id"]))
        if seeker.choice is None or seeker.choice["choice_id"] != str(choice_id):
            raise Conflict("that request has lapsed")
        return seeker, seeker.choice

    def accept(self, payload: dict, caller: Caller) -> dict:
        command = load(schemas.Answer(), payload)
        seeker, choice = self._choice_for_peer(command["choice_id"], caller)
        if datetime.fromisoformat(choice["deadline"]) <= datetime.now(timezone.utc):
            raise Conflict("the time to answer has passed")
        seeker.choice_accepted(choice["choice_id"], caller.as_actor())
        connection = Connection(connection_id=command["choice_id"], person_id=str(seeker.id),
                                peer_worker_id=choice["peer_worker_id"], actor=caller.as_actor(),
                                region=self.pool.connection_region(seeker.id, choice["peer_worker_id"]))
        try:
            self.save(seeker, connection)
        except IntegrityError:
            raise Conflict("that request changed while you answered: look again") from None
        return {"connection_id": str(connection.id), "peer_worker_id": choice["peer_worker_id"]}

    def decline(self, payload: dict, caller: Caller) -> dict:
        """No reason is asked. The person is told (an event) and can choose again."""
        command = load(schemas.Answer(), payload)
        for _ in range(ATTEMPTS):
            seeker, choice = self._choice_for_peer(command["choice_id"], caller)
            seeker.choice_declined(choice["choice_id"], caller.as_actor())
            try:
                self.save(seeker, *self.released([(choice["peer_worker_id"], choice["choice_id"])], caller.as_actor()))
            except IntegrityError:
                continue
            return {"choice_id": str(command["choice_id"]), "declined": True}
        raise Conflict("that request changed while you answered: look again")

    def expire_due(self, now: datetime) -> int:
        """Lapse every choice the peer did not answer in time; returns how many lapsed."""
        actor, lapsed = Caller.system(self.service).as_actor(), 0
        due = [c for c in list(self.pool.choices.values()) if datetime.fromisoformat(c["deadline"]) <= now]
        for choice in due:
            seeker: Seeker = self.repository.get(UUID(choice["person_id"]))
            if seeker.choice is None or seeker.choice["choice_id"] != choice["choice_id"]:
                continue
            seeker.choice_lapsed(choice["choice_id"], actor)
            try:
                self.save(seeker, *self.released([(choice["peer_worker_id"], choice["choice_id"])], actor))
                lapsed += 1
            except IntegrityError:
                continue  # answered at this very moment; the next run sees what is left
        return lapsed

    def end_connection(self, payload: dict, caller: Caller) -> dict:
        """Either side, at any time; no reason asked, none stored. The place is free at once."""
        command = load(schemas.EndConnection(), payload)
        for _ in range(ATTEMPTS):
            connection: Connection | None = self.get(command["connection_id"])
            sides = (connection.person_id, connection.peer_worker_id) if isinstance(connection, Connection) else ()
            if not sides or (caller.role != "system" and caller.user_id not in sides):
                raise NotFound("no connection with that id for you")
            if not connection.active:
                raise Conflict("that connection has ended already")
            connection.end(caller.as_actor())
            try:
                self.save(connection, *self.released([(connection.peer_worker_id, str(connection.id))],
                                                     caller.as_actor()))
            except IntegrityError:
                continue
            return {"connection_id": str(connection.id), "active": False}
        raise Conflict("that connection changed meanwhile: look again")

    def like_peer(self, payload: dict, caller: Caller) -> dict:
        """Continuity: a peer the person was connected with and would see again ranks higher."""
        command = load(schemas.LikePeer(), payload)
        own(caller, command["person_id"])
        peer_id, person_id = str(command["peer_worker_id"]), str(command["person_id"])
        if not any(c["person_id"] == person_id and c["peer_worker_id"] == peer_id
                   for c in self.pool.connections.values()):
            raise NotFound("you can only say so of a peer you were connected with")
        seeker = self._seeker_of(command["person_id"])
        if peer_id not in seeker.liked:
            seeker.like(peer_id, caller.as_actor())
            self.save(seeker)
        return {"liked": seeker.liked}
