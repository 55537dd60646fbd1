"""Matching as a nameko service: a thin adapter over MatchingApplication."""
import logging
from datetime import datetime, timezone
from uuid import UUID

from nameko.rpc import rpc
from nameko.timer import timer

from services.matching.application import MatchingApplication
from shared.contracts.commands import matching as schemas
from shared.errors import InvalidInput, NotAllowed
from shared import config
from shared.schemas import load
from shared.service import EXPECTED, ApplicationProvider, ServiceBase, require

log = logging.getLogger(__name__)
EXPIRY_INTERVAL = float(config.env("PEERNET_EXPIRY_INTERVAL", "60"))


def parse_id(value, field: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidInput({field: ["not a valid id"]}) from None


class MatchingService(ServiceBase):
    name = "matching"
    application = ApplicationProvider(MatchingApplication, follows=MatchingApplication.follows)

    @rpc(expected_exceptions=EXPECTED)
    def candidate(self, peer_worker_id):
        require(self.caller, "system", "state_auditor", "agency_admin", "peer")
        return self.application.candidate(parse_id(peer_worker_id, "peer_worker_id"), self.caller)

    # -- the person ------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def ask_for_offers(self, request):
        require(self.caller, "person", "system")
        return self.application.ask_for_offers(request, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def choose(self, choice):
        require(self.caller, "person", "system")
        return self.application.choose(choice, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def wait(self, request):
        require(self.caller, "person", "system")
        return self.application.wait(request, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def like_peer(self, request):
        require(self.caller, "person", "system")
        return self.application.like_peer(request, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def my_offers(self, person_id):
        require(self.caller, "person", "system")
        person_id = parse_id(person_id, "person_id")
        self._own(person_id)
        return self.application.offers_for(person_id, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def my_connections(self, person_id):
        require(self.caller, "person", "system")
        person_id = parse_id(person_id, "person_id")
        self._own(person_id)
        return self.application.person_connections(person_id, self.caller)

    # -- the peer worker ------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def accept(self, answer):
        require(self.caller, "peer", "system")
        return self.application.accept(answer, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def decline(self, answer):
        require(self.caller, "peer", "system")
        return self.application.decline(answer, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def peer_requests(self, peer_worker_id):
        require(self.caller, "peer", "system")
        peer_worker_id = parse_id(peer_worker_id, "peer_worker_id")
        self._own(peer_worker_id)
        return self.application.peer_requests(peer_worker_id, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def peer_connections(self, peer_worker_id):
        require(self.caller, "peer", "system")
        peer_worker_id = parse_id(peer_worker_id, "peer_worker_id")
        self._own(peer_worker_id)
        return self.application.peer_connections(peer_worker_id)

    # -- either side, reports, the timer -------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def end_connection(self, ending):
        require(self.caller, "person", "peer", "system")
        return self.application.end_connection(ending, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def counts(self, query=None):
        require(self.caller, "agency_admin", "state_auditor", "system")
        query = load(schemas.Counts(), query or {})
        if self.caller.role == "agency_admin":
            if query["organization_id"] not in (None, self.caller.organization_id):
                raise NotAllowed("an agency admin sees only their own organization's counts")
            query["organization_id"] = self.caller.organization_id
        return self.application.counts(query["organization_id"])

    @rpc(expected_exceptions=EXPECTED)
    def expire_due(self, now=None):
        require(self.caller, "system")
        try:
            moment = datetime.fromisoformat(now) if now else datetime.now(timezone.utc)
        except (TypeError, ValueError):
            raise InvalidInput({"now": ["an ISO time with its offset"]}) from None
        if moment.tzinfo is None:
            raise InvalidInput({"now": ["an ISO time with its offset"]})
        return {"lapsed": self.application.expire_due(moment)}

    @timer(interval=EXPIRY_INTERVAL)
    def expire(self):
        lapsed = self.application.expire_due(datetime.now(timezone.utc))
        if lapsed:
            log.info("choices lapsed: %d", lapsed)

    def _own(self, subject_id: UUID) -> None:
        if self.caller.role != "system" and self.caller.user_id != str(subject_id):
            raise NotAllowed("you may see only your own")
