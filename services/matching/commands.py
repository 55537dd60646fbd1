"""Matching's commands: the person's choice, the peer's answer, connections, blocks.

Each handler gets the command already admitted by matching's access table
(shared/contracts/commands/matching.py: roles, a person only for themselves)
and, by keyword, what it needs: `store` (the MatchingApplication: aggregates
and saving), `pool` (the projection of who can be offered), `settings`,
`clock`. It stores nothing when it refuses. Taking a place saves the peer's
Places aggregate and the person's Seeker together: if anyone saved either
since they were read, the save fails and the command reads again, so a peer's
last free place goes to one person only.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from services.matching.domain import Block, Connection, NoFreePlace, Places, Seeker
from services.matching.queries import offers_for
from shared.errors import Conflict, NotFound
from shared.identity import Caller

ATTEMPTS = 8


def _seeker_of(store, person_id) -> Seeker:
    seeker = store.get(person_id)
    if seeker is None or seeker.view is None:
        raise NotFound("matching holds nothing it may use about you: enroll and consent to matching first")
    return seeker


def ask_for_offers(command: dict, caller: Caller, *, store, pool, vault, settings) -> dict:
    """New offers, or more offers for the open request (not those seen already)."""
    for _ in range(ATTEMPTS):
        seeker = _seeker_of(store, command["person_id"])
        if seeker.choice is not None:
            raise Conflict("you have an open choice: wait for the peer's answer before asking again")
        had, had_relaxed = list(seeker.offers), list(seeker.relaxed)
        if seeker.request is None or seeker.request["include_my_agencies"] != command["include_my_agencies"]:
            seeker.open_request(str(uuid.uuid4()), command["include_my_agencies"], caller.as_actor())
        request = seeker.request
        # Offers the person still has stay theirs (unless that peer no longer fits); new ones come after.
        kept = pool.still_fitting(seeker.id, had, request["include_my_agencies"])
        kept_ids = [o["peer_worker_id"] for o in kept]
        offers, relaxed = pool.best(seeker.id, settings.offers, request["seen"] + request["declined"] + kept_ids,
                                    request["include_my_agencies"])
        if not offers and kept == had and not seeker.pending_events:
            return offers_for(command["person_id"], caller, store, pool, vault)  # nothing new: nothing to store
        seeker.offer(request["request_id"], kept + offers, had_relaxed if kept else relaxed, caller.as_actor())
        try:
            store.save(seeker)
        except IntegrityError:
            continue
        return offers_for(command["person_id"], caller, store, pool, vault)
    raise Conflict("your offers changed while we looked: ask again")


def wait(command: dict, caller: Caller, *, store, pool, vault) -> dict:
    """Join the waitlist: offered again when a fitting peer frees a place."""
    seeker = _seeker_of(store, command["person_id"])
    if seeker.request is None:
        raise Conflict("ask for offers first; you can wait when nobody fits")
    if seeker.choice is not None:
        raise Conflict("you have an open choice: wait for the peer's answer")
    if not seeker.waiting:
        seeker.wait(seeker.request["request_id"], caller.as_actor())
        store.save(seeker)
    return offers_for(command["person_id"], caller, store, pool, vault)


def choose(command: dict, caller: Caller, *, store, pool, vault, settings, clock) -> dict:
    """Ask the chosen peer; their place is held until they answer or the deadline passes."""
    peer_id = str(command["peer_worker_id"])
    for _ in range(ATTEMPTS):
        seeker = _seeker_of(store, command["person_id"])
        if seeker.choice is not None:
            raise Conflict("you have an open choice already: one at a time")
        if seeker.request is None or peer_id not in [o["peer_worker_id"] for o in seeker.offers]:
            raise Conflict("that offer has lapsed: ask for new offers")
        places = store.get(Places.create_id(command["peer_worker_id"]))
        places = places or Places(peer_worker_id=command["peer_worker_id"], actor=caller.as_actor())
        peer = pool.peers.get(peer_id)
        person = pool.people.get(str(seeker.id))
        if not pool.usable(person):
            raise Conflict("your consent for matching has expired: renew it to choose")
        choice_id = str(uuid.uuid4())
        try:
            if peer is None or not pool.fits(person, peer, seeker.request["include_my_agencies"]):
                raise NoFreePlace(peer_id)
            # The pool's count of free places is a quick answer; Places decides.
            places.hold(peer_id, choice_id, str(seeker.id), peer.capacity, caller.as_actor())
        except NoFreePlace:
            _offer_next(store, pool, settings, seeker, peer_id, caller)
            continue_with = offers_for(command["person_id"], caller, store, pool, vault)["offers"]
            raise Conflict("that peer has no free place any more: here are your next offers",
                           {"next_offers": continue_with}) from None
        deadline = (clock() + timedelta(hours=settings.answer_hours)).isoformat()
        seeker.choose(choice_id, peer_id, deadline, caller.as_actor())
        try:
            store.save(places, seeker)
        except IntegrityError:
            continue  # someone took a place or changed the request since we read: read again
        return {"choice_id": choice_id, "peer_worker_id": peer_id, "deadline": deadline}
    raise Conflict("too many people chose at once: try again")


def _offer_next(store, pool, settings, seeker: Seeker, taken: str, caller: Caller) -> None:
    request = seeker.request
    offers, relaxed = pool.best(seeker.id, settings.offers, request["declined"] + [taken],
                                request["include_my_agencies"])
    seeker.offer(request["request_id"], offers, relaxed, caller.as_actor())
    try:
        store.save(seeker)
    except IntegrityError:
        pass  # the person's offers changed meanwhile: they see those


def _choice_for_peer(store, pool, choice_id: UUID, caller: Caller) -> tuple[Seeker, dict]:
    choice = pool.choices.get(str(choice_id))
    past = pool.past_choices.get(str(choice_id))
    if choice is None and past is not None and caller.role in ("system", "peer") and (
            caller.role == "system" or past == caller.user_id):
        raise Conflict("that request has lapsed or was answered already")
    if choice is None or (caller.role != "system" and choice["peer_worker_id"] != caller.user_id):
        raise NotFound("no open request with that id for you")
    seeker: Seeker = store.repository.get(UUID(choice["person_id"]))
    if seeker.choice is None or seeker.choice["choice_id"] != str(choice_id):
        raise Conflict("that request has lapsed")
    return seeker, seeker.choice


def accept(command: dict, caller: Caller, *, store, pool, clock) -> dict:
    seeker, choice = _choice_for_peer(store, pool, command["choice_id"], caller)
    if datetime.fromisoformat(choice["deadline"]) <= clock():
        raise Conflict("the time to answer has passed")
    seeker.choice_accepted(choice["choice_id"], caller.as_actor())
    connection = Connection(connection_id=command["choice_id"], person_id=str(seeker.id),
                            peer_worker_id=choice["peer_worker_id"], actor=caller.as_actor(),
                            region=pool.connection_region(seeker.id, choice["peer_worker_id"]))
    try:
        store.save(seeker, connection)
    except IntegrityError:
        raise Conflict("that request changed while you answered: look again") from None
    return {"connection_id": str(connection.id), "peer_worker_id": choice["peer_worker_id"]}


def decline(command: dict, caller: Caller, *, store, pool) -> dict:
    """No reason is asked. The person is told (an event) and can choose again."""
    for _ in range(ATTEMPTS):
        seeker, choice = _choice_for_peer(store, pool, command["choice_id"], caller)
        seeker.choice_declined(choice["choice_id"], caller.as_actor())
        try:
            store.save(seeker, *store.released([(choice["peer_worker_id"], choice["choice_id"])], caller.as_actor()))
        except IntegrityError:
            continue
        return {"choice_id": str(command["choice_id"]), "declined": True}
    raise Conflict("that request changed while you answered: look again")


def expire_due(command: dict, caller: Caller, *, store, pool, clock) -> dict:
    """Lapse every choice the peer did not answer in time (by `now`, or the clock)."""
    now, actor, lapsed = command["now"] or clock(), caller.as_actor(), 0
    due = [c for c in list(pool.choices.values()) if datetime.fromisoformat(c["deadline"]) <= now]
    for choice in due:
        seeker: Seeker = store.repository.get(UUID(choice["person_id"]))
        if seeker.choice is None or seeker.choice["choice_id"] != choice["choice_id"]:
            continue
        seeker.choice_lapsed(choice["choice_id"], actor)
        try:
            store.save(seeker, *store.released([(choice["peer_worker_id"], choice["choice_id"])], actor))
            lapsed += 1
        except IntegrityError:
            continue  # answered at this very moment; the next run sees what is left
    return {"lapsed": lapsed}


def end_connection(command: dict, caller: Caller, *, store) -> dict:
    """Either side, at any time; no reason asked, none stored. The place is free at once."""
    for _ in range(ATTEMPTS):
        connection: Connection | None = store.get(command["connection_id"])
        sides = (connection.person_id, connection.peer_worker_id) if isinstance(connection, Connection) else ()
        if not sides or (caller.role != "system" and caller.user_id not in sides):
            raise NotFound("no connection with that id for you")
        if not connection.active:
            raise Conflict("that connection has ended already")
        connection.end(caller.as_actor())
        try:
            store.save(connection, *store.released([(connection.peer_worker_id, str(connection.id))],
                                                   caller.as_actor()))
        except IntegrityError:
            continue
        return {"connection_id": str(connection.id), "active": False}
    raise Conflict("that connection changed meanwhile: look again")


def like_peer(command: dict, caller: Caller, *, store, pool) -> dict:
    """Continuity: a peer the person was connected with and would see again ranks higher."""
    peer_id, person_id = str(command["peer_worker_id"]), str(command["person_id"])
    if not any(c["person_id"] == person_id and c["peer_worker_id"] == peer_id for c in pool.connections.values()):
        raise NotFound("you can only say so of a peer you were connected with")
    seeker = _seeker_of(store, command["person_id"])
    if peer_id not in seeker.liked:
        seeker.like(peer_id, caller.as_actor())
        store.save(seeker)
    return {"liked": seeker.liked}


# -- blocks: a person and a peer worker never offered to each other again --------------------------
def block_peer(command: dict, caller: Caller, *, store, pool) -> dict:
    """A person blocks a peer worker (one they were offered, chose or were connected with)."""
    return _keep_apart(store, pool, str(command["person_id"]), str(command["peer_worker_id"]), caller)


def block_person(command: dict, caller: Caller, *, store, pool) -> dict:
    """A peer worker blocks the person behind a choice made of them or a connection with them; the peer
    never learns the person's id from it."""
    peer_id = str(command["peer_worker_id"])
    if command.get("choice_id"):
        choice = pool.choices.get(str(command["choice_id"]))
        person_id = choice["person_id"] if choice and choice["peer_worker_id"] == peer_id else None
        missing = "no open request with that id for you"
    else:
        connection = pool.connections.get(str(command["connection_id"]))
        person_id = connection["person_id"] if connection and connection["peer_worker_id"] == peer_id else None
        missing = "no connection with that id for you"
    if person_id is None:
        raise NotFound(missing)
    return _keep_apart(store, pool, person_id, peer_id, caller)


def _keep_apart(store, pool, person_id: str, peer_id: str, caller: Caller) -> dict:
    """Record the pair, and end at once what is open between them: the offer goes, an open choice lapses
    (the person is told only that it lapsed), an active connection ends; their places are freed."""
    actor = caller.as_actor()
    for _ in range(ATTEMPTS):
        if store.get(Block.create_id(person_id, peer_id)) is not None:
            return {"blocked": True}  # blocked already: what was open between them ended then
        changed: list = [Block(person_id=person_id, peer_worker_id=peer_id, actor=actor)]
        holds = []
        seeker: Seeker | None = store.get(UUID(person_id))
        if isinstance(seeker, Seeker):
            if seeker.choice is not None and seeker.choice["peer_worker_id"] == peer_id:
                holds.append((peer_id, seeker.choice["choice_id"]))
                seeker.choice_lapsed(seeker.choice["choice_id"], actor)
            if seeker.request is not None and any(o["peer_worker_id"] == peer_id for o in seeker.offers):
                seeker.offer(seeker.request["request_id"], [o for o in seeker.offers if o["peer_worker_id"] != peer_id],
                             list(seeker.relaxed), actor)
            if seeker.pending_events:
                changed.append(seeker)
        for connection_id, connection in list(pool.connections.items()):
            if connection["active"] and (connection["person_id"], connection["peer_worker_id"]) == (person_id, peer_id):
                ending: Connection = store.repository.get(UUID(connection_id))
                ending.end(actor)
                changed.append(ending)
                holds.append((peer_id, connection_id))
        try:
            store.save(*changed, *store.released(holds, actor))
        except IntegrityError:
            continue  # someone acted on the same choice, offers or connection meanwhile: look again
        return {"blocked": True}
    raise Conflict("that changed while we looked: try again")
