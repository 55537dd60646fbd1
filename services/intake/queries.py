"""What intake answers: a peer worker's profile, an invitation (a referral, a peer worker's), and
everything it holds about a person, for them ("nothing about us without us").

Handlers as in commands.py. An agency admin reading what their organization wrote about an
invitee records the access (shared.access); a person reading their own record is not recorded.
"""
from __future__ import annotations

from uuid import UUID

from services.intake.connections import Connection
from services.intake.invitations import PeerWorkerInvitation
from services.intake.people import Person, matching_view, visible_to
from services.intake.referrals import Referral
from shared import languages
from shared.errors import NotAllowed, NotFound
from shared.identity import Caller

SEALED_DETAILS = ("display_name", "contact", "region")
SEALED_LISTS = ("languages", "agencies")


def open_details(vault, person: Person) -> dict:
    details = person.details
    opened = {name: vault.open(details[name]) for name in SEALED_DETAILS}
    opened.update({name: [vault.open(v) for v in details[name]] for name in SEALED_LISTS})
    opened["languages"] = languages.codes(opened["languages"])  # names, if stored before codes
    opened["modalities"] = list(details["modalities"])
    return opened


def _open_view(vault, view: dict | None) -> dict | None:
    if view is None:
        return None
    opened = dict(view)
    for name in ("display_name", "region"):
        opened[name] = vault.open(view[name])
    for name in ("languages", "agencies", "shared_for_matching"):
        opened[name] = [vault.open(v) for v in view[name]]
    opened["languages"] = languages.codes(opened["languages"])
    return opened


# -- peer workers ------------------------------------------------------------------------------------
def peer_worker_profile(command: dict, caller: Caller, *, store, vault) -> dict:
    """The profile as intake holds it: for the peer worker themself (the access table lets a peer read only
    their own), or their organization's admin, who does not see the items kept private."""
    profile = store.profile(command["peer_worker_id"])
    own = caller.role in ("system", "peer")
    if not own:
        if caller.organization_id != profile.organization_id:
            raise NotAllowed("a peer worker's profile is for themselves and their organization's admin")
        store.record_access(caller, "peer_worker_profile", [(profile.id, "peer_worker", ["display_name"])])
    items = sorted((e, v) for e, v in profile.experiences.items() if own or v != "private")
    return {
        "peer_worker_id": str(profile.id),
        "display_name": vault.open(profile.display_name),
        "organization_id": profile.organization_id,
        "experiences": [{"experience": e, "visibility": v} for e, v in items],
        "availability": profile.availability and {**profile.availability,
                                                  "languages": languages.codes(profile.availability["languages"])},
        "paused": profile.paused,
        "work_contact": open_work_contact(vault, profile),
    }


def open_work_contact(vault, profile) -> dict:
    """How people connected with the peer worker reach them: their own work phone or email, or (by default)
    what their organization publishes in the directory."""
    if not profile.work_contact:
        return {"use": "organization", "organization_id": profile.organization_id, "phone": None, "email": None}
    return {"use": "own", "organization_id": profile.organization_id,
            **{name: vault.open(token) if token else None for name, token in profile.work_contact.items()}}


# -- once connected: how to reach the other side --------------------------------------------------------
CONTACT_FIELDS = ("display_name", "contact")  # what a person may give the peer worker they are connected with


def connection_contact(command: dict, caller: Caller, *, store, vault, clock) -> dict:
    """How the caller reaches the other side of their connection, while it lasts: to the peer worker, what
    the person's consent lets `connected_peer` see (each read with any field is a line of the person's
    disclosure log); to the person, the peer worker's work contact."""
    connection_id = command["connection_id"]
    missing = f"no connection {connection_id} for you"
    connection = store.held(connection_id, Connection, missing)
    side = "person" if caller.role == "system" else connection.side(caller.user_id)
    if side is None or (caller.role == "peer") != (side == "peer_worker"):
        raise NotFound(missing)
    answer = {"connection_id": str(connection.id), "active": connection.active, "contact": None}
    if not connection.active:
        return answer
    if side == "peer_worker":
        answer["contact"] = _persons_contact(store, vault, clock, connection, caller)
    else:
        contact = open_work_contact(vault, store.profile(UUID(connection.peer_worker_id)))
        if contact["use"] == "own":
            store.record_access(caller, "connection_contact",
                                [(connection.peer_worker_id, "peer_worker", ["work_contact"])])
        answer["contact"] = contact
    return answer


def _persons_contact(store, vault, clock, connection: Connection, caller: Caller) -> dict | None:
    person = store.person(UUID(connection.person_id))
    allowed = visible_to(person.consent, "connected_peer", clock())  # none once revoked, lapsed or forgotten
    if person.forgotten or not any(name in allowed for name in CONTACT_FIELDS):
        return None
    shown = {name: vault.open(person.details[name]) if name in allowed and person.details.get(name) else None
             for name in CONTACT_FIELDS}
    given = [name for name, value in shown.items() if value is not None]
    if not given:
        return None
    person.record_disclosure({"user_id": caller.user_id, "role": caller.role,
                              "organization_id": caller.organization_id}, "connected_peer", given, caller.as_actor())
    store.save(person)
    return {"use": "person", **shown}


# -- invitations: the invitee with the secret, or the inviting organization's admin --------------------
def invitation_missing(invitation_id: UUID) -> str:
    return f"no peer worker invitation {invitation_id}"


def admins_invitation(store, invitation_id: UUID, caller: Caller) -> PeerWorkerInvitation:
    invitation = store.held(invitation_id, PeerWorkerInvitation, invitation_missing(invitation_id))
    if caller.role != "agency_admin" or caller.organization_id != invitation.organization_id:
        raise NotFound(invitation_missing(invitation_id))  # another organization's: not even that it exists
    return invitation


def _record_invitee_read(store, vault, invitation, caller: Caller, via: str, fields: list[str]) -> None:
    """What the organization wrote about its invitee, while the invitation is open (its key is destroyed
    once answered or expired): the invitee is nobody in intake yet, so the access log only."""
    if not vault.is_forgotten(str(invitation.id)):
        store.record_access(caller, via, [(invitation.id, "invitee", fields)])


def peer_worker_invitation(command: dict, caller: Caller, *, store, vault) -> dict:
    """For the invitee (a peer, with the secret) or the inviting organization's admin."""
    invitation_id = command["invitation_id"]
    if caller.role == "peer":
        invitation = store.opened(invitation_id, PeerWorkerInvitation, command["invitation_secret"],
                                  invitation_missing(invitation_id))
    else:
        invitation = admins_invitation(store, invitation_id, caller)
        _record_invitee_read(store, vault, invitation, caller, "peer_worker_invitation", ["display_name"])
    return {"invitation_id": str(invitation.id), "organization_id": invitation.organization_id,
            "display_name": vault.open(invitation.display_name), "status": invitation.status,
            "expires_at": invitation.expires_at,
            "peer_worker_id": str(invitation.peer_worker_id) if invitation.peer_worker_id else None}


def referral(command: dict, caller: Caller, *, store, vault) -> dict:
    referral_id = command["referral_id"]
    missing = f"no referral {referral_id}"
    if caller.role == "person":  # the invitee, holding the invitation: who invited them and until when
        held = store.opened(referral_id, Referral, command["invitation_secret"], missing)
        return {"referral_id": str(held.id), "organization_id": held.organization_id,
                "status": held.status, "expires_at": held.expires_at}
    held = store.held(referral_id, Referral, missing)
    if caller.organization_id != held.organization_id:
        raise NotFound(missing)  # another organization's: not even that it exists
    _record_invitee_read(store, vault, held, caller, "referral", ["contact", "display_name"])
    return {"referral_id": str(held.id), "organization_id": held.organization_id,
            "status": held.status, "expires_at": held.expires_at,
            "display_name": vault.open(held.invitee["display_name"]),
            "contact": vault.open(held.invitee["contact"]),
            "person_id": str(held.person_id) if held.person_id else None}


# -- nothing about us without us -----------------------------------------------------------------------
def person_record(command: dict, caller: Caller, *, store, vault, clock) -> dict:
    """Everything intake holds about the person, for them, as plain JSON (forgotten or not)."""
    person = store.person(command["person_id"])
    events = list(store.repository.event_store.get(person.id))
    opened_view = matching_view(person.details, person.items, person.consent, clock())
    return {
        "person_id": str(person.id),
        "forgotten": person.forgotten,
        "enrolled_at": person.created_on.isoformat(),
        "details": open_details(vault, person),
        "referral_id": str(person.referral_id) if person.referral_id else None,
        "consent": person.consent,
        "consent_history": person.consents,
        "experiences": sorted(({"experience": vault.open(i), "visibility": v}
                               for i, v in person.items.items()), key=lambda e: e["experience"]),
        "support_requests": [{"request_id": request_id, "hopes": vault.open(r["hopes"]),
                              "expires_at": r["expires_at"], "status": r["status"]}
                             for request_id, r in person.requests.items()],
        "what_matching_may_use": _open_view(vault, opened_view),
        "disclosures": [disclosure_line(e) for e in events if isinstance(e, Person.Disclosed)],
        "history": [{"at": e.timestamp.isoformat(), "event": type(e).__name__,
                     "by": {"role": e.actor["role"], "user_id": e.actor["user_id"]}} for e in events],
    }


def disclosure_line(event: Person.Disclosed) -> dict:
    return {"at": event.timestamp.isoformat(), "to": event.recipient, "audience": event.audience,
            "fields": event.fields}


def disclosures(command: dict, caller: Caller, *, store) -> dict:
    """One page of the person's disclosure log, oldest first, read from their own events after the last line
    shown (`after`, that event's version): a page costs its own events, however long the log grows. Like
    their record, the person's own read is not recorded."""
    person_id, limit = command["person_id"], command["limit"]
    if not isinstance(next(iter(store.events.get(person_id, limit=1)), None), Person.Event):
        raise NotFound(f"no person {person_id}")
    found, version = [], command["after"]
    while len(found) <= limit:  # one line more than the page says whether another page follows
        wanted = limit + 1 - len(found)
        events = list(store.events.get(person_id, gt=version, limit=wanted))
        found += [event for event in events if isinstance(event, Person.Disclosed)]
        if len(events) < wanted:
            break
        version = events[-1].originator_version
    shown = found[:limit]
    return {"items": [disclosure_line(event) for event in shown],
            "next_after": shown[-1].originator_version if len(found) > limit else None}
