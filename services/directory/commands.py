"""Directory's commands: organizations, the workforce and credentials, the networking
pool, agreements between organizations and peer groups.

Each handler gets the command already admitted by directory's access table
(shared/contracts/commands/directory.py: roles, a peer worker only for
themselves, an agency admin only for their own organization or where it is a
party) and, by keyword, what it needs: `store` (the DirectoryApplication), the
read model `replayed`, `vault`, `settings`, `clock`, `names_lock`. Rules that
need stored state (an agreement's parties, a worker's employers) are checked
here, and the domain's own in its aggregates (domain.py). A refusal stores
nothing; a concurrent change is a Conflict, never a lost update.
"""
from __future__ import annotations

import inspect
import uuid
from contextlib import contextmanager
from datetime import timedelta
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from services.directory import eligibility
from services.directory.domain import (Organization, PeerGroup, PeerWorker, RuleBroken, SubcontractAgreement,
                                       SupervisionAgreement)
from services.directory.queries import CERTIFICATION, agreement_of, check_party, iso, supervision_view, today
from shared.errors import Conflict, InvalidInput, NotAllowed
from shared.identity import Caller
from shared.peer_role_chart import check_duties, load_chart, refusal_document


# -- what every command shares -------------------------------------------------------------
@contextmanager
def changing(store, *aggregates):
    """A command's change to some aggregates (and any it adds to the list it is given): a domain rule
    refusing becomes a field error and nothing is saved; otherwise they are saved together, or not at
    all (someone else's change meanwhile: Conflict)."""
    also: list = []
    try:
        yield also
    except RuleBroken as broken:
        raise InvalidInput({broken.field: [str(broken)]}) from None
    store.save(*aggregates, *also)


def money(value) -> str:
    return f"{value:.2f}"


def new(store, aggregate, created, wanted, /, **kwargs):
    """A new aggregate under the id the command chose (or its Idempotency-Key gave), unless that is taken:
    then the command was carried out before (409), not a second time."""
    if wanted is None:
        return aggregate(**kwargs)
    try:
        store.repository.get(wanted)
    except AggregateNotFoundError:
        bound = inspect.signature(aggregate.__init__).bind(None, **kwargs)
        bound.apply_defaults()  # eventsourcing's _create, which takes the id, wants every argument
        return aggregate._create(created, id=wanted, **dict(list(bound.arguments.items())[1:]))
    raise Conflict(f"{wanted} exists already: it was made before (a request sent again?)")


def open_organization(store, organization_id, field: str) -> Organization:
    organization = store.aggregate(Organization, organization_id, field)
    if organization.closed:
        raise InvalidInput({field: [f"organization {organization.name!r} is closed"]})
    return organization


def employed_worker(store, peer_worker_id, organization_id, field: str = "peer_worker_id") -> PeerWorker:
    worker = store.aggregate(PeerWorker, peer_worker_id, field)
    if str(organization_id) not in worker.current_employers():
        raise InvalidInput({field: [f"peer worker {peer_worker_id} is not employed by organization "
                                    f"{organization_id}"]})
    return worker


def refuse_chart_duties(field: str, duties: list[str]) -> None:
    """Refuse duties the handbook's chart says are not a peer role, with its reasons and alternative.

    Each field message is in English; `extra["refused_duties"]` gives the same refusals as data,
    every chart text in English and Spanish, for pages in either language.
    """
    chart = load_chart()
    errors: dict[int, list[str]] = {}
    refused = []
    for index, text in enumerate(duties):
        for duty in check_duties([text]):
            reasons = ", ".join(chart.reason_names[reason] for reason in duty.reasons)
            message = f"{text!r} is not part of a peer role ({duty.duty}; {reasons}). {duty.why}"
            if duty.alternative:
                message += f" Consistent with a peer role: {duty.alternative}"
            errors.setdefault(index, []).append(message)
            refused.append(refusal_document(field, index, duty))
    if errors:
        raise InvalidInput({field: errors}, extra={"refused_duties": refused})


# -- organizations ---------------------------------------------------------------------------
def _refuse_duplicate_name(replayed, name: str, regions: list, besides: UUID | None = None) -> None:
    """Two open organizations may not share a name in a region: people could not tell them apart."""
    wanted = " ".join(name.casefold().split())
    for other in replayed.all(Organization):
        if other.closed or other.id == besides or " ".join(other.name.casefold().split()) != wanted:
            continue
        shared = sorted(set(regions) & set(other.regions))
        if shared:
            raise InvalidInput({"name": [f"an organization named {other.name!r} already serves "
                                         f"{', '.join(shared)}; choose a name people can tell apart"]})


def _contact_of(command: dict) -> dict:
    return {key: value for key, value in (command.get("contact") or {}).items() if value is not None}


def register_organization(command: dict, caller: Caller, *, store, replayed, names_lock) -> str:
    # Checking a name and saving it happen under one lock, so two registrations in this
    # process cannot both pass; separate instances can still race (see README).
    with names_lock:
        # Made (not stored) first: the same id again is "done before" (409), whatever its name says.
        organization = new(store, Organization, Organization.Registered, command["organization_id"],
                           name=command["name"], kind=command["kind"], regions=command["regions"],
                           contact=_contact_of(command), languages=command["languages"], actor=caller.as_actor())
        _refuse_duplicate_name(replayed, command["name"], command["regions"])
        store.save(organization)
    return str(organization.id)


def update_organization(command: dict, caller: Caller, *, store, replayed, names_lock) -> None:
    organization = open_organization(store, command["organization_id"], "organization_id")
    name = command.get("name", organization.name)
    regions = command.get("regions", organization.regions)
    contact = _contact_of(command) if "contact" in command else organization.contact
    languages = command.get("languages", organization.languages)
    with names_lock:
        _refuse_duplicate_name(replayed, name, regions, besides=organization.id)
        organization.update(name, regions, contact, caller.as_actor(), languages)
        store.save(organization)


def close_organization(command: dict, caller: Caller, *, store) -> None:
    organization = store.aggregate(Organization, command["organization_id"], "organization_id")
    with changing(store, organization):
        organization.close(caller.as_actor())


# -- the workforce ---------------------------------------------------------------------------
def record_employment(command: dict, caller: Caller, *, store, settings) -> str:
    open_organization(store, command["organization_id"], "organization_id")
    worker_id, actor, years = command["peer_worker_id"], caller.as_actor(), settings.min_peer_years
    since = iso(command["peer_role_since"])
    if worker_id in store.repository:
        worker = store.aggregate(PeerWorker, worker_id, "peer_worker_id")
        if since is not None and since != worker.peer_role_since:
            worker.set_peer_role_since(since, actor, eligibility.peer_years_met_on(since, years))
    else:
        worker = PeerWorker(peer_worker_id=worker_id, peer_role_since=since, actor=actor,
                            peer_years_met_on=eligibility.peer_years_met_on(since, years))
    certify_by = None
    if command["certification_required"] and not worker.holds(CERTIFICATION, iso(command["start"])):
        certify_by = iso(command["certify_by"] or command["start"] + timedelta(days=settings.certify_within_days))
    employment_id = str(uuid.uuid4())
    with changing(store, worker):
        worker.begin_employment(employment_id, str(command["organization_id"]), command["role_title"],
                                command["hours_per_week"], iso(command["start"]), iso(command["end"]),
                                certify_by, actor)
    return employment_id


def end_employment(command: dict, caller: Caller, *, store, replayed) -> None:
    worker = store.aggregate(PeerWorker, command["peer_worker_id"], "peer_worker_id")
    organization_id = str(command["organization_id"])
    with changing(store, worker) as placements:
        worker.leave(organization_id, iso(command["left_on"]), caller.as_actor())
        if worker.pool is not None and worker.pool["organization_id"] == organization_id:
            # Pool members are shown with their organization: leaving it hides them.
            worker.leave_pool(caller.as_actor())
        # Nobody stays placed by an organization they no longer work for; saved together, or not at all.
        for seen in replayed.all(SubcontractAgreement):
            if seen.provider_id == organization_id and str(worker.id) in seen.placements:
                agreement = store.aggregate(SubcontractAgreement, seen.id)
                if str(worker.id) in agreement.placements and agreement.ended_on is None:
                    agreement.end_placement(str(worker.id), caller.as_actor())
                    placements.append(agreement)


def _check_employer(worker: PeerWorker, caller: Caller) -> None:
    """An agency admin changes only the records of peer workers their organization employs now."""
    if caller.role == "agency_admin" and caller.organization_id not in worker.current_employers():
        raise NotAllowed("an agency admin may change only their own organization's peer workers")


def set_peer_role_since(command: dict, caller: Caller, *, store, settings) -> None:
    worker = store.aggregate(PeerWorker, command["peer_worker_id"], "peer_worker_id")
    _check_employer(worker, caller)
    since = iso(command["peer_role_since"])
    worker.set_peer_role_since(since, caller.as_actor(), eligibility.peer_years_met_on(since, settings.min_peer_years))
    store.save(worker)


def record_credential(command: dict, caller: Caller, *, store, vault, settings, clock) -> str:
    worker = store.aggregate(PeerWorker, command["peer_worker_id"], "peer_worker_id")
    _check_employer(worker, caller)
    credential_id = str(command["credential_id"] or uuid.uuid4())
    if credential_id in worker.credentials:
        raise Conflict(f"credential {credential_id} was recorded before (a request sent again?)")
    number = command["number"]
    worker.record_credential(
        credential_id=credential_id, kind=command["kind"], state=command["state"],
        number=vault.seal(str(worker.id), number) if number is not None else None,
        issued=iso(command["issued"]), expires=iso(command["expires"]), actor=caller.as_actor())
    # Recorded already past its date: it expires now, so others learn of it at once.
    _expire_due(worker, today(clock), settings, caller.as_actor())
    store.save(worker)
    return credential_id


def record_continuing_education(command: dict, caller: Caller, *, store) -> None:
    worker = store.aggregate(PeerWorker, command["peer_worker_id"], "peer_worker_id")
    _check_employer(worker, caller)
    report_id = str(command["report_id"]) if command["report_id"] else None
    if report_id is not None and worker.reported(report_id):
        return  # the same report again: its hours count once
    worker.record_continuing_education(command["hours"], iso(command["period_start"]),
                                       iso(command["period_end"]), caller.as_actor(), report_id=report_id)
    store.save(worker)


def _expire_due(worker: PeerWorker, as_of: str, settings, actor: dict) -> int:
    due = worker.due_to_expire(as_of)
    for credential in due:
        worker.expire(credential["credential_id"], credential["kind"], credential["expires"],
                      settings.expired_blocks_offers, actor)
    return len(due)


def _each_worker(store, replayed, due, change) -> int:
    """Change every peer worker `due` picks from the read model, each saved alone; how many were.

    Another instance, or an edit, saving one first is left to them: the next round sees it."""
    changed = 0
    for seen in replayed.all(PeerWorker):
        if due(seen):
            worker = store.aggregate(PeerWorker, seen.id)
            count = change(worker)
            try:
                store.save(worker)
            except Conflict:
                continue
            changed += count
    return changed


def expire_credentials(command: dict, caller: Caller, *, store, replayed, settings, clock) -> int:
    """Expire every credential whose date has passed; the service's timer calls this hourly."""
    as_of = iso(command["as_of"]) or today(clock)
    return _each_worker(store, replayed, lambda seen: seen.due_to_expire(as_of),
                        lambda worker: _expire_due(worker, as_of, settings, caller.as_actor()))


def decide_peer_years(command: dict, caller: Caller, *, store, replayed, settings) -> int:
    """Keep and publish the day the years in peer roles are met wherever the kept day is not what
    the state's setting gives now: starts stored before directory kept it, and everyone after the
    setting changed. The hourly timer calls this, and it runs at start."""
    years = settings.min_peer_years

    def decide(worker: PeerWorker) -> int:
        since = worker.peer_role_since
        worker.set_peer_role_since(since, caller.as_actor(), eligibility.peer_years_met_on(since, years))
        return 1

    return _each_worker(store, replayed, lambda seen: seen.peer_role_since is not None and (
        seen.peer_years_met_on != eligibility.peer_years_met_on(seen.peer_role_since, years)), decide)


# -- the networking pool: each peer worker's own choice ----------------------------------------
def join_pool(command: dict, caller: Caller, *, store, vault) -> None:
    worker = employed_worker(store, command["peer_worker_id"], command["organization_id"])
    worker.join_pool(str(command["organization_id"]), vault.seal(str(worker.id), command["display_name"]),
                     command["region"], command["languages"], command["specialties"], caller.as_actor())
    store.save(worker)


def leave_pool(command: dict, caller: Caller, *, store) -> None:
    worker = store.aggregate(PeerWorker, command["peer_worker_id"], "peer_worker_id")
    with changing(store, worker):
        worker.leave_pool(caller.as_actor())


# -- agreements ---------------------------------------------------------------------------------
def _agreement(store, kind: type, command: dict, caller: Caller):
    """The agreement a command acts on: the caller a party, at the version they last read."""
    agreement = agreement_of(store, kind, command["agreement_id"], caller, "agreement_id")
    expected = command["expected_version"]
    if expected is not None and expected != agreement.version:
        raise Conflict(f"the record is at version {agreement.version}, not {expected}: "
                       "someone else changed it; read it again and retry")
    return agreement


def make_subcontract(command: dict, caller: Caller, *, store) -> str:
    refuse_chart_duties("duties", command["duties"])
    buyer = open_organization(store, command["buyer_id"], "buyer_id")
    provider = open_organization(store, command["provider_id"], "provider_id")
    if buyer.id == provider.id:
        raise InvalidInput({"provider_id": ["an organization does not subcontract from itself"]})
    if provider.kind != "peer_run_organization":
        raise InvalidInput({"provider_id": [f"{provider.name!r} is not a peer-run organization"]})
    agreement = new(
        store, SubcontractAgreement, SubcontractAgreement.Made, command["agreement_id"],
        buyer_id=str(buyer.id), provider_id=str(provider.id), hours_per_week=command["hours_per_week"],
        amount=money(command["amount"]), start=iso(command["start"]), end=iso(command["end"]),
        provider_duties=sorted(set(command["provider_duties"])), duties=command["duties"],
        actor=caller.as_actor())
    store.save(agreement)
    return str(agreement.id)


def amend_subcontract(command: dict, caller: Caller, *, store) -> None:
    if "duties" in command:
        refuse_chart_duties("duties", command["duties"])
    agreement = _agreement(store, SubcontractAgreement, command, caller)
    amount = money(command["amount"]) if "amount" in command else agreement.amount
    with changing(store, agreement):
        agreement.amend(command.get("hours_per_week", agreement.hours_per_week), amount,
                        command.get("duties", agreement.duties), caller.as_actor())


def renew_subcontract(command: dict, caller: Caller, *, store) -> None:
    agreement = _agreement(store, SubcontractAgreement, command, caller)
    amount = money(command["amount"]) if command["amount"] is not None else agreement.amount
    with changing(store, agreement):
        agreement.renew(iso(command["end"]), amount, caller.as_actor())


def end_subcontract(command: dict, caller: Caller, *, store) -> None:
    agreement = _agreement(store, SubcontractAgreement, command, caller)
    with changing(store, agreement):
        agreement.end_agreement(iso(command["ended_on"]), caller.as_actor())


def place_peer_worker(command: dict, caller: Caller, *, store) -> None:
    refuse_chart_duties("duties", command["duties"])
    agreement = _agreement(store, SubcontractAgreement, command, caller)
    # The provider names the peer workers it employs.
    employed_worker(store, command["peer_worker_id"], agreement.provider_id)
    with changing(store, agreement):
        agreement.place(str(command["peer_worker_id"]), command["hours_per_week"], command["duties"],
                        caller.as_actor())


def end_placement(command: dict, caller: Caller, *, store) -> None:
    agreement = _agreement(store, SubcontractAgreement, command, caller)
    with changing(store, agreement):
        agreement.end_placement(str(command["peer_worker_id"]), caller.as_actor())


def record_hours_delivered(command: dict, caller: Caller, *, store) -> None:
    agreement = _agreement(store, SubcontractAgreement, command, caller)
    with changing(store, agreement):
        agreement.record_hours(iso(command["week_start"]), command["hours"], caller.as_actor())


def propose_supervision(command: dict, caller: Caller, *, store, settings) -> str:
    supervised, supervising = command["supervised_organization_id"], command["supervising_organization_id"]
    open_organization(store, supervised, "supervised_organization_id")
    open_organization(store, supervising, "supervising_organization_id")
    for index, worker_id in enumerate(command["peer_worker_ids"]):
        worker = store.aggregate(PeerWorker, worker_id, "peer_worker_ids")
        if str(supervised) not in worker.current_employers():
            raise InvalidInput({"peer_worker_ids": {index: [
                f"peer worker {worker_id} is not employed by the supervised organization"]}})
    supervisor_id = command["supervisor_id"]
    if supervisor_id is not None:
        supervisor = employed_worker(store, supervisor_id, supervising, "supervisor_id")
        if not eligibility.is_eligible_supervisor(supervisor, iso(command["start"]), settings.min_peer_years):
            raise InvalidInput({"supervisor_id": [
                "not an eligible peer supervisor: needs a current peer-supervisor credential and "
                f"{settings.min_peer_years} years in peer roles"]})
        if supervisor_id in command["peer_worker_ids"]:
            raise InvalidInput({"supervisor_id": ["nobody supervises themselves"]})
    agreement = new(
        store, SupervisionAgreement, SupervisionAgreement.Proposed, command["agreement_id"],
        supervised_organization_id=str(supervised), supervising_organization_id=str(supervising),
        peer_worker_ids=[str(w) for w in command["peer_worker_ids"]],
        hours_per_month=command["hours_per_month"], start=iso(command["start"]), end=iso(command["end"]),
        cost=money(command["cost"]), supervisor_id=str(supervisor_id) if supervisor_id else None,
        actor=caller.as_actor())
    store.save(agreement)
    return str(agreement.id)


def accept_supervision(command: dict, caller: Caller, *, store) -> dict:
    agreement = _agreement(store, SupervisionAgreement, command, caller)
    with changing(store, agreement):
        agreement.accept(str(command["organization_id"]), caller.as_actor())
    return supervision_view(agreement)


def decline_supervision(command: dict, caller: Caller, *, store) -> None:
    agreement = _agreement(store, SupervisionAgreement, command, caller)
    with changing(store, agreement):
        agreement.decline(str(command["organization_id"]), caller.as_actor())


def end_supervision(command: dict, caller: Caller, *, store) -> None:
    agreement = _agreement(store, SupervisionAgreement, command, caller)
    with changing(store, agreement):
        agreement.end_agreement(iso(command["ended_on"]), caller.as_actor())


# -- peer groups ---------------------------------------------------------------------------------
def list_group(command: dict, caller: Caller, *, store) -> str:
    open_organization(store, command["host_organization_id"], "host_organization_id")
    for facilitator in command["facilitator_ids"]:
        store.aggregate(PeerWorker, facilitator, "facilitator_ids")
    schedule = command["schedule"]
    group = new(
        store, PeerGroup, PeerGroup.Listed, command["group_id"],
        host_organization_id=str(command["host_organization_id"]), kind=command["kind"], name=command["name"],
        description=command["description"], region=command["region"],
        facilitator_ids=[str(f) for f in command["facilitator_ids"]], place=command["place"],
        link=command["link"], schedule={**schedule, "opens_at": schedule["opens_at"].strftime("%H:%M"),
                                        "closes_at": schedule["closes_at"].strftime("%H:%M")},
        languages=command["languages"], actor=caller.as_actor())
    store.save(group)
    return str(group.id)


def retire_group(command: dict, caller: Caller, *, store) -> None:
    group = store.aggregate(PeerGroup, command["group_id"], "group_id")
    check_party(caller, group.host_organization_id)
    with changing(store, group):
        group.retire(caller.as_actor())
