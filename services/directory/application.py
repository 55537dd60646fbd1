"""Directory's Application: organizations, the peer workforce, credentials,
agreements between organizations, the networking pool and peer groups.

Commands validate with marshmallow, check the caller's scope, change one
aggregate and save it; a refusal stores nothing. Lists come from a projection
replayed from the service's own log (views.py).
"""
from __future__ import annotations

import re
import threading
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from services.directory.agreements import AgreementCommands
from services.directory.domain import Organization, PeerWorker
from shared.errors import Conflict, InvalidInput, NotFound
from services.directory.groups import GroupCommands
from services.directory.organizations import OrganizationCommands
from services.directory.translations import TRANSLATIONS
from shared.views import ReplayedAggregates
from services.directory.workforce import WorkforceCommands
from shared import config
from shared.access import AccessLog
from shared.application import ServiceApplication


class DirectoryApplication(AccessLog, OrganizationCommands, WorkforceCommands, AgreementCommands, GroupCommands,
                           ServiceApplication):
    service = "directory"
    translations = TRANSLATIONS

    def __init__(self, vault, env: dict | None = None):
        super().__init__(vault, env)
        self.views = ReplayedAggregates(self.recorder, self.mapper)
        # Checking a name and saving it happen under one lock, so two registrations in this
        # process cannot both pass; separate instances can still race (see README).
        self.names_lock = threading.Lock()
        # State settings: how long a new hire has to certify and whether an expired credential
        # keeps a peer worker from offers (what makes a peer supervisor eligible: eligibility.py).
        self.certify_within_days = int(config.env("PEERNET_CERTIFY_WITHIN_DAYS", "182"))
        self.expired_blocks_offers = config.env("PEERNET_EXPIRED_CREDENTIAL_BLOCKS_OFFERS", "no") == "yes"

    # -- shared helpers of the command mixins -------------------------------------
    def store(self, *aggregates) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise Conflict("someone else changed this record at the same time; read it again and retry") from None

    def load_aggregate(self, kind: type, aggregate_id, field: str | None = None):
        """The aggregate, or a clear error: a field error in a command, NotFound in a query."""
        try:
            aggregate = self.repository.get(UUID(str(aggregate_id)))
        except (AggregateNotFoundError, ValueError):
            aggregate = None
        if not isinstance(aggregate, kind):
            what = re.sub(r"(?<!^)(?=[A-Z])", " ", kind.__name__).lower()  # PeerWorker -> "peer worker"
            if field is not None:
                raise InvalidInput({field: [f"no {what} with id {aggregate_id}"]})
            raise NotFound(f"no {what} {aggregate_id}")
        return aggregate

    def open_organization(self, organization_id, field: str) -> Organization:
        organization = self.load_aggregate(Organization, organization_id, field)
        if organization.closed:
            raise InvalidInput({field: [f"organization {organization.name!r} is closed"]})
        return organization

    def employed_worker(self, peer_worker_id, organization_id, field: str = "peer_worker_id") -> PeerWorker:
        worker = self.load_aggregate(PeerWorker, peer_worker_id, field)
        if str(organization_id) not in worker.current_employers():
            raise InvalidInput({field: [f"peer worker {peer_worker_id} is not employed by organization "
                                        f"{organization_id}"]})
        return worker

    @staticmethod
    def check_version(aggregate, expected: int | None) -> None:
        if expected is not None and expected != aggregate.version:
            raise Conflict(f"the record is at version {aggregate.version}, not {expected}: "
                           "someone else changed it; read it again and retry")
