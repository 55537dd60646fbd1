"""What matching answers: a peer worker as matching sees them, a person's offers
and connections, a peer's requests and connections, counts for reports. Every
answer but the first comes from the projection (`pool`); the lists come a page
at a time, after the key of the page before (`after`, the answer's `next_after`).

Handlers as in commands.py. An answer showing someone else's data (a peer's
name to a person, a person's shared items to a peer) records the access
(shared.access) for the caller."""
from __future__ import annotations

from services.matching import scoring
from services.matching.domain import Candidate
from services.matching.projections import page_of
from shared.crypto import FORGOTTEN
from shared.errors import NotAllowed, NotFound
from shared.identity import Caller

SUPPRESS_UP_TO = 10  # counts from 1 to 10 are not shown (small numbers could point at someone)


def suppressed(count: int) -> int | None:
    return None if 1 <= count <= SUPPRESS_UP_TO else count


def _name(vault, peer) -> str:
    return vault.open(peer.name) if peer.name else FORGOTTEN


def candidate(command: dict, caller: Caller, *, store, vault) -> dict:
    candidate: Candidate | None = store.get(command["peer_worker_id"])
    if not isinstance(candidate, Candidate):
        raise NotFound(f"no candidate {command['peer_worker_id']}")
    if caller.role == "agency_admin" and candidate.organization_id != caller.organization_id:
        raise NotAllowed("an agency admin may read only their own organization's candidates")
    store.record_access(caller, "candidate", [(candidate.id, "peer_worker", ["display_name", "shared_for_matching"])])
    return {
        "peer_worker_id": str(candidate.id),
        "organization_id": candidate.organization_id,
        "display_name": vault.open(candidate.display_name),
        "shared_for_matching": candidate.shared_for_matching,
        "upstream_position": candidate.upstream_position,
    }


def my_offers(command: dict, caller: Caller, *, store, pool, vault) -> dict:
    return offers_for(command["person_id"], caller, store, pool, vault)


def offers_for(person_id, caller: Caller, store, pool, vault) -> dict:
    """A person's offers as they see them; also the answer of the commands that change them."""
    answer = _offers_for(pool, vault, person_id)
    store.record_access(caller, "my_offers", [
        (offer["peer_worker_id"], "peer_worker",
         ["display_name", *(name for name in ("shared_items", "languages", "modalities") if offer[name])])
        for offer in answer["offers"]])
    return answer


def _offers_for(pool, vault, person_id) -> dict:
    with pool.lock:
        person = pool.people.get(str(person_id))
        if person is None:
            return {"request_id": None, "offers": [], "relaxed": [], "note": scoring.REASON_NOTES["no_consent"],
                    "choice": None, "waiting": False, "reason": "no_consent", "next_steps": ["grant_consent"]}
        offers = []
        for offer in person.offers:
            peer = pool.peers.get(offer["peer_worker_id"])
            if peer is None:
                continue
            offers.append({"peer_worker_id": peer.id, "display_name": _name(vault, peer), "score": offer["score"],
                           "free_places": peer.free, **pool.explain(person, peer)})
        if offers:
            reason, steps, note = None, [] if person.choice else ["choose"], scoring.relaxed_note(person.relaxed)
        else:
            reason, steps = _why_none(pool, person)
            note = scoring.REASON_NOTES[reason]
        return {"request_id": (person.request or {}).get("request_id"), "offers": offers,
                "relaxed": list(person.relaxed), "note": note,
                "choice": dict(person.choice) if person.choice else None, "waiting": person.waiting,
                "reason": reason, "next_steps": steps}


def _why_none(pool, person) -> tuple[str, list[str]]:
    """Why a person has no offers, and what they can do now (codes: see scoring.REASON_NOTES)."""
    request = person.request
    if not pool.usable(person):
        return "consent_expired", ["grant_consent"]
    if request is None:
        return "no_open_request", ["ask"]
    if person.choice is not None:
        return "choice_pending", []
    include, seen = request["include_my_agencies"], request["seen"] + request["declined"]
    # The only limit a person may relax is the dual-relationship rule (AskForOffers.include_my_agencies).
    relax = ["relax:include_my_agencies"] if not include and person.agencies and pool.best(
        person.id, 1, seen, include_my_agencies=True)[0] else []
    if person.waiting:
        return "waiting", relax
    reason = "all_offered" if pool.best(person.id, 1, (), include)[0] else "no_fitting_peer"
    return reason, ["wait", *relax]


def my_connections(command: dict, caller: Caller, *, store, pool, vault) -> dict:
    """A page of the person's connections, in the order they began."""
    with pool.lock:
        keys, next_after = page_of(pool.connections_by_person.get(str(command["person_id"]), []),
                                   command["after"], command["limit"])
        items = []
        for _, connection_id in keys:
            connection = pool.connections[connection_id]
            items.append({"connection_id": connection_id, "peer_worker_id": connection["peer_worker_id"],
                          "active": connection["active"],
                          "display_name": _name(vault, pool.peer(connection["peer_worker_id"]))})
    store.record_access(caller, "my_connections", [(c["peer_worker_id"], "peer_worker", ["display_name"])
                                                   for c in items])
    return {"items": items, "next_after": next_after}


def peer_requests(command: dict, caller: Caller, *, store, pool) -> dict:
    """A page of the open choices waiting for this peer's answer, soonest deadline first: only what both
    shared, no name, no place."""
    answers, people = [], []
    with pool.lock:
        peer = pool.peers.get(str(command["peer_worker_id"]))
        open_ = pool.choices_by_peer.get(peer.id, ()) if peer is not None else ()
        waiting = sorted((pool.choices[choice_id]["deadline"], choice_id) for choice_id in open_
                         if pool.choices[choice_id]["person_id"] in pool.people)  # a few: the peer's places
        keys, next_after = page_of(waiting, command["after"], command["limit"])
        for deadline, choice_id in keys:
            person = pool.people[pool.choices[choice_id]["person_id"]]
            explained = pool.explain(person, peer)
            answers.append({"choice_id": choice_id, "deadline": deadline,
                            "shared_items": explained["shared_items"], "languages": explained["languages"],
                            "modalities": explained["modalities"]})
            people.append(person.id)
    store.record_access(caller, "peer_requests", [
        (person_id, "person", [name for name in ("shared_items", "languages", "modalities") if answer[name]])
        for person_id, answer in zip(people, answers)])
    return {"items": answers, "next_after": next_after}


def peer_connections(command: dict, caller: Caller, *, pool) -> dict:
    """A page of the peer worker's connections, in the order they began."""
    with pool.lock:
        keys, next_after = page_of(pool.connections_by_peer.get(str(command["peer_worker_id"]), []),
                                   command["after"], command["limit"])
        items = [{"connection_id": connection_id, "person_id": pool.connections[connection_id]["person_id"],
                  "active": pool.connections[connection_id]["active"]} for _, connection_id in keys]
    return {"items": items, "next_after": next_after}


def counts(command: dict, caller: Caller, *, pool) -> dict:
    """For reports: of one organization's peer workers (an agency admin's own), or of everyone."""
    organization_id = command["organization_id"]
    with pool.lock:
        def ours(peer_id):
            peer = pool.peers.get(peer_id)
            return organization_id is None or (peer is not None and organization_id in peer.organizations)

        figures = {
            "active_connections": sum(1 for c in pool.connections.values()
                                      if c["active"] and ours(c["peer_worker_id"])),
            "ended_connections": sum(1 for c in pool.connections.values()
                                     if not c["active"] and ours(c["peer_worker_id"])),
            "waiting_for_peer_answer": sum(1 for c in pool.choices.values() if ours(c["peer_worker_id"])),
            "peers_with_free_places": sum(1 for p in pool.peers.values()
                                          if p.listed and p.free > 0 and not p.paused and ours(p.id)),
        }
        if organization_id is None:
            figures["people_waiting"] = len(pool.waitlist)
            figures["offers_made"] = pool.offers_made
    return {name: suppressed(value) for name, value in figures.items()}
