"""Intake's commands: peer workers' profiles, availability and invitations; people's enrollment,
referrals, details, items, consent, support requests, disclosures and forgetting; what time does.

Each handler gets the command already admitted by intake's access table
(shared/contracts/commands/intake.py: roles, a person only for themselves, a peer worker only
for their own profile, an agency admin only for their own organization) and, by keyword, what it
needs: `store` (the IntakeApplication: aggregates and saving), `vault`, `clock`, `due` (the
projection of what falls due). It stores nothing when it refuses.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from services.intake.domain import PeerWorkerProfile, UnknownExperience
from services.intake.invitations import PeerWorkerInvitation
from services.intake.people import Forgotten, Person, Refused, visible_to
from services.intake.projections import DueIndex
from services.intake.queries import SEALED_DETAILS, SEALED_LISTS, admins_invitation, invitation_missing, open_details
from services.intake.referrals import Invitation, Referral, new_secret
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.identity import Caller

REQUEST_LIFETIME = timedelta(days=30)
INVITATION_LIFETIME = timedelta(days=14)


@contextmanager
def refusals():
    """The domain's refusals as InvalidInput naming the field (NotFound once forgotten)."""
    try:
        yield
    except Refused as error:
        raise InvalidInput({error.field: [str(error)]}) from None
    except Forgotten as error:
        raise NotFound(str(error)) from None


def invitation_expiry(requested: datetime | None, now: datetime) -> datetime:
    """When an invitation made now closes: as asked, or after INVITATION_LIFETIME."""
    expires_at = requested or now + INVITATION_LIFETIME
    if expires_at <= now:
        raise InvalidInput({"expires_at": ["must be in the future"]})
    return expires_at


def seal_optional(vault, subject: str, value: str | None) -> str | None:
    return None if value is None else vault.seal(subject, value)


def seal_details(vault, person_id: UUID, values: dict) -> dict:
    subject, sealed = str(person_id), {}
    for name in SEALED_DETAILS:
        if name in values:
            sealed[name] = seal_optional(vault, subject, values[name])
    for name in SEALED_LISTS:
        if name in values:
            sealed[name] = [vault.seal(subject, value) for value in values[name]]
    if "modalities" in values:
        sealed["modalities"] = sorted(set(values["modalities"]))
    return sealed


def held_consent(consent: dict) -> dict:
    return {"purpose": consent["purpose"],
            "may_see": {audience: sorted(set(names)) for audience, names in consent["may_see"].items()},
            "expires_at": consent["expires_at"].isoformat() if consent["expires_at"] else None}


# -- peer workers' profiles --------------------------------------------------------------------
def record_peer_worker_profile(command: dict, caller: Caller, *, store, vault) -> str:
    experiences = {}
    for index, item in enumerate(command["experiences"]):
        if item["experience"] in experiences:
            raise InvalidInput({"experiences": {index: ["the same experience is listed twice"]}})
        experiences[item["experience"]] = item["visibility"]
    peer_worker_id = command["peer_worker_id"]
    if store.exists(peer_worker_id):
        raise InvalidInput({"peer_worker_id": ["a profile with this id already exists"]})
    profile = PeerWorkerProfile(
        peer_worker_id=peer_worker_id,
        display_name=vault.seal(str(peer_worker_id), command["display_name"]),
        organization_id=command["organization_id"],
        experiences=experiences,
        actor=caller.as_actor(),
    )
    store.save(profile)
    return str(profile.id)


def share_experience(command: dict, caller: Caller, *, store) -> None:
    profile = store.profile(command["peer_worker_id"])
    profile.share_experience(command["experience"], command["visibility"], caller.as_actor())
    store.save(profile)


def withdraw_experience(command: dict, caller: Caller, *, store) -> None:
    profile = store.profile(command["peer_worker_id"])
    try:
        profile.withdraw_experience(command["experience"], caller.as_actor())
    except UnknownExperience as error:
        raise InvalidInput({"experience": [str(error)]}) from None
    store.save(profile)


# -- peer workers' availability: set by themselves, never assigned -------------------------------
def set_availability(command: dict, caller: Caller, *, store) -> None:
    profile = store.profile(command.pop("peer_worker_id"))
    profile.set_availability(command, caller.as_actor())
    store.save(profile)


def pause_availability(command: dict, caller: Caller, *, store) -> None:
    profile = store.profile(command["peer_worker_id"])
    profile.pause(caller.as_actor())
    store.save(profile)


def resume_availability(command: dict, caller: Caller, *, store) -> None:
    profile = store.profile(command["peer_worker_id"])
    profile.resume(caller.as_actor())
    store.save(profile)


def set_work_contact(command: dict, caller: Caller, *, store, vault) -> None:
    """Their own work phone or email (sealed under their key, never published), or their organization's."""
    profile = store.profile(command["peer_worker_id"])
    subject = str(profile.id)
    contact = None if command["use"] == "organization" else {
        name: seal_optional(vault, subject, command[name]) for name in ("phone", "email")}
    held = profile.work_contact
    if contact is not None and held is not None and all(
            (vault.open(held[name]) if held[name] else None) == command[name] for name in ("phone", "email")):
        return  # the same contact again: the tokens differ, nothing changes
    profile.set_work_contact(contact, caller.as_actor())
    store.save(profile)


# -- peer workers' invitations: nobody types a peer worker's id -----------------------------------
# The invitation's secret is answered once to the admin and stored only as its digest; a peer without
# it gets the same NotFound as for an invitation that does not exist.
def invite_peer_worker(command: dict, caller: Caller, *, store, vault, clock) -> dict:
    """The invitation's id, and its secret: answered this once, stored only as a digest."""
    invitation_id, now = command["invitation_id"], clock()
    if store.exists(invitation_id):
        raise InvalidInput({"invitation_id": ["an invitation with this id already exists"]})
    expires_at = invitation_expiry(command["expires_at"], now)
    secret, digest = new_secret()
    invitation = PeerWorkerInvitation(
        invitation_id=invitation_id, organization_id=command["organization_id"],
        display_name=vault.seal(str(invitation_id), command["display_name"]),
        expires_at=expires_at.isoformat(), secret_digest=digest, actor=caller.as_actor())
    store.save(invitation)
    return {"invitation_id": str(invitation.id), "invitation_secret": secret}


def accept_peer_worker_invitation(command: dict, caller: Caller, *, store, vault, clock) -> str:
    """The caller's own user id becomes their profile's id, under the inviting organization."""
    invitation_id = command["invitation_id"]
    invitation = store.opened(invitation_id, PeerWorkerInvitation, command["invitation_secret"],
                              invitation_missing(invitation_id))
    try:
        peer_worker_id = UUID(caller.user_id)
    except ValueError:
        raise InvalidInput({"peer_worker_id": ["this sign-in gives no peer worker id"]}) from None
    now = clock()
    with refusals():  # a closed invitation is refused before anything else is said
        invitation.check_pending(now)
    if store.exists(peer_worker_id):
        raise InvalidInput({"peer_worker_id": ["you already have a peer worker profile"]})
    invitation.accept(peer_worker_id, now, caller.as_actor())
    profile = PeerWorkerProfile(
        peer_worker_id=peer_worker_id,
        display_name=vault.seal(str(peer_worker_id), vault.open(invitation.display_name)),
        organization_id=invitation.organization_id, experiences={}, actor=caller.as_actor())
    store.save(profile, invitation)
    vault.forget(str(invitation.id))  # the name now lives under the peer worker's own key
    return str(peer_worker_id)


def withdraw_peer_worker_invitation(command: dict, caller: Caller, *, store, vault, clock) -> None:
    invitation = admins_invitation(store, command["invitation_id"], caller)
    with refusals():
        invitation.withdraw(clock(), caller.as_actor())
    store.save(invitation)
    vault.forget(str(invitation.id))


# -- people: enrollment and referrals --------------------------------------------------------------
def _new_person(store, vault, clock, command: dict, referral_id: UUID | None, caller: Caller) -> Person:
    person_id = command["person_id"]
    if store.exists(person_id):
        raise InvalidInput({"person_id": ["already enrolled"]})
    return Person.enroll(person_id=person_id, details=seal_details(vault, person_id, command),
                         consent=held_consent(command["consent"]), referral_id=referral_id,
                         now=clock(), actor=caller.as_actor())


def enroll(command: dict, caller: Caller, *, store, vault, clock) -> str:
    person = _new_person(store, vault, clock, command, None, caller)
    store.save(person)
    return str(person.id)


def refer_person(command: dict, caller: Caller, *, store, vault, clock) -> dict:
    """The referral's id, and the invitation's secret: answered this once, stored only as a digest."""
    if not caller.organization_id:
        raise NotAllowed("only an agency admin, for their own organization, may refer a person")
    referral_id, now = command["referral_id"], clock()
    if store.exists(referral_id):
        raise InvalidInput({"referral_id": ["a referral with this id already exists"]})
    expires_at = invitation_expiry(command["expires_at"], now)
    subject = str(referral_id)
    invitee = {"display_name": vault.seal(subject, command["display_name"]),
               "contact": seal_optional(vault, subject, command["contact"])}
    secret, digest = new_secret()
    referral = Referral(referral_id=referral_id, organization_id=caller.organization_id, invitee=invitee,
                        expires_at=expires_at.isoformat(), actor=caller.as_actor(), secret_digest=digest)
    store.save(referral)
    return {"referral_id": str(referral.id), "invitation_secret": secret}


def _invitation(store, referral_id: UUID, secret: str | None) -> Referral:
    return store.opened(referral_id, Referral, secret, f"no referral {referral_id}")


def accept_referral(command: dict, caller: Caller, *, store, vault, clock) -> str:
    """The person agrees: only now do they enroll, with details of their own."""
    referral = _invitation(store, command["referral_id"], command["invitation_secret"])
    if store.exists(command["person_id"]):
        raise InvalidInput({"person_id": ["already enrolled"]})
    with refusals():  # before anything is sealed for the person
        referral.accept(command["person_id"], clock(), caller.as_actor())
    person = _new_person(store, vault, clock, command, referral.id, caller)
    store.save(person, referral)
    vault.forget(str(referral.id))  # what the agency wrote is no longer needed
    return str(person.id)


def decline_referral(command: dict, caller: Caller, *, store, vault, clock) -> None:
    referral = _invitation(store, command["referral_id"], command["invitation_secret"])
    with refusals():
        referral.decline(clock(), caller.as_actor())
    store.save(referral)
    vault.forget(str(referral.id))


# -- people: details and lived experience ---------------------------------------------------------
def living_person(store, person_id: UUID) -> Person:
    """The person, unless they asked to be forgotten (their record alone is still theirs to read)."""
    person = store.person(person_id)
    if person.forgotten:
        raise NotFound(str(Forgotten()))
    return person


def change_details(command: dict, caller: Caller, *, store, vault, clock) -> None:
    person = living_person(store, command.pop("person_id"))
    current = open_details(vault, person)
    changes = {name: value for name, value in command.items() if current.get(name) != value}
    with refusals():
        person.change_details(seal_details(vault, person.id, changes), clock(), caller.as_actor())
    store.save(person)


def _item(vault, person: Person, experience: str) -> str | None:
    """The sealed item the person holds for an experience code, if any."""
    return next((item for item in person.items if vault.open(item) == experience), None)


def share_person_experience(command: dict, caller: Caller, *, store, vault, clock) -> None:
    person = living_person(store, command["person_id"])
    item = _item(vault, person, command["experience"]) or vault.seal(str(person.id), command["experience"])
    with refusals():
        person.share_experience(item, command["visibility"], clock(), caller.as_actor())
    store.save(person)


def withdraw_person_experience(command: dict, caller: Caller, *, store, vault, clock) -> None:
    person = living_person(store, command["person_id"])
    item = _item(vault, person, command["experience"])
    if item is None:
        raise InvalidInput({"experience": ["you have not shared this item"]})
    with refusals():
        person.withdraw_experience(item, clock(), caller.as_actor())
    store.save(person)


# -- people: consent ----------------------------------------------------------------------------------
def grant_consent(command: dict, caller: Caller, *, store, clock) -> None:
    """Grants a consent, or changes the one in force."""
    person = living_person(store, command["person_id"])
    with refusals():
        person.grant_consent(held_consent(command["consent"]), clock(), caller.as_actor())
    store.save(person)


def revoke_consent(command: dict, caller: Caller, *, store) -> None:
    person = living_person(store, command["person_id"])
    with refusals():
        person.revoke_consent(caller.as_actor())
    store.save(person)


# -- people: support requests ------------------------------------------------------------------------
def request_support(command: dict, caller: Caller, *, store, vault, clock) -> str:
    person = living_person(store, command["person_id"])
    now = clock()
    request_id = str(command["request_id"])
    if request_id in person.requests:
        raise InvalidInput({"request_id": ["a request with this id already exists"]})
    hopes = seal_optional(vault, str(person.id), command["hopes"])
    with refusals():
        person.request_support(request_id, hopes, command["expires_at"] or now + REQUEST_LIFETIME, now,
                               caller.as_actor())
    store.save(person)
    return request_id


def withdraw_support_request(command: dict, caller: Caller, *, store) -> None:
    person = living_person(store, command["person_id"])
    with refusals():
        person.withdraw_request(str(command["request_id"]), caller.as_actor())
    store.save(person)


# -- disclosures: every time someone else gets the person's fields ---------------------------------
def disclose_person(command: dict, caller: Caller, *, store, vault, clock) -> dict:
    """The fields the person's consent lets `audience` see, logged as a disclosure."""
    person = store.person(command["person_id"])
    audience = command["audience"]
    if caller.role == "agency_admin" and (
            audience != "referring_agency" or not _referred_by(store, person, caller.organization_id)):
        raise NotFound(f"no person {person.id} referred by your organization")
    allowed = visible_to(person.consent, audience, clock())
    shown = {name: value for name, value in open_details(vault, person).items() if name in allowed}
    if "experiences" in allowed:
        shown["experiences"] = sorted(vault.open(i) for i, v in person.items.items() if v == "matching")
    if shown:
        recipient = command["recipient"] or {"user_id": caller.user_id, "role": caller.role,
                                             "organization_id": caller.organization_id}
        person.record_disclosure(recipient, audience, list(shown), caller.as_actor())
        store.save(person)
    return {"person_id": str(person.id), "audience": audience, "fields": shown}


def _referred_by(store, person: Person, organization_id: str | None) -> bool:
    return person.referral_id is not None and store.held(
        person.referral_id, Referral, f"no referral {person.referral_id}").organization_id == organization_id


# -- forget me ----------------------------------------------------------------------------------------
def forget_me(command: dict, caller: Caller, *, store, vault) -> None:
    """Destroy the person's key: their fields read "forgotten" everywhere; events stay."""
    person = store.person(command["person_id"])
    if not person.forgotten:
        person.forget(caller.as_actor())
        store.save(person)
    vault.forget(str(person.id))  # again, harmlessly, if a first attempt stopped short


def forget_listed(command: dict, caller: Caller, *, store, vault, forgotten) -> dict:
    """People forgotten after the backup a restore brought back are forgotten here again.

    The restore destroyed their keys again (shared.forgotten), but intake's record of their
    forgetting came after the backup: recording it again tells matching and the others, as
    the first time did. Run at start; a person already forgotten changes nothing.
    """
    again = 0
    for subject_id in forgotten.ids():
        try:
            person = store.held(UUID(subject_id), Person, "")
        except (ValueError, NotFound):
            continue  # a peer worker's or an invitation's key, or nobody intake holds
        if not person.forgotten:
            person.forget(caller.as_actor())
            store.save(person)
            again += 1
        vault.forget(subject_id)
    return {"forgotten_again": again}


# -- what time does by itself: consents lapse, support requests and invitations expire -------------
def expire_due(command: dict, caller: Caller, *, store, vault, clock, due: DueIndex) -> dict:
    """Apply every expiry due by `now` (the clock's, unless given); how many it published of each type."""
    now = command["now"] or clock()
    due.catch_up(store)
    actor = Caller.system(store.service).as_actor()
    counts: dict[str, int] = {}
    for aggregate_id in [i for i, when in due.due.items() if when <= now]:
        aggregate: Person | Referral | PeerWorkerInvitation = store.repository.get(aggregate_id)
        aggregate.expire(now, actor)
        pending = list(aggregate.pending_events)
        if not pending:
            due.update(aggregate)
            continue
        try:
            store.save(aggregate)
        except IntegrityError:
            continue  # another instance or a command got there first: looked at again next time
        if isinstance(aggregate, Invitation):  # what the organization wrote is no longer needed
            vault.forget(str(aggregate.id))
        for event in pending:
            published_as = store.translations[type(event)](event)[0]
            counts[published_as] = counts.get(published_as, 0) + 1
        due.update(aggregate)
    return counts
