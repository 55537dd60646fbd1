"""People in intake: enrollment, referrals, lived-experience items, consent,
support requests, the person's own export, disclosures, and forgetting.

A person sees and changes only their own records (their user id is their
person id); an agency admin sees only the referrals their organization made.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from services.intake.people import Forgotten, Person, Refused, matching_view, visible_to
from services.intake.referrals import Referral, new_secret
from shared import languages
from shared.contracts.commands import intake as schemas
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.identity import Caller
from shared.schemas import load

REQUEST_LIFETIME = timedelta(days=30)
INVITATION_LIFETIME = timedelta(days=14)
SEALED_DETAILS = ("display_name", "contact", "region")
SEALED_LISTS = ("languages", "agencies")


def check_is_person(person_id: UUID, caller: Caller) -> None:
    if caller.role != "person" or caller.user_id != str(person_id):
        raise NotAllowed("a person may see and change only their own records")


def refused(error: Refused) -> InvalidInput:
    return InvalidInput({error.field: [str(error)]})


def invitation_expiry(requested: datetime | None, now: datetime) -> datetime:
    """When an invitation made now closes: as asked, or after INVITATION_LIFETIME."""
    expires_at = requested or now + INVITATION_LIFETIME
    if expires_at <= now:
        raise InvalidInput({"expires_at": ["must be in the future"]})
    return expires_at


class PeopleCommands:
    """Mixed into IntakeApplication (which gives repository, vault, save)."""

    def clock(self) -> datetime:
        return datetime.now(timezone.utc)

    # -- enrollment and referrals ----------------------------------------------------------
    def enroll(self, payload: dict, caller: Caller) -> UUID:
        command = load(schemas.Enroll(), payload)
        check_is_person(command["person_id"], caller)
        person = self._new_person(command, None, caller)
        self.save(person)
        return person.id

    def refer_person(self, payload: dict, caller: Caller) -> dict:
        """The referral's id, and the invitation's secret: answered this once, stored only as a digest."""
        command = load(schemas.ReferPerson(), payload)
        if caller.role != "agency_admin" or not caller.organization_id:
            raise NotAllowed("only an agency admin, for their own organization, may refer a person")
        referral_id, now = command["referral_id"], self.clock()
        if self._exists(referral_id):
            raise InvalidInput({"referral_id": ["a referral with this id already exists"]})
        expires_at = invitation_expiry(command["expires_at"], now)
        subject = str(referral_id)
        invitee = {"display_name": self.vault.seal(subject, command["display_name"]),
                   "contact": self._seal_optional(subject, command["contact"])}
        secret, digest = new_secret()
        referral = Referral(referral_id=referral_id, organization_id=caller.organization_id, invitee=invitee,
                            expires_at=expires_at.isoformat(), actor=caller.as_actor(), secret_digest=digest)
        self.save(referral)
        return {"referral_id": referral.id, "invitation_secret": secret}

    def accept_referral(self, payload: dict, caller: Caller) -> UUID:
        """The person agrees: only now do they enroll, with details of their own."""
        command = load(schemas.AcceptReferral(), payload)
        check_is_person(command["person_id"], caller)
        referral = self._invitation(command["referral_id"], command["invitation_secret"])
        if self._exists(command["person_id"]):
            raise InvalidInput({"person_id": ["already enrolled"]})
        with refusals():  # before anything is sealed for the person
            referral.accept(command["person_id"], self.clock(), caller.as_actor())
        person = self._new_person(command, referral.id, caller)
        self.save(person, referral)
        self.vault.forget(str(referral.id))  # what the agency wrote is no longer needed
        return person.id

    def decline_referral(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.DeclineReferral(), payload)
        referral = self._invitation(command["referral_id"], command["invitation_secret"])
        with refusals():
            referral.decline(self.clock(), caller.as_actor())
        self.save(referral)
        self.vault.forget(str(referral.id))

    def referral(self, referral_id: UUID, caller: Caller, invitation_secret: str | None = None) -> dict:
        if caller.role == "person":  # the invitee, holding the invitation: who invited them and until when
            referral = self._invitation(referral_id, invitation_secret)
            return {"referral_id": str(referral.id), "organization_id": referral.organization_id,
                    "status": referral.status, "expires_at": referral.expires_at}
        referral = self._referral(referral_id)
        summary = {"referral_id": str(referral.id), "organization_id": referral.organization_id,
                   "status": referral.status, "expires_at": referral.expires_at}
        if caller.role != "agency_admin" or caller.organization_id != referral.organization_id:
            raise NotFound(f"no referral {referral_id}")  # another organization's: not even that it exists
        self._record_invitee_read(referral, caller, "referral", ["contact", "display_name"])
        return {**summary,
                "display_name": self.vault.open(referral.invitee["display_name"]),
                "contact": self.vault.open(referral.invitee["contact"]),
                "person_id": str(referral.person_id) if referral.person_id else None}

    def _record_invitee_read(self, invitation, caller: Caller, via: str, fields: list[str]) -> None:
        """What the organization wrote about its invitee, while the invitation is open (its key is destroyed
        once answered or expired): the invitee is nobody in intake yet, so the access log only."""
        if not self.vault.is_forgotten(str(invitation.id)):
            self.record_access(caller, via, [(invitation.id, "invitee", fields)])

    def _new_person(self, command: dict, referral_id: UUID | None, caller: Caller) -> Person:
        person_id = command["person_id"]
        if self._exists(person_id):
            raise InvalidInput({"person_id": ["already enrolled"]})
        return Person.enroll(person_id=person_id, details=self._seal_details(person_id, command),
                             consent=self._consent(command["consent"]), referral_id=referral_id,
                             now=self.clock(), actor=caller.as_actor())

    # -- details and lived experience ---------------------------------------------------------
    def change_details(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.ChangeDetails(), payload)
        person = self._own_person(command.pop("person_id"), caller)
        current = self._open_details(person)
        changes = {name: value for name, value in command.items() if current.get(name) != value}
        with refusals():
            person.change_details(self._seal_details(person.id, changes), self.clock(), caller.as_actor())
        self.save(person)

    def share_person_experience(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.SharePersonExperience(), payload)
        person = self._own_person(command["person_id"], caller)
        item = self._item(person, command["experience"]) or self.vault.seal(str(person.id), command["experience"])
        with refusals():
            person.share_experience(item, command["visibility"], self.clock(), caller.as_actor())
        self.save(person)

    def withdraw_person_experience(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.WithdrawPersonExperience(), payload)
        person = self._own_person(command["person_id"], caller)
        item = self._item(person, command["experience"])
        if item is None:
            raise InvalidInput({"experience": ["you have not shared this item"]})
        with refusals():
            person.withdraw_experience(item, self.clock(), caller.as_actor())
        self.save(person)

    # -- consent ---------------------------------------------------------------------------------
    def grant_consent(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.GrantConsent(), payload)
        person = self._own_person(command["person_id"], caller)
        with refusals():
            person.grant_consent(self._consent(command["consent"]), self.clock(), caller.as_actor())
        self.save(person)

    def revoke_consent(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.PersonRef(), payload)
        person = self._own_person(command["person_id"], caller)
        with refusals():
            person.revoke_consent(caller.as_actor())
        self.save(person)

    # -- support requests ---------------------------------------------------------------------
    def request_support(self, payload: dict, caller: Caller) -> UUID:
        command = load(schemas.RequestSupport(), payload)
        person = self._own_person(command["person_id"], caller)
        now = self.clock()
        request_id = str(command["request_id"])
        if request_id in person.requests:
            raise InvalidInput({"request_id": ["a request with this id already exists"]})
        hopes = self._seal_optional(str(person.id), command["hopes"])
        with refusals():
            person.request_support(request_id, hopes, command["expires_at"] or now + REQUEST_LIFETIME, now,
                                   caller.as_actor())
        self.save(person)
        return command["request_id"]

    def withdraw_support_request(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.SupportRequestRef(), payload)
        person = self._own_person(command["person_id"], caller)
        with refusals():
            person.withdraw_request(str(command["request_id"]), caller.as_actor())
        self.save(person)

    # -- disclosures: every time someone else gets the person's fields -----------------------
    def disclose_person(self, payload: dict, caller: Caller) -> dict:
        """The fields the person's consent lets `audience` see, logged as a disclosure."""
        command = load(schemas.DisclosePerson(), payload)
        if caller.role not in ("system", "agency_admin"):
            raise NotAllowed("only the system or the referring agency may ask for a person's details")
        person = self._person(command["person_id"])
        audience = command["audience"]
        if caller.role == "agency_admin" and (
                audience != "referring_agency" or not self._referred_by(person, caller.organization_id)):
            raise NotFound(f"no person {person.id} referred by your organization")
        allowed = visible_to(person.consent, audience, self.clock())
        shown = {name: value for name, value in self._open_details(person).items() if name in allowed}
        if "experiences" in allowed:
            shown["experiences"] = sorted(self.vault.open(i) for i, v in person.items.items() if v == "matching")
        if shown:
            recipient = command["recipient"] or {"user_id": caller.user_id, "role": caller.role,
                                                 "organization_id": caller.organization_id}
            person.record_disclosure(recipient, audience, list(shown), caller.as_actor())
            self.save(person)
        return {"person_id": str(person.id), "audience": audience, "fields": shown}

    # -- nothing about us without us ------------------------------------------------------------
    def person_record(self, person_id: UUID, caller: Caller) -> dict:
        """Everything intake holds about the person, for them, as plain JSON."""
        person = self._own_person(person_id, caller, allow_forgotten=True)
        events = list(self.repository.event_store.get(person.id))
        opened_view = matching_view(person.details, person.items, person.consent, self.clock())
        return {
            "person_id": str(person.id),
            "forgotten": person.forgotten,
            "enrolled_at": person.created_on.isoformat(),
            "details": self._open_details(person),
            "referral_id": str(person.referral_id) if person.referral_id else None,
            "consent": person.consent,
            "consent_history": person.consents,
            "experiences": sorted(({"experience": self.vault.open(i), "visibility": v}
                                   for i, v in person.items.items()), key=lambda e: e["experience"]),
            "support_requests": [{"request_id": request_id, "hopes": self.vault.open(r["hopes"]),
                                  "expires_at": r["expires_at"], "status": r["status"]}
                                 for request_id, r in person.requests.items()],
            "what_matching_may_use": self._open_view(opened_view),
            "disclosures": [{"at": e.timestamp.isoformat(), "to": e.recipient, "audience": e.audience,
                             "fields": e.fields} for e in events if isinstance(e, Person.Disclosed)],
            "history": [{"at": e.timestamp.isoformat(), "event": type(e).__name__,
                         "by": {"role": e.actor["role"], "user_id": e.actor["user_id"]}} for e in events],
        }

    # -- forget me ------------------------------------------------------------------------------------
    def forget_me(self, payload: dict, caller: Caller) -> None:
        """Destroy the person's key: their fields read "forgotten" everywhere; events stay."""
        command = load(schemas.PersonRef(), payload)
        person = self._own_person(command["person_id"], caller, allow_forgotten=True)
        if not person.forgotten:
            person.forget(caller.as_actor())
            self.save(person)
        self.vault.forget(str(person.id))  # again, harmlessly, if a first attempt stopped short

    # -- helpers --------------------------------------------------------------------------------------
    def _own_person(self, person_id: UUID, caller: Caller, allow_forgotten: bool = False) -> Person:
        check_is_person(person_id, caller)
        person = self._person(person_id)
        if person.forgotten and not allow_forgotten:
            raise NotFound(str(Forgotten()))
        return person

    def _person(self, person_id: UUID) -> Person:
        try:
            person = self.repository.get(person_id)
        except AggregateNotFoundError:
            person = None
        if not isinstance(person, Person):
            raise NotFound(f"no person {person_id}")
        return person

    def _referral(self, referral_id: UUID) -> Referral:
        return self._held(referral_id, Referral, f"no referral {referral_id}")

    def _invitation(self, referral_id: UUID, secret: str | None) -> Referral:
        return self._opened(referral_id, Referral, secret, f"no referral {referral_id}")

    def _held(self, aggregate_id: UUID, kind: type, missing: str):
        try:
            found = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            found = None
        if not isinstance(found, kind):
            raise NotFound(missing)
        return found

    def _opened(self, aggregate_id: UUID, kind: type, secret: str | None, missing: str):
        """An invitation, for whoever holds its secret; for anyone else, exactly as if there were none."""
        try:
            invitation = self._held(aggregate_id, kind, missing)
        except NotFound:
            invitation = None
        if invitation is None or not invitation.opens_with(secret):
            raise NotFound(missing)
        return invitation

    def _referred_by(self, person: Person, organization_id: str | None) -> bool:
        return person.referral_id is not None and self._referral(person.referral_id).organization_id == organization_id

    def _item(self, person: Person, experience: str) -> str | None:
        """The sealed item the person holds for an experience code, if any."""
        return next((item for item in person.items if self.vault.open(item) == experience), None)

    def _seal_optional(self, subject: str, value: str | None) -> str | None:
        return None if value is None else self.vault.seal(subject, value)

    def _seal_details(self, person_id: UUID, values: dict) -> dict:
        subject, sealed = str(person_id), {}
        for name in SEALED_DETAILS:
            if name in values:
                sealed[name] = self._seal_optional(subject, values[name])
        for name in SEALED_LISTS:
            if name in values:
                sealed[name] = [self.vault.seal(subject, value) for value in values[name]]
        if "modalities" in values:
            sealed["modalities"] = sorted(set(values["modalities"]))
        return sealed

    def _open_details(self, person: Person) -> dict:
        details = person.details
        opened = {name: self.vault.open(details[name]) for name in SEALED_DETAILS}
        opened.update({name: [self.vault.open(v) for v in details[name]] for name in SEALED_LISTS})
        opened["languages"] = languages.codes(opened["languages"])  # names, if stored before codes
        opened["modalities"] = list(details["modalities"])
        return opened

    def _open_view(self, view: dict | None) -> dict | None:
        if view is None:
            return None
        opened = dict(view)
        for name in ("display_name", "region"):
            opened[name] = self.vault.open(view[name])
        for name in ("languages", "agencies", "shared_for_matching"):
            opened[name] = [self.vault.open(v) for v in view[name]]
        opened["languages"] = languages.codes(opened["languages"])
        return opened

    @staticmethod
    def _consent(consent: dict) -> dict:
        return {"purpose": consent["purpose"],
                "may_see": {audience: sorted(set(names)) for audience, names in consent["may_see"].items()},
                "expires_at": consent["expires_at"].isoformat() if consent["expires_at"] else None}


@contextmanager
def refusals():
    """The domain's refusals as InvalidInput naming the field (NotFound once forgotten)."""
    try:
        yield
    except Refused as error:
        raise refused(error) from None
    except Forgotten as error:
        raise NotFound(str(error)) from None
