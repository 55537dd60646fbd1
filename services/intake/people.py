"""A person who wants peer support: plain Python, no broker, no nameko.

Everything about the person that could identify them or say something about
their life (name, contact, county, languages, agencies, each lived-experience
item, what they hope for) reaches this aggregate only as sealed tokens under
their own key, so forgetting them (destroying the key) leaves no readable
personal field in intake's store. Modalities (phone, video...) are kept in
clear: they describe a way of meeting, not the person.

Every event that changes what matching may use carries `matching`: the view
matching may have after it (None: nothing at all), worked out here from the
consent in force, so the outbox never has to guess.
"""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts.commands.intake import PERSON_VISIBILITIES

LIST_DETAILS = ("languages", "modalities", "agencies")


class Refused(Exception):
    """A rule refused the command; `field` names what the caller should change."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def consent_active(consent: dict | None, now: datetime) -> bool:
    if not consent or consent.get("status") != "active":
        return False
    expires_at = parse_time(consent.get("expires_at"))
    return expires_at is None or expires_at > now


def visible_to(consent: dict | None, audience: str, now: datetime) -> list[str]:
    """The fields `audience` may see now; none once consent is revoked, lapsed or past its expiry."""
    if not consent_active(consent, now):
        return []
    return list(consent["may_see"].get(audience, []))


def matching_view(details: dict, items: dict, consent: dict | None, now: datetime) -> dict | None:
    """What matching may use: only consented fields, only items shared for matching."""
    fields = visible_to(consent, "matching", now)
    if not fields:
        return None
    return {
        "display_name": details["display_name"] if "display_name" in fields else None,
        "region": details["region"] if "region" in fields else None,
        "languages": list(details["languages"]) if "languages" in fields else [],
        "modalities": list(details["modalities"]) if "modalities" in fields else [],
        "agencies": list(details["agencies"]) if "agencies" in fields else [],
        "shared_for_matching": sorted(token for token, seen_by in items.items() if seen_by == "matching")
        if "experiences" in fields else [],
        "consent_expires_at": consent.get("expires_at"),
    }


class Person(Aggregate):
    @classmethod
    def enroll(cls, person_id: UUID, details: dict, consent: dict, referral_id: UUID | None,
               now: datetime, actor: dict) -> "Person":
        consent = {**consent, "status": "active", "granted_at": now.isoformat()}
        return cls(person_id=person_id, details=details, consent=consent, referral_id=referral_id,
                   matching=matching_view(details, {}, consent, now), actor=actor)

    @event("Enrolled")
    def __init__(self, person_id: UUID, details: dict, consent: dict, referral_id: UUID | None,
                 matching: dict | None, actor: dict):
        self.details = dict(details)
        self.consent = dict(consent)
        self.consents = [dict(consent)]  # the history the person can read back
        self.referral_id = referral_id
        self.items: dict[str, str] = {}  # sealed item -> visibility
        self.requests: dict[str, dict] = {}
        self.forgotten = False

    @staticmethod
    def create_id(person_id: UUID, **_) -> UUID:
        return person_id

    # -- details ---------------------------------------------------------------
    def change_details(self, changes: dict, now: datetime, actor: dict) -> None:
        self._check_not_forgotten()
        changes = {k: v for k, v in changes.items() if self.details.get(k) != v}
        if not changes:
            return
        details = {**self.details, **changes}
        self._change_details(changes, matching_view(details, self.items, self.consent, now), actor)

    @event("DetailsChanged")
    def _change_details(self, changes: dict, matching: dict | None, actor: dict):
        self.details.update(changes)

    # -- lived experience, item by item ---------------------------------------------
    def share_experience(self, item: str, visibility: str, now: datetime, actor: dict) -> None:
        self._check_not_forgotten()
        if visibility not in PERSON_VISIBILITIES:
            raise Refused("visibility", f"a person shares items as {' or '.join(PERSON_VISIBILITIES)}")
        previous = self.items.get(item)
        if previous == visibility:
            return
        allowed = "experiences" in visible_to(self.consent, "matching", now)
        self._share(item, visibility, previous, allowed, actor)

    @event("ExperienceShared")
    def _share(self, item: str, visibility: str, previous_visibility: str | None,
               matching_allowed: bool, actor: dict):
        # matching_allowed: whether consent let matching use items when this happened.
        self.items[item] = visibility

    def withdraw_experience(self, item: str, now: datetime, actor: dict) -> None:
        self._check_not_forgotten()
        if item not in self.items:
            raise Refused("experience", "no such item is shared")
        allowed = "experiences" in visible_to(self.consent, "matching", now)
        self._withdraw(item, self.items[item], allowed, actor)

    @event("ExperienceWithdrawn")
    def _withdraw(self, item: str, previous_visibility: str, matching_allowed: bool, actor: dict):
        del self.items[item]

    # -- consent ------------------------------------------------------------------------
    def grant_consent(self, consent: dict, now: datetime, actor: dict) -> None:
        """Grant anew, or change the consent in force."""
        self._check_not_forgotten()
        was_active = consent_active(self.consent, now)
        consent = {**consent, "status": "active", "granted_at": now.isoformat()}
        view = matching_view(self.details, self.items, consent, now)
        if was_active:
            self._change_consent(consent, view, actor)
        else:
            self._grant_consent(consent, view, actor)

    @event("ConsentGranted")
    def _grant_consent(self, consent: dict, matching: dict | None, actor: dict):
        self._set_consent(consent)

    @event("ConsentChanged")
    def _change_consent(self, consent: dict, matching: dict | None, actor: dict):
        self._set_consent(consent)

    def revoke_consent(self, actor: dict) -> None:
        self._check_not_forgotten()
        if self.consent.get("status") != "active":
            raise Refused("consent", "there is no consent in force to revoke")
        self._revoke(actor)

    @event("ConsentRevoked")
    def _revoke(self, actor: dict):
        self._end_consent("revoked")

    def _set_consent(self, consent: dict) -> None:
        self.consent = dict(consent)
        self.consents.append(dict(consent))

    def _end_consent(self, status: str) -> None:
        self.consent = {**self.consent, "status": status}
        self.consents[-1] = dict(self.consent)
        # Without consent nothing may be used: open requests close with it.
        for request in self.requests.values():
            if request["status"] == "open":
                request["status"] = f"closed: consent {status}"

    # -- support requests --------------------------------------------------------------
    def request_support(self, request_id: str, hopes: str | None, expires_at: datetime,
                        now: datetime, actor: dict) -> None:
        self._check_not_forgotten()
        if not visible_to(self.consent, "matching", now):
            raise Refused("consent", "asking for peer support needs a consent in force that lets matching "
                                     "use some of your details; grant one first")
        if expires_at <= now:
            raise Refused("expires_at", "must be in the future")
        if any(r["status"] == "open" for r in self.requests.values()):
            raise Refused("request_id", "you already have an open request; withdraw it first")
        self._request(request_id, hopes, expires_at.isoformat(), actor)

    @event("SupportRequested")
    def _request(self, request_id: str, hopes: str | None, expires_at: str, actor: dict):
        # `hopes` is sealed: the person's own words never leave intake.
        self.requests[request_id] = {"hopes": hopes, "expires_at": expires_at, "status": "open"}

    def withdraw_request(self, request_id: str, actor: dict) -> None:
        self._check_not_forgotten()
        if self.requests.get(request_id, {}).get("status") != "open":
            raise Refused("request_id", "no open request with this id")
        self._withdraw_request(request_id, actor)

    @event("SupportRequestWithdrawn")
    def _withdraw_request(self, request_id: str, actor: dict):
        self.requests[request_id]["status"] = "withdrawn"

    # -- time ----------------------------------------------------------------------------
    def next_due(self) -> datetime | None:
        if self.forgotten:
            return None
        times = [parse_time(r["expires_at"]) for r in self.requests.values() if r["status"] == "open"]
        if self.consent.get("status") == "active" and self.consent.get("expires_at"):
            times.append(parse_time(self.consent["expires_at"]))
        return min(times, default=None)

    def expire(self, now: datetime, actor: dict) -> None:
        """Lapse a consent past its expiry and expire requests nobody took up."""
        for request_id, request in sorted(self.requests.items()):
            if request["status"] == "open" and parse_time(request["expires_at"]) <= now:
                self._expire_request(request_id, actor)
        expires_at = parse_time(self.consent.get("expires_at"))
        if self.consent.get("status") == "active" and expires_at and expires_at <= now:
            self._lapse(actor)

    @event("SupportRequestExpired")
    def _expire_request(self, request_id: str, actor: dict):
        self.requests[request_id]["status"] = "expired"

    @event("ConsentLapsed")
    def _lapse(self, actor: dict):
        self._end_consent("lapsed")

    # -- disclosures and forgetting ------------------------------------------------------
    def record_disclosure(self, recipient: dict, audience: str, fields: list, actor: dict) -> None:
        self._disclose(recipient, audience, sorted(fields), actor)

    @event("Disclosed")
    def _disclose(self, recipient: dict, audience: str, fields: list, actor: dict):
        """Changes nothing: the event itself is the line in the person's disclosure log."""

    def forget(self, actor: dict) -> None:
        self._check_not_forgotten()
        self._forget(actor)

    @event("Forgotten")
    def _forget(self, actor: dict):
        self._end_consent("forgotten")
        self.forgotten = True

    def _check_not_forgotten(self) -> None:
        if self.forgotten:
            raise Forgotten()


class Forgotten(Exception):
    def __init__(self):
        super().__init__("this person asked to be forgotten: nothing more is kept about them")
