"""The peer workforce: employment, peer-role experience, credentials and the networking pool."""
from __future__ import annotations

import uuid
from datetime import timedelta

from services.directory import eligibility
from services.directory.common import check_scope, is_self, iso, rules, today
from services.directory.domain import PeerWorker, SubcontractAgreement
from shared.contracts.commands import directory as schemas
from shared.errors import Conflict, NotAllowed
from services.directory.views import page
from shared.identity import Caller
from shared.languages import codes
from shared.schemas import load

CERTIFICATION = "certified_peer_specialist"


def continuing_education_by_period(worker: PeerWorker) -> list[dict]:
    totals: dict[tuple[str, str], float] = {}
    for item in worker.continuing_education:
        period = (item["period_start"], item["period_end"])
        totals[period] = totals.get(period, 0) + item["hours"]
    return [{"period_start": start, "period_end": end, "hours": hours}
            for (start, end), hours in sorted(totals.items())]


class WorkforceCommands:
    # -- employment -------------------------------------------------------------
    def record_employment(self, payload: dict, caller: Caller) -> str:
        command = load(schemas.RecordEmployment(), payload)
        check_scope(caller, command["organization_id"])
        self.open_organization(command["organization_id"], "organization_id")
        worker_id = command["peer_worker_id"]
        actor = caller.as_actor()
        if worker_id in self.repository:
            worker = self.load_aggregate(PeerWorker, worker_id, "peer_worker_id")
            since = iso(command["peer_role_since"])
            if since is not None and since != worker.peer_role_since:
                worker.set_peer_role_since(since, actor, eligibility.peer_years_met_on(since))
        else:
            since = iso(command["peer_role_since"])
            worker = PeerWorker(peer_worker_id=worker_id, peer_role_since=since, actor=actor,
                                peer_years_met_on=eligibility.peer_years_met_on(since))
        certify_by = None
        if command["certification_required"] and not worker.holds(CERTIFICATION, iso(command["start"])):
            certify_by = iso(command["certify_by"] or command["start"] + timedelta(days=self.certify_within_days))
        employment_id = str(uuid.uuid4())
        with rules():
            worker.begin_employment(employment_id, str(command["organization_id"]), command["role_title"],
                                    command["hours_per_week"], iso(command["start"]), iso(command["end"]),
                                    certify_by, actor)
        self.store(worker)
        return employment_id

    def end_employment(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.EndEmployment(), payload)
        check_scope(caller, command["organization_id"])
        worker = self.load_aggregate(PeerWorker, command["peer_worker_id"], "peer_worker_id")
        organization_id = str(command["organization_id"])
        with rules():
            worker.leave(organization_id, iso(command["left_on"]), caller.as_actor())
        if worker.pool is not None and worker.pool["organization_id"] == organization_id:
            # Pool members are shown with their organization: leaving it hides them.
            worker.leave_pool(caller.as_actor())
        # Nobody stays placed by an organization they no longer work for; saved together, or not at all.
        placements = []
        for seen in self.views.all(SubcontractAgreement):
            if seen.provider_id == organization_id and str(worker.id) in seen.placements:
                agreement = self.load_aggregate(SubcontractAgreement, seen.id)
                if str(worker.id) in agreement.placements and agreement.ended_on is None:
                    agreement.end_placement(str(worker.id), caller.as_actor())
                    placements.append(agreement)
        self.store(worker, *placements)

    def set_peer_role_since(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.SetPeerRoleSince(), payload)
        worker = self.load_aggregate(PeerWorker, command["peer_worker_id"], "peer_worker_id")
        self._check_may_change(worker, caller)
        since = iso(command["peer_role_since"])
        worker.set_peer_role_since(since, caller.as_actor(), eligibility.peer_years_met_on(since))
        self.store(worker)

    def workforce_record(self, peer_worker_id, caller: Caller) -> dict:
        worker = self.load_aggregate(PeerWorker, peer_worker_id)
        employers = {e["organization_id"] for e in worker.employments.values()}
        if caller.role == "agency_admin" and caller.organization_id not in employers:
            raise NotAllowed("an agency admin sees only the records of their own organization's peer workers")
        if caller.role == "peer" and not is_self(caller, worker.id):
            raise NotAllowed("a peer worker sees only their own workforce record")
        view = self._worker_view(worker, today())
        self.record_access(caller, "workforce_record", [
            (worker.id, "peer_worker", ["employments", *(["credentials.number"] if view["credentials"] else [])])])
        return view

    def list_workforce(self, payload: dict, caller: Caller) -> dict:
        query = load(schemas.WorkforceQuery(), payload)
        check_scope(caller, query["organization_id"])
        organization_id, as_of = str(query["organization_id"]), iso(query["as_of"]) or today()
        rows = []
        for worker in self.views.all(PeerWorker):
            for employment in worker.employments.values():
                if employment["organization_id"] == organization_id and (
                        query["include_former"] or employment["left_on"] is None):
                    rows.append({**employment, **self._credential_status(worker, employment, as_of)})
        rows.sort(key=lambda row: (row["start"], row["peer_worker_id"]))
        return page(rows, query["offset"], query["limit"])

    # -- credentials ------------------------------------------------------------
    def record_credential(self, payload: dict, caller: Caller) -> str:
        command = load(schemas.RecordCredential(), payload)
        worker = self.load_aggregate(PeerWorker, command["peer_worker_id"], "peer_worker_id")
        self._check_may_change(worker, caller, peer_may=False)
        credential_id = str(uuid.uuid4())
        number = command["number"]
        worker.record_credential(
            credential_id=credential_id, kind=command["kind"], state=command["state"],
            number=self.vault.seal(str(worker.id), number) if number is not None else None,
            issued=iso(command["issued"]), expires=iso(command["expires"]), actor=caller.as_actor())
        # Recorded already past its date: it expires now, so others learn of it at once.
        self._expire_due(worker, today(), caller.as_actor())
        self.store(worker)
        return credential_id

    def record_continuing_education(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.RecordContinuingEducation(), payload)
        worker = self.load_aggregate(PeerWorker, command["peer_worker_id"], "peer_worker_id")
        self._check_may_change(worker, caller)
        worker.record_continuing_education(command["hours"], iso(command["period_start"]),
                                           iso(command["period_end"]), caller.as_actor())
        self.store(worker)

    def expire_credentials(self, payload: dict, caller: Caller) -> int:
        """Expire every credential whose date has passed; the service's timer calls this hourly."""
        as_of = iso(load(schemas.AsOf(), payload)["as_of"]) or today()
        expired = 0
        for seen in self.views.all(PeerWorker):
            if seen.due_to_expire(as_of):
                worker = self.load_aggregate(PeerWorker, seen.id)
                count = self._expire_due(worker, as_of, caller.as_actor())
                try:
                    self.store(worker)
                except Conflict:
                    continue  # another instance, or an edit, got there first: the next round sees it
                expired += count
        return expired

    def decide_peer_years(self, caller: Caller) -> int:
        """Keep and publish the day the years in peer roles are met wherever the kept day is not what
        the state's setting gives now: starts stored before directory kept it, and everyone after the
        setting changed. The hourly timer calls this, and it runs at start."""
        decided = 0
        for seen in self.views.all(PeerWorker):
            due = eligibility.peer_years_met_on(seen.peer_role_since)
            if seen.peer_role_since is not None and seen.peer_years_met_on != due:
                worker = self.load_aggregate(PeerWorker, seen.id)
                since = worker.peer_role_since
                worker.set_peer_role_since(since, caller.as_actor(), eligibility.peer_years_met_on(since))
                try:
                    self.store(worker)
                except Conflict:
                    continue  # another instance, or an edit, got there first
                decided += 1
        return decided

    def _expire_due(self, worker: PeerWorker, as_of: str, actor: dict) -> int:
        due = worker.due_to_expire(as_of)
        for credential in due:
            worker.expire(credential["credential_id"], credential["kind"], credential["expires"],
                          self.expired_blocks_offers, actor)
        return len(due)

    def credential_status(self, payload: dict, caller: Caller) -> dict:
        """Each current peer worker of an organization: certified, due, overdue, expired credentials."""
        query = load(schemas.WorkforceQuery(), payload)
        check_scope(caller, query["organization_id"])
        organization_id, as_of = str(query["organization_id"]), iso(query["as_of"]) or today()
        rows = []
        for worker in self.views.all(PeerWorker):
            employment = worker.employment_at(organization_id)
            if employment is not None:
                rows.append({"peer_worker_id": str(worker.id), "role_title": employment["role_title"],
                             **self._credential_status(worker, employment, as_of)})
        rows.sort(key=lambda row: row["peer_worker_id"])
        return page(rows, query["offset"], query["limit"])

    def _credential_status(self, worker: PeerWorker, employment: dict, as_of: str) -> dict:
        certified = worker.holds(CERTIFICATION, as_of)
        certify_by = employment["certify_by"]
        if certified:
            certification = "certified"
        elif certify_by is None:
            certification = "not_required"
        else:
            certification = "overdue" if certify_by < as_of else "due"
        expired = sorted({c["kind"] for c in worker.credentials.values()
                          if c["expired"] or (c["expires"] is not None and c["expires"] < as_of)})
        return {"peer_worker_id": str(worker.id), "certification": certification, "certify_by": certify_by,
                "credentials": sorted({c["kind"] for c in worker.credentials.values()
                                       if worker.holds(c["kind"], as_of)}),
                "expired": expired, "blocks_offers": bool(expired) and self.expired_blocks_offers}

    # -- the networking pool ------------------------------------------------------
    def join_pool(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.JoinPool(), payload)
        if caller.role == "peer" and not is_self(caller, command["peer_worker_id"]):
            raise NotAllowed("joining the networking pool is each peer worker's own choice")
        worker = self.employed_worker(command["peer_worker_id"], command["organization_id"])
        worker.join_pool(str(command["organization_id"]), self.vault.seal(str(worker.id), command["display_name"]),
                         command["region"], command["languages"], command["specialties"], caller.as_actor())
        self.store(worker)

    def leave_pool(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.PeerWorkerRef(), payload)
        if caller.role == "peer" and not is_self(caller, command["peer_worker_id"]):
            raise NotAllowed("only the peer worker leaves the networking pool")
        worker = self.load_aggregate(PeerWorker, command["peer_worker_id"], "peer_worker_id")
        with rules():
            worker.leave_pool(caller.as_actor())
        self.store(worker)

    def search_pool(self, payload: dict, caller: Caller | None = None) -> dict:
        query = load(schemas.PoolQuery(), payload)
        as_of = today()
        members = []
        for worker in self.views.all(PeerWorker):
            pool = worker.pool
            if pool is None or self.vault.is_forgotten(str(worker.id)):
                continue
            if ((query["region"] and query["region"] != pool["region"])
                    or (query["language"] and query["language"] not in codes(pool["languages"]))
                    or (query["specialty"] and query["specialty"] not in pool["specialties"])
                    or (query["credential"] and not worker.holds(query["credential"], as_of))):
                continue
            members.append({"peer_worker_id": str(worker.id), "display_name": self.vault.open(pool["display_name"]),
                            "organization_id": pool["organization_id"], "region": pool["region"],
                            "languages": codes(pool["languages"]), "specialties": pool["specialties"],
                            "credentials": sorted({c["kind"] for c in worker.credentials.values()
                                                   if worker.holds(c["kind"], as_of)})})
        members.sort(key=lambda m: (m["display_name"].casefold(), m["peer_worker_id"]))
        shown = page(members, query["offset"], query["limit"])
        if caller:  # only the page shown was read
            self.record_access(caller, "search_pool", [(m["peer_worker_id"], "peer_worker", ["display_name"])
                                                       for m in shown["items"]])
        return shown

    # -- helpers ----------------------------------------------------------------
    def _check_may_change(self, worker: PeerWorker, caller: Caller, peer_may: bool = True) -> None:
        if caller.role == "peer" and not (peer_may and is_self(caller, worker.id)):
            raise NotAllowed("a peer worker may change only their own record, and not their credentials")
        if caller.role == "agency_admin" and caller.organization_id not in worker.current_employers():
            raise NotAllowed("an agency admin may change only their own organization's peer workers")

    def _worker_view(self, worker: PeerWorker, as_of: str) -> dict:
        return {
            "peer_worker_id": str(worker.id),
            "peer_role_since": worker.peer_role_since,
            "employments": sorted(worker.employments.values(), key=lambda e: e["start"]),
            "credentials": [{**c, "number": self.vault.open(c["number"]),
                             "current": not c["expired"] and (c["expires"] is None or c["expires"] >= as_of)}
                            for c in sorted(worker.credentials.values(), key=lambda c: c["issued"])],
            "continuing_education": continuing_education_by_period(worker),
            "in_pool": worker.pool is not None,
            "eligible_peer_supervisor": eligibility.is_eligible_supervisor(worker, as_of),
            "version": worker.version,
        }

