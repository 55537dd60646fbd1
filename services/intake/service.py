"""Intake as a nameko service: a thin adapter over IntakeApplication.

People call for themselves only (role person, their user id is their person
id); the application checks that ownership on every command and query.
"""
import logging
from datetime import datetime, timezone
from uuid import UUID

from nameko.rpc import rpc
from nameko.timer import timer

from services.intake.application import IntakeApplication
from shared import config
from shared.errors import InvalidInput
from shared.service import EXPECTED, ApplicationProvider, ServiceBase, require

# How often consents, support requests and invitations are checked for expiry.
EXPIRY_INTERVAL = float(config.env("PEERNET_EXPIRY_INTERVAL", "60"))
log = logging.getLogger(__name__)


def parse_id(value, field: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidInput({field: ["not a valid id"]}) from None


class IntakeService(ServiceBase):
    name = "intake"
    application = ApplicationProvider(IntakeApplication)

    # -- peer workers -----------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def record_peer_worker_profile(self, profile):
        require(self.caller, "peer", "agency_admin", "system")
        return str(self.application.record_peer_worker_profile(profile, self.caller))

    @rpc(expected_exceptions=EXPECTED)
    def share_experience(self, item):
        require(self.caller, "peer", "system")
        self.application.share_experience(item, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def withdraw_experience(self, item):
        require(self.caller, "peer", "system")
        self.application.withdraw_experience(item, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def peer_worker_profile(self, peer_worker_id):
        require(self.caller, "peer", "agency_admin", "system")
        return self.application.peer_worker_profile(parse_id(peer_worker_id, "peer_worker_id"), self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def set_availability(self, availability):
        require(self.caller, "peer", "system")
        self.application.set_availability(availability, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def pause_availability(self, peer_worker):
        require(self.caller, "peer", "system")
        self.application.pause_availability(peer_worker, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def resume_availability(self, peer_worker):
        require(self.caller, "peer", "system")
        self.application.resume_availability(peer_worker, self.caller)

    # -- peer workers' invitations: nobody types a peer worker's id -------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def invite_peer_worker(self, invitation):
        require(self.caller, "agency_admin")
        made = self.application.invite_peer_worker(invitation, self.caller)
        return {**made, "invitation_id": str(made["invitation_id"])}

    @rpc(expected_exceptions=EXPECTED)
    def peer_worker_invitation(self, invitation_id, invitation_secret=None):
        """The invitee (a peer) sends the invitation's secret; the inviting organization's admin needs none."""
        require(self.caller, "agency_admin", "peer")
        secret = invitation_secret if isinstance(invitation_secret, str) else None
        return self.application.peer_worker_invitation(parse_id(invitation_id, "invitation_id"), self.caller, secret)

    @rpc(expected_exceptions=EXPECTED)
    def accept_peer_worker_invitation(self, acceptance):
        require(self.caller, "peer")
        return str(self.application.accept_peer_worker_invitation(acceptance, self.caller))

    @rpc(expected_exceptions=EXPECTED)
    def withdraw_peer_worker_invitation(self, invitation):
        require(self.caller, "agency_admin")
        self.application.withdraw_peer_worker_invitation(invitation, self.caller)

    # -- people: enrollment and referrals ---------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def enroll(self, enrollment):
        require(self.caller, "person")
        return str(self.application.enroll(enrollment, self.caller))

    @rpc(expected_exceptions=EXPECTED)
    def refer_person(self, invitation):
        require(self.caller, "agency_admin")
        made = self.application.refer_person(invitation, self.caller)
        return {**made, "referral_id": str(made["referral_id"])}

    @rpc(expected_exceptions=EXPECTED)
    def accept_referral(self, enrollment):
        require(self.caller, "person")
        return str(self.application.accept_referral(enrollment, self.caller))

    @rpc(expected_exceptions=EXPECTED)
    def decline_referral(self, referral):
        require(self.caller, "person")
        self.application.decline_referral(referral, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def referral(self, referral_id, invitation_secret=None):
        """The invitee sends the invitation's secret; the referring agency's admin needs none."""
        require(self.caller, "agency_admin", "person")
        return self.application.referral(parse_id(referral_id, "referral_id"), self.caller,
                                         invitation_secret if isinstance(invitation_secret, str) else None)

    # -- people: their details, items, consent and requests -----------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def change_details(self, changes):
        require(self.caller, "person")
        self.application.change_details(changes, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def share_person_experience(self, item):
        require(self.caller, "person")
        self.application.share_person_experience(item, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def withdraw_person_experience(self, item):
        require(self.caller, "person")
        self.application.withdraw_person_experience(item, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def grant_consent(self, consent):
        """Grants a consent, or changes the one in force."""
        require(self.caller, "person")
        self.application.grant_consent(consent, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def revoke_consent(self, person):
        require(self.caller, "person")
        self.application.revoke_consent(person, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def request_support(self, request):
        require(self.caller, "person")
        return str(self.application.request_support(request, self.caller))

    @rpc(expected_exceptions=EXPECTED)
    def withdraw_support_request(self, request):
        require(self.caller, "person")
        self.application.withdraw_support_request(request, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def person_record(self, person_id):
        """Nothing about us without us: everything intake holds about the caller."""
        require(self.caller, "person")
        return self.application.person_record(parse_id(person_id, "person_id"), self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def forget_me(self, person):
        require(self.caller, "person")
        self.application.forget_me(person, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def disclose_person(self, query):
        """A person's consented fields for an audience; each answer is logged as a disclosure."""
        require(self.caller, "system", "agency_admin")
        return self.application.disclose_person(query, self.caller)

    # -- time ---------------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def expire_due(self, now=None):
        require(self.caller, "system")
        if now is None:
            moment = datetime.now(timezone.utc)
        else:
            try:
                moment = datetime.fromisoformat(str(now))
            except ValueError:
                raise InvalidInput({"now": ["not an ISO 8601 time"]}) from None
            if moment.tzinfo is None:
                raise InvalidInput({"now": ["must say its time zone"]})
        return self.application.expire_due(moment)

    @timer(interval=EXPIRY_INTERVAL)
    def expire(self):
        counts = self.application.expire_due(datetime.now(timezone.utc))
        if counts:
            log.info("expired: %s", counts)
