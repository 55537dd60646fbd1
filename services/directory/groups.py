"""Peer groups (WRAP, Hearing Voices, Alternatives to Suicide...), findable and
exported in the Open Referral Human Services Data Specification (HSDS 3.0) used
by 211 and community-resource directories."""
from __future__ import annotations

from uuid import UUID, uuid5

from services.directory.common import check_scope, rules
from services.directory.domain import Organization, PeerGroup, PeerWorker
from services.directory.views import page
from shared.contracts.commands import directory as schemas
from shared.identity import Caller
from shared.languages import codes, english_name
from shared.schemas import load

HSDS_VERSION = "3.0"
KIND_LABELS = {
    "wrap": "Wellness Recovery Action Plan (WRAP)", "hearing_voices": "Hearing Voices",
    "alternatives_to_suicide": "Alternatives to Suicide", "intentional_peer_support": "Intentional Peer Support",
    "peer_support": "Peer support", "recovery": "Recovery", "other": "Peer group",
}


def group_view(group: PeerGroup) -> dict:
    return {"group_id": str(group.id), "host_organization_id": group.host_organization_id, "kind": group.kind,
            "name": group.name, "description": group.description, "region": group.region,
            "facilitator_ids": group.facilitator_ids, "place": group.place, "link": group.link,
            "schedule": group.schedule, "languages": codes(group.languages), "retired": group.retired}


def schedule_data(schedule: dict) -> dict:
    return {**schedule, "opens_at": schedule["opens_at"].strftime("%H:%M"),
            "closes_at": schedule["closes_at"].strftime("%H:%M")}


class GroupCommands:
    def list_group(self, payload: dict, caller: Caller) -> UUID:
        command = load(schemas.ListGroup(), payload)
        check_scope(caller, command["host_organization_id"])
        self.open_organization(command["host_organization_id"], "host_organization_id")
        for facilitator in command["facilitator_ids"]:
            self.load_aggregate(PeerWorker, facilitator, "facilitator_ids")
        group = PeerGroup(
            host_organization_id=str(command["host_organization_id"]), kind=command["kind"], name=command["name"],
            description=command["description"], region=command["region"],
            facilitator_ids=[str(f) for f in command["facilitator_ids"]], place=command["place"],
            link=command["link"], schedule=schedule_data(command["schedule"]), languages=command["languages"],
            actor=caller.as_actor())
        self.store(group)
        return group.id

    def retire_group(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.GroupRef(), payload)
        group = self.load_aggregate(PeerGroup, command["group_id"], "group_id")
        check_scope(caller, group.host_organization_id)
        with rules():
            group.retire(caller.as_actor())
        self.store(group)

    def find_groups(self, payload: dict) -> dict:
        query = load(schemas.GroupQuery(), payload)
        return page([group_view(g) for g in self._groups(query)], query["offset"], query["limit"])

    def export_hsds(self, payload: dict) -> dict:
        """Organizations, their groups as services, places as locations, schedules: HSDS 3.0 tables."""
        query = load(schemas.GroupQuery(), payload)  # the whole directory: no page
        groups = self._groups(query)
        hosts = {g.host_organization_id for g in groups}
        organizations = [o for o in self.views.all(Organization) if str(o.id) in hosts]
        export = {"hsds_version": HSDS_VERSION, "organizations": [], "services": [], "locations": [],
                  "service_at_locations": [], "schedules": []}
        for organization in sorted(organizations, key=lambda o: o.name.casefold()):
            contact = organization.contact
            export["organizations"].append({
                "id": str(organization.id), "name": organization.name,
                "description": "Peer-run organization" if organization.kind == "peer_run_organization"
                else "Agency offering peer support",
                "email": contact.get("email"), "website": contact.get("website"),
                "phones": [{"id": str(uuid5(organization.id, "phone")), "number": contact["phone"]}]
                if contact.get("phone") else []})
        for group in groups:
            export["services"].append({
                "id": str(group.id), "organization_id": group.host_organization_id, "name": group.name,
                "description": group.description or KIND_LABELS[group.kind], "status": "active",
                "url": group.link, "languages": [{"name": english_name(code), "code": code}
                                                  for code in codes(group.languages)],
                "service_areas": [{"name": group.region}],
                "attributes": [{"taxonomy_term": {"code": group.kind, "name": KIND_LABELS[group.kind],
                                                  "taxonomy": "peernet-peer-groups"}}]})
            location_id = str(uuid5(group.id, "location"))
            location = {"id": location_id, "organization_id": group.host_organization_id,
                        "location_type": "physical" if group.place else "virtual", "url": group.link,
                        "name": (group.place or {}).get("name") or group.name, "addresses": []}
            if group.place:
                location["addresses"].append({
                    "id": str(uuid5(group.id, "address")), "address_type": "physical", "country": "US",
                    **{key: group.place[key] for key in ("address_1", "city", "state_province", "postal_code")}})
            export["locations"].append(location)
            export["service_at_locations"].append({"id": str(uuid5(group.id, "service_at_location")),
                                                   "service_id": str(group.id), "location_id": location_id})
            export["schedules"].append({"id": str(uuid5(group.id, "schedule")), "service_id": str(group.id),
                                        **group.schedule})
        return export

    def _groups(self, query: dict) -> list[PeerGroup]:
        host = str(query["host_organization_id"]) if query["host_organization_id"] else None
        found = [g for g in self.views.all(PeerGroup)
                 if not g.retired and (query["region"] is None or g.region == query["region"])
                 and (query["kind"] is None or g.kind == query["kind"])
                 and (host is None or g.host_organization_id == host)]
        return sorted(found, key=lambda g: (g.name.casefold(), str(g.id)))

