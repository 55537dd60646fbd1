"""Directory's aggregates: plain Python, no broker, no nameko."""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

ORGANIZATION_KINDS = ("agency", "peer_run_organization")


class Organization(Aggregate):
    @event("Registered")
    def __init__(self, name: str, kind: str, regions: list, actor: dict):
        self.name = name
        self.kind = kind
        self.regions = sorted(regions)
