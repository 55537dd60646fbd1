"""Directory's events, delivered to supervision as the bus would: built to the
contract, parsed back, processed exactly once."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from services.directory.eligibility import peer_years_met_on
from shared import contracts
from shared.identity import Caller

SYSTEM = Caller.system("directory")


def day(offset: int = 0) -> str:
    """Today moved by some days: the tests' clock."""
    return (datetime.now(timezone.utc).date() + timedelta(days=offset)).isoformat()


def notification_count(app) -> int:
    return app.max_position()


class Upstream:
    source = ""

    def __init__(self, app):
        self.app, self.position = app, 0

    def emit(self, type_: str, version: int = 1, **body) -> None:
        self.position += 1
        built = contracts.build(self.source, self.position, type_, "2026-01-01T00:00:00+00:00",
                                SYSTEM.as_actor(), str(uuid.uuid4()), body, version)
        assert self.app.process_upstream(contracts.parse(built.as_message()))


class Matching(Upstream):
    source = "matching"

    def connect(self, person_id: str, peer_worker_id: str) -> str:
        connection_id = str(uuid.uuid4())
        self.emit("ConnectionBegan", connection_id=connection_id, person_id=person_id, peer_worker_id=peer_worker_id)
        return connection_id

    def disconnect(self, connection_id: str) -> None:
        self.emit("ConnectionEnded", connection_id=connection_id)


class Directory(Upstream):
    source = "directory"

    def organization(self, kind: str = "agency", regions=("Hampden",)) -> str:
        organization_id = str(uuid.uuid4())
        self.emit("OrganizationRegistered", organization_id=organization_id, name=f"Synthetic {kind}",
                  kind=kind, regions=list(regions))
        return organization_id

    def hire(self, organization_id: str, start: str | None = None, hours: float = 40,
             peer_role_since: str | None = None, worker_id: str | None = None) -> tuple[str, str]:
        worker_id = worker_id or str(uuid.uuid4())
        employment_id = str(uuid.uuid4())
        self.emit("PeerWorkerRecorded", 2, peer_worker_id=worker_id, peer_role_since=peer_role_since,
                  peer_years_met_on=peer_years_met_on(peer_role_since))  # as directory decides it
        self.emit("EmploymentBegan", peer_worker_id=worker_id, employment_id=employment_id,
                  organization_id=organization_id, role_title="Peer Specialist", hours_per_week=hours,
                  start=start or day(-60), end=None, certify_by=None)
        return worker_id, employment_id

    def credential(self, worker_id: str, kind: str, issued: str | None = None, expires: str | None = None) -> str:
        credential_id = str(uuid.uuid4())
        self.emit("CredentialRecorded", peer_worker_id=worker_id, credential_id=credential_id, kind=kind,
                  state="MA", number=None, issued=issued or day(-400), expires=expires or day(400))
        return credential_id

    def expire(self, worker_id: str, credential_id: str, kind: str) -> None:
        self.emit("CredentialExpired", peer_worker_id=worker_id, credential_id=credential_id, kind=kind,
                  expired_on=day(), blocks_offers=False)

    def supervisor(self, organization_id: str, **hire) -> tuple[str, dict]:
        """An experienced peer supervisor: years in peer roles, a peer credential, a supervisor credential."""
        worker_id, employment_id = self.hire(organization_id, peer_role_since=day(-365 * 8), **hire)
        credentials = {kind: self.credential(worker_id, kind) for kind in ("certified_peer_specialist",
                                                                           "peer_supervisor")}
        return worker_id, {"employment_id": employment_id, **credentials}

    def leave(self, worker_id: str, employment_id: str, organization_id: str) -> None:
        self.emit("EmploymentEnded", peer_worker_id=worker_id, employment_id=employment_id,
                  organization_id=organization_id, left_on=day())

    def join_pool(self, worker_id: str, organization_id: str, region: str = "Hampden", languages=("en",),
                  specialties=()) -> None:
        sealed = self.app.vault.seal(worker_id, "Synthetic Pool Name")
        self.emit("PoolJoined", peer_worker_id=worker_id, organization_id=organization_id,
                  display_name=sealed, region=region, languages=list(languages), specialties=list(specialties))

    def agreement(self, supervised: str, supervising: str, peer_worker_ids: list, supervisor_id=None) -> str:
        agreement_id = str(uuid.uuid4())
        terms = {"supervised_organization_id": supervised, "supervising_organization_id": supervising,
                 "peer_worker_ids": list(peer_worker_ids), "hours_per_month": 4, "start": day(-1),
                 "end": day(365), "cost": "400.00", "supervisor_id": supervisor_id}
        self.emit("SupervisionAgreementProposed", agreement_id=agreement_id, **terms)
        self.emit("SupervisionAgreementActivated", agreement_id=agreement_id, **terms)
        return agreement_id

    def end_agreement(self, agreement_id: str) -> None:
        self.emit("SupervisionAgreementEnded", agreement_id=agreement_id, ended_on=day())
