"""Finding a supervisor: same organization first, then an active supervision agreement,
then the networking pool, each candidate ranked and explained; and what a supervisor carries.

Each option's `facts` say why it was found as data a page can translate (a code and its values:
organization ids, a region, a BCP 47 language code, a specialty, free capacity); `reasons` are the
same facts as English sentences, one for one, kept for the callers that read them."""
from __future__ import annotations

from services.supervision.domain import Agreement, Assignment, Organization, Worker
from services.supervision.rules import problems, weight
from services.supervision.settings import Settings
from services.supervision.projections import Work
from shared.languages import english_name, normalized

ROUTE_ORDER = {"same_organization": 0, "agreement": 1, "pool": 2}


def loads(work: Work, settings: Settings, as_of: str) -> dict[str, float]:
    """Full-time equivalents each supervisor carries: open offers count, so capacity holds for them too."""
    pairs = {(a.supervisor_id, a.peer_worker_id) for a in work.all(Assignment) if a.open}
    carried: dict[str, float] = {}
    for supervisor_id, peer_worker_id in pairs:
        supervisee = work.read(peer_worker_id, Worker)
        share = weight(supervisee, settings, as_of) if supervisee else 1.0
        carried[supervisor_id] = carried.get(supervisor_id, 0.0) + share
    return carried


def has_open(work: Work, peer_worker_id: str, kind: str) -> bool:
    """Whether a peer worker has an open supervision (offered or active) of this kind: one at a time."""
    return any(a.open and a.kind == kind and a.peer_worker_id == peer_worker_id for a in work.all(Assignment))


def regions_of(work: Work, worker: Worker, as_of: str) -> set[str]:
    regions = {worker.pool["region"]} if worker.pool else set()
    for organization_id in worker.organizations(as_of):
        organization = work.read(organization_id, Organization)
        if organization is not None:
            regions |= set(organization.regions)
    return regions


def route_for(work: Work, candidate: Worker, supervisee: Worker, as_of: str) -> tuple[str | None, str | None]:
    if candidate.organizations(as_of) & supervisee.organizations(as_of):
        return "same_organization", None
    for agreement in sorted(work.all(Agreement), key=lambda a: str(a.id)):
        if agreement.covers(candidate, supervisee, as_of):
            return "agreement", str(agreement.id)
    if candidate.pool is not None:
        return "pool", None
    return None, None


def options(work: Work, settings: Settings, supervisee: Worker, kind: str, as_of: str,
            languages=None, specialties=None, exclude=()) -> list[dict]:
    """Every supervisor who may take this peer worker now, best first, each with why."""
    own_pool = supervisee.pool or {}
    # codes; pool entries stored before languages were codes carry names
    languages = {normalized(v) for v in (languages if languages is not None else own_pool.get("languages", []))}
    specialties = set(specialties if specialties is not None else own_pool.get("specialties", []))
    regions = regions_of(work, supervisee, as_of)
    carried = loads(work, settings, as_of)
    share = weight(supervisee, settings, as_of)
    found = []
    for candidate in work.all(Worker):
        supervisor_id = str(candidate.id)
        if supervisor_id in exclude or problems(candidate, supervisee, kind, settings, as_of):
            continue
        free = settings.capacity - carried.get(supervisor_id, 0.0)
        if free < share:
            continue
        route, agreement_id = route_for(work, candidate, supervisee, as_of)
        if route is None:
            continue
        facts = [route_fact(route, agreement_id, candidate, supervisee, as_of)]
        score = 0.0
        for region in sorted(regions & regions_of(work, candidate, as_of)):
            score += 2
            facts.append({"code": "same_region", "region": region})
        pool = candidate.pool or {}
        for language in sorted(languages & {normalized(v) for v in pool.get("languages", [])}):
            score += 1
            facts.append({"code": "speaks", "language": language})
        for specialty in sorted(specialties & set(pool.get("specialties", []))):
            score += 1
            facts.append({"code": "specialty", "specialty": specialty})
        score += free / settings.capacity
        facts.append({"code": "free_capacity", "free": round(free, 3), "capacity": settings.capacity})
        found.append({"supervisor_id": supervisor_id, "route": route, "agreement_id": agreement_id,
                      "organization_ids": sorted(candidate.organizations(as_of)),
                      "pool_region": pool.get("region"),
                      "score": round(score, 3), "free_capacity": round(free, 3),
                      "reasons": [explain(fact) for fact in facts], "facts": facts})
    found.sort(key=lambda o: (ROUTE_ORDER[o["route"]], -o["score"], o["supervisor_id"]))
    return found


def route_fact(route: str, agreement_id: str | None, candidate: Worker, supervisee: Worker, as_of: str) -> dict:
    if route == "same_organization":
        return {"code": "same_organization"}
    if route == "agreement":
        return {"code": "agreement", "agreement_id": agreement_id}
    return {"code": "pool", "organization_id": candidate.pool["organization_id"],
            "supervised_organization_ids": sorted(supervisee.organizations(as_of))}


def explain(fact: dict) -> str:
    """A fact as the English reason the answer has always carried (pages translate the facts)."""
    code = fact["code"]
    if code == "same_organization":
        return "works in the same organization"
    if code == "agreement":
        return f"under the active supervision agreement {fact['agreement_id']}"
    if code == "pool":
        return (f"from the networking pool: needs a supervision agreement between organization "
                f"{fact['organization_id']} (supervising) and {', '.join(fact['supervised_organization_ids'])} "
                f"(supervised), accepted by both in directory")
    if code == "same_region":
        return f"serves the same region: {fact['region']}"
    if code == "speaks":
        return f"speaks {english_name(fact['language'])}"
    if code == "specialty":
        return f"specialty: {fact['specialty']}"
    return f"free capacity: {fact['free']:g} of {fact['capacity']:g} full-time supervisees"
