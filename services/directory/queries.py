"""What directory answers: organizations, workforce records and an organization's
workforce, credential status, who may supervise peers, the networking pool,
agreements, peer groups and the HSDS export.

Each handler gets the query already admitted by directory's access table
(shared/contracts/commands/directory.py: roles, a peer only for themselves, an
agency admin only for their own organization) and, by keyword, what it needs:
`store` (the DirectoryApplication: an aggregate by id, the access log),
`replayed` (every aggregate replayed from the service's own log: every list
comes from it), `vault`, `settings`, `clock`. Rules that need stored state (an
agreement's parties, a worker's employers) are checked here. A read of a peer
worker's personal data by someone else is recorded (shared.access).
"""
from __future__ import annotations

from datetime import date
from uuid import uuid5

from services.directory import eligibility
from services.directory.domain import (Organization, PeerGroup, PeerWorker, SubcontractAgreement,
                                       SupervisionAgreement)
from shared.crypto import split_token
from shared.errors import InvalidInput, NotAllowed
from shared.identity import Caller
from shared.languages import codes, english_name

CERTIFICATION = "certified_peer_specialist"
HSDS_VERSION = "3.0"
KIND_LABELS = {
    "wrap": "Wellness Recovery Action Plan (WRAP)", "hearing_voices": "Hearing Voices",
    "alternatives_to_suicide": "Alternatives to Suicide", "intentional_peer_support": "Intentional Peer Support",
    "peer_support": "Peer support", "recovery": "Recovery", "other": "Peer group",
}


# -- shared by the handlers ----------------------------------------------------------
def today(clock) -> str:
    return clock().date().isoformat()


def iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def keyset_page(replayed, query: dict, kind: type, key, matches, view) -> dict:
    """A page read from `kind` kept in the order `key` gives (shared.views): its cost is the page's, not the
    list's. `next_after` is the key to ask the next page after, None at the end."""
    found, next_after = replayed.page(f"{kind.__name__}:{key.__name__}", kind, key, query["after"], query["limit"],
                                      matches)
    return {"items": [view(aggregate) for aggregate in found], "next_after": next_after}


def by_name(aggregate) -> tuple:
    return aggregate.name.casefold(), str(aggregate.id)


def by_start(agreement) -> tuple:
    return agreement.start, str(agreement.id)


def check_party(caller: Caller, *organization_ids) -> None:
    """An agency admin acts and reads only where their organization is one of these (read from the store)."""
    if caller.role == "agency_admin" and caller.organization_id not in {str(o) for o in organization_ids}:
        raise NotAllowed("an agency admin may act only for their own organization")


# -- organizations ------------------------------------------------------------------
def organization_view(organization: Organization) -> dict:
    return {"organization_id": str(organization.id), "name": organization.name, "kind": organization.kind,
            "regions": organization.regions, "contact": organization.contact,
            "languages": codes(organization.languages), "closed": organization.closed,
            "version": organization.version}


def organization(query: dict, caller: Caller, *, store) -> dict:
    return organization_view(store.aggregate(Organization, query["organization_id"]))


def list_organizations(query: dict, caller: Caller, *, replayed) -> dict:
    def matches(o: Organization) -> bool:
        return ((query["include_closed"] or not o.closed) and (query["region"] is None or query["region"] in o.regions)
                and (query["kind"] is None or o.kind == query["kind"]))
    return keyset_page(replayed, query, Organization, by_name, matches, organization_view)


# -- the workforce --------------------------------------------------------------------
def continuing_education_by_period(worker: PeerWorker) -> list[dict]:
    totals: dict[tuple[str, str], float] = {}
    for item in worker.continuing_education:
        period = (item["period_start"], item["period_end"])
        totals[period] = totals.get(period, 0) + item["hours"]
    return [{"period_start": start, "period_end": end, "hours": hours}
            for (start, end), hours in sorted(totals.items())]


def worker_view(worker: PeerWorker, as_of: str, vault, settings) -> dict:
    return {
        "peer_worker_id": str(worker.id),
        "peer_role_since": worker.peer_role_since,
        "employments": sorted(worker.employments.values(), key=lambda e: e["start"]),
        "credentials": [{**c, "number": vault.open(c["number"]),
                         "current": not c["expired"] and (c["expires"] is None or c["expires"] >= as_of)}
                        for c in sorted(worker.credentials.values(), key=lambda c: c["issued"])],
        "continuing_education": continuing_education_by_period(worker),
        "in_pool": worker.pool is not None,
        "eligible_peer_supervisor": eligibility.is_eligible_supervisor(worker, as_of, settings.min_peer_years),
        "version": worker.version,
    }


def workforce_record(query: dict, caller: Caller, *, store, vault, settings, clock) -> dict:
    worker = store.aggregate(PeerWorker, query["peer_worker_id"])
    employers = {e["organization_id"] for e in worker.employments.values()}
    if caller.role == "agency_admin" and caller.organization_id not in employers:
        raise NotAllowed("an agency admin sees only the records of their own organization's peer workers")
    view = worker_view(worker, today(clock), vault, settings)
    store.record_access(caller, "workforce_record", [
        (worker.id, "peer_worker", ["employments", *(["credentials.number"] if view["credentials"] else [])])])
    return view


def held(worker: PeerWorker, as_of: str) -> list[str]:
    """The kinds of credential a peer worker holds on a day."""
    return sorted({c["kind"] for c in worker.credentials.values() if worker.holds(c["kind"], as_of)})


def status_of(worker: PeerWorker, employment: dict, as_of: str, settings) -> dict:
    """A peer worker's credential status at one employer: certified, due, overdue or not required."""
    certify_by = employment["certify_by"]
    if worker.holds(CERTIFICATION, as_of):
        certification = "certified"
    elif certify_by is None:
        certification = "not_required"
    else:
        certification = "overdue" if certify_by < as_of else "due"
    expired = sorted({c["kind"] for c in worker.credentials.values()
                      if c["expired"] or (c["expires"] is not None and c["expires"] < as_of)})
    return {"peer_worker_id": str(worker.id), "certification": certification, "certify_by": certify_by,
            "credentials": held(worker, as_of), "expired": expired,
            "blocks_offers": bool(expired) and settings.expired_blocks_offers}


def by_employment(worker: PeerWorker) -> list[tuple]:
    """Each employment, under its organization by start: (organization, start, peer worker, employment)."""
    return [(e["organization_id"], e["start"], str(worker.id), e["employment_id"]) for e in worker.employments.values()]


def by_current_employment(worker: PeerWorker) -> list[tuple]:
    return [key for key in by_employment(worker) if worker.employments[key[3]]["left_on"] is None]


def by_current_employer(worker: PeerWorker) -> list[tuple]:
    """(organization, peer worker) for each organization employing them now."""
    return [(organization_id, str(worker.id)) for organization_id in worker.current_employers()]


def by_supervisor_credential(worker: PeerWorker) -> list[tuple]:
    """Those of an organization who may be eligible peer supervisors: a peer-supervisor credential not expired
    (the day and the years in peer roles are decided when asked)."""
    if any(c["kind"] == "peer_supervisor" and not c["expired"] for c in worker.credentials.values()):
        return by_current_employer(worker)
    return []


def workers_page(replayed, query: dict, keys, matches=lambda worker, key: True) -> tuple[list, list | None]:
    """(key, peer worker) of the query's organization in the order `keys` gives, after the query's `after`:
    a walk as long as the page, however many the organization or the network employs."""
    return replayed.entries(f"PeerWorker:{keys.__name__}", PeerWorker, keys, query["after"], query["limit"], matches,
                            prefix=(str(query["organization_id"]),))


def list_workforce(query: dict, caller: Caller, *, replayed, settings, clock) -> dict:
    as_of = iso(query["as_of"]) or today(clock)
    found, next_after = workers_page(replayed, query,
                                     by_employment if query["include_former"] else by_current_employment)
    rows = []
    for (_, _, _, employment_id), worker in found:
        employment = worker.employments[employment_id]
        rows.append({**employment, **status_of(worker, employment, as_of, settings)})
    return {"items": rows, "next_after": next_after}


def credential_status(query: dict, caller: Caller, *, replayed, settings, clock) -> dict:
    """Each current peer worker of an organization: certified, due, overdue, expired credentials."""
    organization_id, as_of = str(query["organization_id"]), iso(query["as_of"]) or today(clock)
    found, next_after = workers_page(replayed, query, by_current_employer)
    rows = []
    for _, worker in found:
        employment = worker.employment_at(organization_id)
        rows.append({"peer_worker_id": str(worker.id), "role_title": employment["role_title"],
                     **status_of(worker, employment, as_of, settings)})
    return {"items": rows, "next_after": next_after}


def eligible_peer_supervisors(query: dict, caller: Caller, *, replayed, settings, clock) -> dict:
    """Who at an organization may give professional-development supervision now."""
    as_of = today(clock)
    found, next_after = workers_page(
        replayed, query, by_supervisor_credential,
        lambda worker, key: eligibility.is_eligible_supervisor(worker, as_of, settings.min_peer_years))
    return {"items": [{"peer_worker_id": str(worker.id)} for _, worker in found], "next_after": next_after}


# -- the networking pool ----------------------------------------------------------------
# The pool is kept in the order of its members' display names, opened when a member's record changes and held
# in memory only. A page's cursor holds the last name shown sealed anew with its member's own key, so no name
# travels in clear in a URL and none can be read back once its member is forgotten.
AFTER = "pool-after:"  # what a sealed position opens to begins so: no other sealed field of theirs is one


def pool_order(vault):
    def by_display_name(worker: PeerWorker) -> list[tuple]:
        """(display name, peer worker) for a member of the pool; none for the forgotten."""
        if worker.pool is None or vault.is_forgotten(str(worker.id)):
            return []
        return [(vault.open(worker.pool["display_name"]).casefold(), str(worker.id))]
    return by_display_name


def pool_position(after: list | None, vault) -> list | None:
    """The key a cursor's sealed position stands for."""
    if after is None:
        return None
    try:
        subject_id, _ = split_token(after[0])
    except ValueError:
        raise InvalidInput({"after": ["not a position this search gave"]}) from None
    if vault.is_forgotten(subject_id):
        raise InvalidInput({"after": ["the last member shown has been forgotten since: search again from the "
                                      "first page"]})
    opened = vault.open(after[0])
    if not opened.startswith(AFTER):
        raise InvalidInput({"after": ["not a position this search gave"]})
    return [opened[len(AFTER):], subject_id]


def sealed_position(found: list, vault) -> list | None:
    """The position after the last member shown, sealed with their key (or the one before, forgotten since)."""
    for (name, peer_worker_id), _ in reversed(found):
        token = vault.seal_if_kept(peer_worker_id, AFTER + name)
        if token is not None:
            return [token]
    return None


def search_pool(query: dict, caller: Caller, *, store, replayed, vault, clock) -> dict:
    as_of = today(clock)
    forgotten = []

    def matches(worker: PeerWorker, key: tuple) -> bool:
        if vault.is_forgotten(str(worker.id)):  # forgotten since the name was opened
            forgotten.append(worker)
            return False
        pool = worker.pool
        return not ((query["region"] and query["region"] != pool["region"])
                    or (query["language"] and query["language"] not in codes(pool["languages"]))
                    or (query["specialty"] and query["specialty"] not in pool["specialties"])
                    or (query["credential"] and not worker.holds(query["credential"], as_of)))

    found, last_key = replayed.entries("PeerWorker:by_display_name", PeerWorker, pool_order(vault),
                                       pool_position(query["after"], vault), query["limit"], matches)
    replayed.put_again(forgotten)  # their opened names leave memory
    members = [{"peer_worker_id": str(worker.id), "display_name": vault.open(worker.pool["display_name"]),
                "organization_id": worker.pool["organization_id"], "region": worker.pool["region"],
                "languages": codes(worker.pool["languages"]), "specialties": worker.pool["specialties"],
                "credentials": held(worker, as_of)} for _, worker in found]
    # Only the page shown was read.
    store.record_access(caller, "search_pool", [(m["peer_worker_id"], "peer_worker", ["display_name"])
                                                for m in members])
    return {"items": members, "next_after": sealed_position(found, vault) if last_key else None}


# -- agreements -------------------------------------------------------------------------
def subcontract_view(agreement: SubcontractAgreement) -> dict:
    return {
        "agreement_id": str(agreement.id), "buyer_id": agreement.buyer_id, "provider_id": agreement.provider_id,
        "hours_per_week": agreement.hours_per_week, "amount": agreement.amount,
        "start": agreement.start, "end": agreement.end, "ended_on": agreement.ended_on,
        "status": "ended" if agreement.ended_on else "open",
        "provider_duties": agreement.provider_duties, "duties": agreement.duties,
        "placements": [{"peer_worker_id": worker, **placement}
                       for worker, placement in sorted(agreement.placements.items())],
        "hours_placed": sum(p["hours_per_week"] for p in agreement.placements.values()),
        "hours_report": agreement.hours_report(), "version": agreement.version,
    }


def supervision_view(agreement: SupervisionAgreement) -> dict:
    return {"agreement_id": str(agreement.id), **agreement.terms(), "status": agreement.status,
            "accepted_by": agreement.accepted_by, "version": agreement.version}


def agreement_of(store, kind: type, agreement_id, caller: Caller, field: str | None = None):
    """An agreement the caller is a party to (an agency admin), or a clear error."""
    agreement = store.aggregate(kind, agreement_id, field)
    check_party(caller, *agreement.parties())
    return agreement


def subcontract(query: dict, caller: Caller, *, store) -> dict:
    return subcontract_view(agreement_of(store, SubcontractAgreement, query["agreement_id"], caller))


def supervision_agreement(query: dict, caller: Caller, *, store) -> dict:
    return supervision_view(agreement_of(store, SupervisionAgreement, query["agreement_id"], caller))


def _listed(query: dict, replayed, kind: type, view) -> dict:
    """An agency admin's query names their organization (the access table fills it in)."""
    wanted = str(query["organization_id"]) if query["organization_id"] is not None else None

    def matches(agreement) -> bool:
        return (wanted is None or wanted in agreement.parties()) and (
            query["status"] is None or view(agreement)["status"] == query["status"])
    return keyset_page(replayed, query, kind, by_start, matches, view)


def list_subcontracts(query: dict, caller: Caller, *, replayed) -> dict:
    return _listed(query, replayed, SubcontractAgreement, subcontract_view)


def list_supervision_agreements(query: dict, caller: Caller, *, replayed) -> dict:
    return _listed(query, replayed, SupervisionAgreement, supervision_view)


# -- peer groups (Open Referral HSDS 3.0, used by 211 and community-resource directories) -----------
def group_view(group: PeerGroup) -> dict:
    return {"group_id": str(group.id), "host_organization_id": group.host_organization_id, "kind": group.kind,
            "name": group.name, "description": group.description, "region": group.region,
            "facilitator_ids": group.facilitator_ids, "place": group.place, "link": group.link,
            "schedule": group.schedule, "languages": codes(group.languages), "retired": group.retired}


def _group_matches(query: dict):
    host = str(query["host_organization_id"]) if query["host_organization_id"] else None

    def matches(g: PeerGroup) -> bool:
        return (not g.retired and (query["region"] is None or g.region == query["region"])
                and (query["kind"] is None or g.kind == query["kind"])
                and (host is None or g.host_organization_id == host))
    return matches


def _groups(query: dict, replayed) -> list[PeerGroup]:
    return sorted(filter(_group_matches(query), replayed.all(PeerGroup)), key=by_name)


def find_groups(query: dict, caller: Caller, *, replayed) -> dict:
    return keyset_page(replayed, query, PeerGroup, by_name, _group_matches(query), group_view)


# The HSDS export: every open organization with its peer support service, and each group as a
# service of its own. Only what organizations publish: no peer worker (not even a facilitator's id)
# and no person is in it. HSDS gives every object an id: ours are uuid5 of what they belong to, so an
# export taken again names the same objects the same way.
ORGANIZATION_DESCRIPTIONS = {
    "peer_run_organization": "Peer-run organization: people with lived experience of mental health challenges "
                             "and recovery support others on their way.",
    "agency": "Agency offering peer support: peer workers with lived experience of mental health challenges "
              "and recovery.",
}
TAXONOMY = "peernet-peer-support"


def _present(record: dict) -> dict:
    """HSDS fields are left out rather than null (its schemas type them as strings)."""
    return {key: value for key, value in record.items() if value is not None}


def _languages(owner_id, languages: list) -> list[dict]:
    return [{"id": str(uuid5(owner_id, f"language:{code}")), "service_id": str(owner_id),
             "name": english_name(code), "code": code} for code in codes(languages)]


def _service_areas(service_id, regions: list) -> list[dict]:
    # The state's regions are its counties (shared/data/regions.json).
    return [{"id": str(uuid5(service_id, f"service_area:{region}")), "service_id": str(service_id),
             "name": region, "description": "county"} for region in regions]


def _kind_attribute(owner_id, kind: str) -> dict:
    return {"id": str(uuid5(owner_id, "attribute:kind")), "link_id": str(owner_id), "link_type": "service",
            "taxonomy_term": {"id": str(uuid5(owner_id, f"taxonomy_term:{kind}")), "code": kind,
                              "name": KIND_LABELS[kind], "description": KIND_LABELS[kind], "taxonomy": TAXONOMY}}


def _hsds_organization(organization: Organization) -> dict:
    contact = organization.contact
    record = _present({
        "id": str(organization.id), "name": organization.name,
        "description": ORGANIZATION_DESCRIPTIONS[organization.kind],
        "email": contact.get("email"), "website": contact.get("website"),
        "phones": [{"id": str(uuid5(organization.id, "phone")), "organization_id": str(organization.id),
                    "number": contact["phone"], "type": "voice"}] if contact.get("phone") else []})
    if contact.get("address"):
        # Directory keeps the address as one text, not HSDS's parts: it travels as the location's description.
        record["locations"] = [{"id": str(uuid5(organization.id, "location")), "location_type": "postal",
                                "organization_id": str(organization.id), "name": organization.name,
                                "description": contact["address"]}]
    return record


def _peer_support_service(organization: Organization) -> dict:
    service_id = uuid5(organization.id, "service:peer_support")
    contact = organization.contact
    return _present({
        "id": str(service_id), "organization_id": str(organization.id), "name": f"Peer support: {organization.name}",
        "description": ORGANIZATION_DESCRIPTIONS[organization.kind], "status": "active",
        "url": contact.get("website"), "email": contact.get("email"),
        "languages": _languages(service_id, organization.languages),
        "service_areas": _service_areas(service_id, organization.regions),
        "attributes": [_kind_attribute(service_id, "peer_support")]})


def export_hsds(query: dict, caller: Caller, *, replayed) -> dict:
    """HSDS 3.0 tables: organizations, services, locations, service_at_locations, schedules.

    The whole directory, no page. The filters narrow the services (an organization's own peer
    support service is of kind `peer_support` and serves its regions); an organization is in it
    with at least one of its services."""
    host = str(query["host_organization_id"]) if query["host_organization_id"] else None
    organizations = {str(o.id): o for o in replayed.all(Organization)
                     if not o.closed and (host is None or str(o.id) == host)}
    services = [_peer_support_service(o) for o in organizations.values()
                if query["kind"] in (None, "peer_support") and (query["region"] is None or query["region"]
                                                                in o.regions)]
    groups = [g for g in _groups(query, replayed) if g.host_organization_id in organizations]
    export = {"hsds_version": HSDS_VERSION, "organizations": [], "services": services, "locations": [],
              "service_at_locations": [], "schedules": []}
    for group in groups:
        export["services"].append(_present({
            "id": str(group.id), "organization_id": group.host_organization_id, "name": group.name,
            "description": group.description or KIND_LABELS[group.kind], "status": "active", "url": group.link,
            "languages": _languages(group.id, group.languages), "service_areas": _service_areas(group.id, [group.region]),
            "attributes": [_kind_attribute(group.id, group.kind)]}))
        location_id = str(uuid5(group.id, "location"))
        location = _present({"id": location_id, "organization_id": group.host_organization_id,
                             "location_type": "physical" if group.place else "virtual", "url": group.link,
                             "name": (group.place or {}).get("name") or group.name, "addresses": []})
        if group.place:
            location["addresses"].append({
                "id": str(uuid5(group.id, "address")), "location_id": location_id, "address_type": "physical",
                "country": "US",
                **{key: group.place[key] for key in ("address_1", "city", "state_province", "postal_code")}})
        export["locations"].append(location)
        export["service_at_locations"].append({"id": str(uuid5(group.id, "service_at_location")),
                                               "service_id": str(group.id), "location_id": location_id})
        schedule = {key: value for key, value in group.schedule.items() if key != "timezone"}
        # HSDS 3.0 gives a schedule's timezone as a number (an offset), which a zone with summer time has not.
        export["schedules"].append(_present({
            "id": str(uuid5(group.id, "schedule")), "service_id": str(group.id), **schedule,
            "description": f"Times in {group.schedule['timezone']}" if group.schedule.get("timezone") else None}))
    offering = {service["organization_id"] for service in export["services"]}
    export["organizations"] = [_hsds_organization(o) for o in sorted(
        organizations.values(), key=lambda o: (o.name.casefold(), str(o.id))) if str(o.id) in offering]
    export["services"].sort(key=lambda service: (service["name"].casefold(), service["id"]))
    return export


# -- files organizations send each other -------------------------------------------------------------
def subcontract_hours(query: dict, caller: Caller, *, replayed) -> list[dict]:
    """Hours delivered against agreed per subcontract and month, for the subcontracts the query's
    organization is party to (an agency admin's own, filled in by the access table), or all.

    A week counts in the month its Monday falls in, as the state's figures count it; `weeks` says
    how many weeks of the month were reported, so a month with a week missing is seen as such."""
    wanted = str(query["organization_id"]) if query["organization_id"] is not None else None
    agreement = str(query["agreement_id"]) if query["agreement_id"] is not None else None
    names = {str(o.id): o.name for o in replayed.all(Organization)}
    rows = []
    for subcontract in replayed.all(SubcontractAgreement):
        if (wanted is not None and wanted not in subcontract.parties()) or (
                agreement is not None and str(subcontract.id) != agreement):
            continue
        months: dict[str, dict] = {}
        for week, row in sorted(subcontract.delivered.items()):
            month = months.setdefault(week[:7], {"weeks": 0, "hours_delivered": 0, "hours_agreed": 0})
            month["weeks"] += 1
            month["hours_delivered"] += row["hours_delivered"]
            month["hours_agreed"] += row["hours_agreed"]
        for month, totals in months.items():
            rows.append({"agreement_id": str(subcontract.id), "buyer_id": subcontract.buyer_id,
                         "buyer": names.get(subcontract.buyer_id), "provider_id": subcontract.provider_id,
                         "provider": names.get(subcontract.provider_id), "month": month, "weeks": totals["weeks"],
                         "hours_delivered": round(totals["hours_delivered"], 2),
                         "hours_agreed": round(totals["hours_agreed"], 2),
                         "difference": round(totals["hours_delivered"] - totals["hours_agreed"], 2)})
    rows.sort(key=lambda row: ((row["buyer"] or "").casefold(), (row["provider"] or "").casefold(),
                               row["agreement_id"], row["month"]))
    return rows
