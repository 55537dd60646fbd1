"""How each stored event of intake becomes the integration event others may see.

A pure function of the stored event: the domain recorded in each event what
consumers may use (e.g. `matching`, `matching_allowed`), so nothing here
needs the vault, a clock or the current state, and replaying the log later
publishes exactly the same thing.
"""
from __future__ import annotations

from services.intake.connections import Connection
from services.intake.domain import PeerWorkerProfile
from services.intake.invitations import PeerWorkerInvitation
from services.intake.people import Person
from services.intake.referrals import Referral
from shared import access

# --- peer workers ------------------------------------------------------------------


def peer_profiled(event: PeerWorkerProfile.Recorded):
    return "PeerWorkerProfiled", {
        "peer_worker_id": event.originator_id,
        "organization_id": event.organization_id,
        "display_name": event.display_name,
        "shared_for_matching": sorted(i for i, v in event.experiences.items() if v == "matching"),
        "shared_with_network": sorted(i for i, v in event.experiences.items() if v == "network"),
    }


def peer_shared(event: PeerWorkerProfile.ExperienceShared):
    if event.visibility != "private":
        return "PeerWorkerExperienceShared", {
            "peer_worker_id": event.originator_id,
            "experience": event.experience,
            "visibility": event.visibility,
        }
    if event.previous_visibility in ("matching", "network"):
        # Already known to consumers: they must stop using it.
        return "PeerWorkerExperienceWithdrawn", {
            "peer_worker_id": event.originator_id, "experience": event.experience,
        }
    return "PeerWorkerPrivateExperienceKept", {"peer_worker_id": event.originator_id}


def peer_withdrawn(event: PeerWorkerProfile.ExperienceWithdrawn):
    if event.previous_visibility == "private":
        return "PeerWorkerPrivateExperienceKept", {"peer_worker_id": event.originator_id}
    return "PeerWorkerExperienceWithdrawn", {
        "peer_worker_id": event.originator_id, "experience": event.experience,
    }


def availability_set(event: PeerWorkerProfile.AvailabilitySet):
    return "PeerWorkerAvailabilityChanged", {
        "peer_worker_id": event.originator_id, **event.availability, "paused": event.paused,
    }


def only(key: str):
    """An event whose body is its aggregate's id alone, under `key`."""
    return lambda type_: lambda event: (type_, {key: event.originator_id})


peer_only = only("peer_worker_id")


# --- connections: only that a contact may be read while it lasts; never a contact value --------------

connection_only = only("connection_id")


# --- people ------------------------------------------------------------------------


person_only = only("person_id")


def for_matching(type_: str):
    return lambda event: (type_, {"person_id": event.originator_id, "matching": event.matching})


def enrolled(event: Person.Enrolled):
    return "PersonEnrolled", {"person_id": event.originator_id, "matching": event.matching,
                              "referred": event.referral_id is not None}


def person_shared(event: Person.ExperienceShared):
    if event.matching_allowed and event.visibility == "matching":
        return "PersonExperienceShared", {"person_id": event.originator_id, "experience": event.item}
    if event.matching_allowed and event.previous_visibility == "matching":
        return "PersonExperienceWithdrawn", {"person_id": event.originator_id, "experience": event.item}
    return "PersonPrivateExperienceKept", {"person_id": event.originator_id}


def person_withdrawn(event: Person.ExperienceWithdrawn):
    if event.matching_allowed and event.previous_visibility == "matching":
        return "PersonExperienceWithdrawn", {"person_id": event.originator_id, "experience": event.item}
    return "PersonPrivateExperienceKept", {"person_id": event.originator_id}


def support_requested(event: Person.SupportRequested):
    return "SupportRequested", {"person_id": event.originator_id, "request_id": event.request_id,
                                "expires_at": event.expires_at}


def request_ended(type_: str):
    return lambda event: (type_, {"person_id": event.originator_id, "request_id": event.request_id})


def disclosed(event: Person.Disclosed):
    return "PersonDataDisclosed", {"person_id": event.originator_id, "to": event.recipient,
                                   "audience": event.audience, "disclosed_fields": event.fields}


# --- referrals -----------------------------------------------------------------------


def invited(event: Referral.Invited):
    # Nothing about the invitee: they have not agreed to anything yet.
    return "ReferralInvited", {"referral_id": event.originator_id, "organization_id": event.organization_id,
                               "expires_at": event.expires_at}


referral_only = only("referral_id")


def accepted(event: Referral.Accepted):
    return "ReferralAccepted", {"referral_id": event.originator_id, "person_id": event.person_id}


# --- peer workers' invitations: the display name stays sealed in intake -----------------

invitation_only = only("invitation_id")


def peer_worker_invited(event: PeerWorkerInvitation.Invited):
    return "PeerWorkerInvited", {"invitation_id": event.originator_id, "organization_id": event.organization_id,
                                 "expires_at": event.expires_at}


def invitation_accepted(event: PeerWorkerInvitation.Accepted):
    return "PeerWorkerInvitationAccepted", {"invitation_id": event.originator_id,
                                            "peer_worker_id": event.peer_worker_id}


TRANSLATIONS = {
    PeerWorkerProfile.Recorded: peer_profiled,
    PeerWorkerProfile.ExperienceShared: peer_shared,
    PeerWorkerProfile.ExperienceWithdrawn: peer_withdrawn,
    PeerWorkerProfile.AvailabilitySet: availability_set,
    PeerWorkerProfile.Paused: peer_only("PeerWorkerPaused"),
    PeerWorkerProfile.Resumed: peer_only("PeerWorkerResumed"),
    PeerWorkerProfile.WorkContactSet: peer_only("PeerWorkerWorkContactChanged"),
    Connection.Followed: connection_only("ConnectionContactOpened"),
    Connection.Ended: connection_only("ConnectionContactClosed"),
    Person.Enrolled: enrolled,
    Person.DetailsChanged: for_matching("PersonDetailsChanged"),
    Person.ExperienceShared: person_shared,
    Person.ExperienceWithdrawn: person_withdrawn,
    Person.ConsentGranted: for_matching("PersonConsentGranted"),
    Person.ConsentChanged: for_matching("PersonConsentChanged"),
    Person.ConsentRevoked: person_only("PersonConsentRevoked"),
    Person.ConsentLapsed: person_only("PersonConsentLapsed"),
    Person.Forgotten: person_only("PersonForgotten"),
    Person.SupportRequested: support_requested,
    Person.SupportRequestWithdrawn: request_ended("SupportRequestWithdrawn"),
    Person.SupportRequestExpired: request_ended("SupportRequestExpired"),
    Person.Disclosed: disclosed,
    Referral.Invited: invited,
    Referral.Accepted: accepted,
    Referral.Declined: referral_only("ReferralDeclined"),
    Referral.Expired: referral_only("ReferralExpired"),
    PeerWorkerInvitation.Invited: peer_worker_invited,
    PeerWorkerInvitation.Accepted: invitation_accepted,
    PeerWorkerInvitation.Withdrawn: invitation_only("PeerWorkerInvitationWithdrawn"),
    PeerWorkerInvitation.Expired: invitation_only("PeerWorkerInvitationExpired"),
    **access.TRANSLATIONS,
}
