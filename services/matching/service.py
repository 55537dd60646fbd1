"""Matching as a nameko service: a thin adapter over MatchingApplication."""
from uuid import UUID

from nameko.rpc import rpc

from services.matching.application import MatchingApplication
from shared.errors import InvalidInput
from shared.service import EXPECTED, ApplicationProvider, ServiceBase, require


class MatchingService(ServiceBase):
    name = "matching"
    application = ApplicationProvider(MatchingApplication, follows=MatchingApplication.follows)

    @rpc(expected_exceptions=EXPECTED)
    def candidate(self, peer_worker_id):
        require(self.caller, "system", "state_auditor", "agency_admin", "peer")
        try:
            peer_worker_id = UUID(str(peer_worker_id))
        except ValueError:
            raise InvalidInput({"peer_worker_id": ["not a valid id"]}) from None
        return self.application.candidate(peer_worker_id)
