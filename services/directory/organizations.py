"""Organizations: agencies and peer-run organizations; register, update, close, list."""
from __future__ import annotations

from uuid import UUID

from services.directory.common import check_scope, rules
from services.directory.domain import Organization
from services.directory.views import page
from shared.contracts.commands import directory as schemas
from shared.errors import InvalidInput
from shared.identity import Caller
from shared.schemas import load


def contact_of(command: dict) -> dict:
    return {key: value for key, value in (command.get("contact") or {}).items() if value is not None}


def organization_view(organization: Organization) -> dict:
    return {"organization_id": str(organization.id), "name": organization.name, "kind": organization.kind,
            "regions": organization.regions, "contact": organization.contact, "closed": organization.closed,
            "version": organization.version}


class OrganizationCommands:
    def register_organization(self, payload: dict, caller: Caller) -> UUID:
        command = load(schemas.RegisterOrganization(), payload)
        with self.names_lock:
            self._refuse_duplicate_name(command["name"], command["regions"])
            organization = Organization(name=command["name"], kind=command["kind"], regions=command["regions"],
                                        contact=contact_of(command), actor=caller.as_actor())
            self.store(organization)
        return organization.id

    def update_organization(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.UpdateOrganization(), payload)
        check_scope(caller, command["organization_id"])
        organization = self.open_organization(command["organization_id"], "organization_id")
        name = command.get("name", organization.name)
        regions = command.get("regions", organization.regions)
        contact = contact_of(command) if "contact" in command else organization.contact
        with self.names_lock:
            self._refuse_duplicate_name(name, regions, besides=organization.id)
            organization.update(name, regions, contact, caller.as_actor())
            self.store(organization)

    def close_organization(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.OrganizationRef(), payload)
        check_scope(caller, command["organization_id"])
        organization = self.load_aggregate(Organization, command["organization_id"], "organization_id")
        with rules():
            organization.close(caller.as_actor())
        self.store(organization)

    def organization(self, organization_id) -> dict:
        return organization_view(self.load_aggregate(Organization, organization_id))

    def list_organizations(self, payload: dict) -> dict:
        query = load(schemas.OrganizationQuery(), payload)
        found = [o for o in self.views.all(Organization)
                 if (query["include_closed"] or not o.closed)
                 and (query["region"] is None or query["region"] in o.regions)
                 and (query["kind"] is None or o.kind == query["kind"])]
        found.sort(key=lambda o: (o.name.casefold(), str(o.id)))
        return page([organization_view(o) for o in found], query["offset"], query["limit"])

    def _refuse_duplicate_name(self, name: str, regions: list, besides: UUID | None = None) -> None:
        """Two open organizations may not share a name in a region: people could not tell them apart."""
        wanted = " ".join(name.casefold().split())
        for other in self.views.all(Organization):
            if other.closed or other.id == besides or " ".join(other.name.casefold().split()) != wanted:
                continue
            shared = sorted(set(regions) & set(other.regions))
            if shared:
                raise InvalidInput({"name": [f"an organization named {other.name!r} already serves "
                                             f"{', '.join(shared)}; choose a name people can tell apart"]})
