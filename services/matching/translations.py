"""Stored event -> integration event (contracts in shared/contracts/matching.py).

Only pseudonymous ids, experience codes of peer workers (who shared them for
matching) and scores leave matching; nothing a person sealed crosses in clear.
"""
from services.matching.domain import Block, Candidate, Connection, Places, Seeker, Workforce
from shared import access


def _listed(event: Candidate.Listed):
    return "CandidateListed", {"peer_worker_id": event.originator_id, "organization_id": event.organization_id,
                               "shared_for_matching": event.shared_for_matching}


def _candidate(event):
    return "CandidateChanged", {"peer_worker_id": event.originator_id}


def _workforce(event):
    return "CandidateChanged", {"peer_worker_id": event.peer_worker_id}


def _person(type_):
    return lambda event: (type_, {"person_id": event.originator_id})


def _request(type_):
    return lambda event: (type_, {"person_id": event.originator_id, "request_id": event.request_id})


def _offered(event: Seeker.Offered):
    return "OffersMade", {"person_id": event.originator_id, "request_id": event.request_id,
                          "peer_worker_ids": [o["peer_worker_id"] for o in event.offers], "relaxed": event.relaxed}


def _chose(event: Seeker.Chose):
    return "PeerAsked", {"person_id": event.originator_id, "choice_id": event.choice_id,
                         "peer_worker_id": event.peer_worker_id, "deadline": event.deadline}


def _answer(type_):
    return lambda event: (type_, {"person_id": event.originator_id, "choice_id": event.choice_id})


def _places(event):
    return "PlacesChanged", {"peer_worker_id": event.peer_worker_id}


def _with_region(type_: str, body: dict, event):
    """Version 2 with the region; a connection stored before regions keeps its version 1 (digests stay)."""
    region = getattr(event, "region", None)
    return (type_, body) if region is None else (type_, {**body, "region": region}, 2)


def _began(event: Connection.Began):
    return _with_region("ConnectionBegan", {"connection_id": event.originator_id, "person_id": event.person_id,
                                            "peer_worker_id": event.peer_worker_id}, event)


def _ended(event: Connection.Ended):
    return _with_region("ConnectionEnded", {"connection_id": event.originator_id}, event)


def _blocked(event: Block.Recorded):
    return "PairBlocked", {"person_id": event.person_id, "peer_worker_id": event.peer_worker_id}


TRANSLATIONS = {
    Candidate.Listed: _listed,
    **{cls: _candidate for cls in (Candidate.ItemAdded, Candidate.ItemRemoved, Candidate.Touched,
                                   Candidate.AvailabilityChanged, Candidate.Paused, Candidate.Resumed)},
    **{cls: _workforce for cls in (Workforce.Opened, Workforce.Employed, Workforce.EmploymentEnded,
                                   Workforce.CredentialBlocked, Workforce.CredentialRenewed)},
    **{cls: _person("PersonMatchingUpdated") for cls in (Seeker.Registered, Seeker.Profiled, Seeker.ItemShared,
                                                         Seeker.ItemWithdrawn, Seeker.Liked)},
    Seeker.Cleared: _person("PersonMatchingCleared"),
    Seeker.RequestOpened: _request("OffersRequested"),
    Seeker.RequestClosed: _request("OfferRequestClosed"),
    Seeker.Waitlisted: _request("PersonWaitlisted"),
    Seeker.Offered: _offered,
    Seeker.Chose: _chose,
    Seeker.ChoiceAccepted: _answer("ChoiceAccepted"),
    Seeker.ChoiceDeclined: _answer("PersonToldPeerDeclined"),
    Seeker.ChoiceLapsed: _answer("PersonToldChoiceLapsed"),
    **{cls: _places for cls in (Places.Opened, Places.Held, Places.Released)},
    Connection.Began: _began,
    Connection.Ended: _ended,
    Block.Recorded: _blocked,
    **access.TRANSLATIONS,
}
