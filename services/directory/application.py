"""Directory's Application: organizations, and (issue 4) the rest of the directory."""
from __future__ import annotations

from uuid import UUID

from services.directory import schemas
from services.directory.domain import Organization
from shared.application import ServiceApplication
from shared.identity import Caller
from shared.schemas import load


def _registered(event: Organization.Registered):
    return "OrganizationRegistered", {
        "organization_id": event.originator_id, "name": event.name,
        "kind": event.kind, "regions": event.regions,
    }


class DirectoryApplication(ServiceApplication):
    service = "directory"
    translations = {Organization.Registered: _registered}

    def register_organization(self, payload: dict, caller: Caller) -> UUID:
        command = load(schemas.RegisterOrganization(), payload)
        organization = Organization(actor=caller.as_actor(), **command)
        self.save(organization)
        return organization.id
