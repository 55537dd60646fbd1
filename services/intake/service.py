"""Intake as a nameko service: a thin adapter over IntakeApplication."""
from nameko.rpc import rpc

from services.intake.application import IntakeApplication
from shared.service import EXPECTED, ApplicationProvider, ServiceBase, require


class IntakeService(ServiceBase):
    name = "intake"
    application = ApplicationProvider(IntakeApplication)

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
