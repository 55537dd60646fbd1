"""Finding a supervisor: same organization first, then an active supervision agreement,
then the networking pool, each candidate ranked and explained; and what a supervisor carries."""
from __future__ import annotations

from services.supervision.domain import Agreement, Assignment, Organization, Worker
from services.supervision.rules import problems, weight
from services.supervision.settings import Settings
from services.supervision.views import Work
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
        reasons = [explain_route(route, agreement_id, candidate, supervisee, as_of)]
        score = 0.0
        for region in sorted(regions & regions_of(work, candidate, as_of)):
            score += 2
            reasons.append(f"serves the same region: {region}")
        pool = candidate.pool or {}
        for language in sorted(languages & {normalized(v) for v in pool.get("languages", [])}):
            score += 1
            reasons.append(f"speaks {english_name(language)}")
        for specialty in sorted(specialties & set(pool.get("specialties", []))):
            score += 1
            reasons.append(f"specialty: {specialty}")
        score += free / settings.capacity
        reasons.append(f"free capacity: {free:g} of {settings.capacity:g} full-time supervisees")
        found.append({"supervisor_id": supervisor_id, "route": route, "agreement_id": agreement_id,
                      "organization_ids": sorted(candidate.organizations(as_of)),
                      "score": round(score, 3), "free_capacity": round(free, 3), "reasons": reasons})
    found.sort(key=lambda o: (ROUTE_ORDER[o["route"]], -o["score"], o["supervisor_id"]))
    return found


def explain_route(route: str, agreement_id: str | None, candidate: Worker, supervisee: Worker, as_of: str) -> str:
    if route == "same_organization":
        return "works in the same organization"
    if route == "agreement":
        return f"under the active supervision agreement {agreement_id}"
    theirs = candidate.pool["organization_id"]
    ours = ", ".join(sorted(supervisee.organizations(as_of)))
    return (f"from the networking pool: needs a supervision agreement between organization {theirs} "
            f"(supervising) and {ours} (supervised), accepted by both in directory")
