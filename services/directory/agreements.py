"""Agreements between organizations: subcontracts for peer work and supervision agreements."""
from __future__ import annotations

from uuid import UUID

from services.directory import eligibility
from services.directory.common import check_scope, iso, money, refuse_chart_duties, rules, today
from services.directory.domain import PeerWorker, SubcontractAgreement, SupervisionAgreement
from services.directory.views import page
from shared.contracts.commands import directory as schemas
from shared.errors import InvalidInput, NotAllowed
from shared.identity import Caller
from shared.schemas import load


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


class AgreementCommands:
    # -- subcontracts -------------------------------------------------------------
    def make_subcontract(self, payload: dict, caller: Caller) -> UUID:
        command = load(schemas.MakeSubcontract(), payload)
        check_scope(caller, command["buyer_id"], command["provider_id"])
        refuse_chart_duties("duties", command["duties"])
        buyer = self.open_organization(command["buyer_id"], "buyer_id")
        provider = self.open_organization(command["provider_id"], "provider_id")
        if buyer.id == provider.id:
            raise InvalidInput({"provider_id": ["an organization does not subcontract from itself"]})
        if provider.kind != "peer_run_organization":
            raise InvalidInput({"provider_id": [f"{provider.name!r} is not a peer-run organization"]})
        agreement = SubcontractAgreement(
            buyer_id=str(buyer.id), provider_id=str(provider.id), hours_per_week=command["hours_per_week"],
            amount=money(command["amount"]), start=iso(command["start"]), end=iso(command["end"]),
            provider_duties=sorted(set(command["provider_duties"])), duties=command["duties"],
            actor=caller.as_actor())
        self.store(agreement)
        return agreement.id

    def amend_subcontract(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.AmendSubcontract(), payload)
        if "duties" in command:
            refuse_chart_duties("duties", command["duties"])
        agreement = self._subcontract(command, caller)
        amount = money(command["amount"]) if "amount" in command else agreement.amount
        with rules():
            agreement.amend(command.get("hours_per_week", agreement.hours_per_week), amount,
                            command.get("duties", agreement.duties), caller.as_actor())
        self.store(agreement)

    def renew_subcontract(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.RenewSubcontract(), payload)
        agreement = self._subcontract(command, caller)
        amount = money(command["amount"]) if command["amount"] is not None else agreement.amount
        with rules():
            agreement.renew(iso(command["end"]), amount, caller.as_actor())
        self.store(agreement)

    def end_subcontract(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.EndAgreement(), payload)
        agreement = self._subcontract(command, caller)
        with rules():
            agreement.end_agreement(iso(command["ended_on"]), caller.as_actor())
        self.store(agreement)

    def place_peer_worker(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.PlaceWorker(), payload)
        refuse_chart_duties("duties", command["duties"])
        agreement = self._subcontract(command, caller)
        # The provider names the peer workers it employs.
        self.employed_worker(command["peer_worker_id"], agreement.provider_id)
        with rules():
            agreement.place(str(command["peer_worker_id"]), command["hours_per_week"], command["duties"],
                            caller.as_actor())
        self.store(agreement)

    def end_placement(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.EndPlacement(), payload)
        agreement = self._subcontract(command, caller)
        with rules():
            agreement.end_placement(str(command["peer_worker_id"]), caller.as_actor())
        self.store(agreement)

    def record_hours_delivered(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.RecordHoursDelivered(), payload)
        agreement = self._subcontract(command, caller)
        with rules():
            agreement.record_hours(iso(command["week_start"]), command["hours"], caller.as_actor())
        self.store(agreement)

    def subcontract(self, agreement_id, caller: Caller) -> dict:
        agreement = self.load_aggregate(SubcontractAgreement, agreement_id)
        check_scope(caller, agreement.buyer_id, agreement.provider_id)
        return subcontract_view(agreement)

    def list_subcontracts(self, payload: dict, caller: Caller) -> dict:
        query = self._agreement_query(payload, caller)
        found = [subcontract_view(a) for a in self.views.all(SubcontractAgreement)
                 if (query["organization_id"] is None or query["organization_id"] in (a.buyer_id, a.provider_id))]
        found = [a for a in found if query["status"] is None or a["status"] == query["status"]]
        found.sort(key=lambda a: (a["start"], a["agreement_id"]))
        return page(found, query["offset"], query["limit"])

    def _subcontract(self, command: dict, caller: Caller) -> SubcontractAgreement:
        agreement = self.load_aggregate(SubcontractAgreement, command["agreement_id"], "agreement_id")
        check_scope(caller, agreement.buyer_id, agreement.provider_id)
        self.check_version(agreement, command["expected_version"])
        return agreement

    def _agreement_query(self, payload: dict, caller: Caller) -> dict:
        query = load(schemas.AgreementQuery(), payload)
        if caller.role == "agency_admin":
            if query["organization_id"] is not None and str(query["organization_id"]) != caller.organization_id:
                raise NotAllowed("an agency admin sees only their own organization's agreements")
            query["organization_id"] = caller.organization_id
        elif query["organization_id"] is not None:
            query["organization_id"] = str(query["organization_id"])
        return query

    # -- supervision agreements ---------------------------------------------------
    def propose_supervision(self, payload: dict, caller: Caller) -> UUID:
        command = load(schemas.ProposeSupervision(), payload)
        supervised, supervising = command["supervised_organization_id"], command["supervising_organization_id"]
        check_scope(caller, supervised, supervising)
        self.open_organization(supervised, "supervised_organization_id")
        self.open_organization(supervising, "supervising_organization_id")
        for index, worker_id in enumerate(command["peer_worker_ids"]):
            worker = self.load_aggregate(PeerWorker, worker_id, "peer_worker_ids")
            if str(supervised) not in worker.current_employers():
                raise InvalidInput({"peer_worker_ids": {index: [
                    f"peer worker {worker_id} is not employed by the supervised organization"]}})
        supervisor_id = command["supervisor_id"]
        if supervisor_id is not None:
            supervisor = self.employed_worker(supervisor_id, supervising, "supervisor_id")
            if not eligibility.is_eligible_supervisor(supervisor, iso(command["start"])):
                raise InvalidInput({"supervisor_id": [
                    "not an eligible peer supervisor: needs a current peer-supervisor credential and "
                    f"{eligibility.min_peer_years()} years in peer roles"]})
            if supervisor_id in command["peer_worker_ids"]:
                raise InvalidInput({"supervisor_id": ["nobody supervises themselves"]})
        agreement = SupervisionAgreement(
            supervised_organization_id=str(supervised), supervising_organization_id=str(supervising),
            peer_worker_ids=[str(w) for w in command["peer_worker_ids"]],
            hours_per_month=command["hours_per_month"], start=iso(command["start"]), end=iso(command["end"]),
            cost=money(command["cost"]), supervisor_id=str(supervisor_id) if supervisor_id else None,
            actor=caller.as_actor())
        self.store(agreement)
        return agreement.id

    def accept_supervision(self, payload: dict, caller: Caller) -> dict:
        command = load(schemas.PartyDecision(), payload)
        check_scope(caller, command["organization_id"])
        agreement = self._supervision(command, caller)
        with rules():
            agreement.accept(str(command["organization_id"]), caller.as_actor())
        self.store(agreement)
        return supervision_view(agreement)

    def decline_supervision(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.PartyDecision(), payload)
        check_scope(caller, command["organization_id"])
        agreement = self._supervision(command, caller)
        with rules():
            agreement.decline(str(command["organization_id"]), caller.as_actor())
        self.store(agreement)

    def end_supervision(self, payload: dict, caller: Caller) -> None:
        command = load(schemas.EndAgreement(), payload)
        agreement = self._supervision(command, caller)
        with rules():
            agreement.end_agreement(iso(command["ended_on"]), caller.as_actor())
        self.store(agreement)

    def supervision_agreement(self, agreement_id, caller: Caller) -> dict:
        agreement = self.load_aggregate(SupervisionAgreement, agreement_id)
        check_scope(caller, *agreement.parties())
        return supervision_view(agreement)

    def list_supervision_agreements(self, payload: dict, caller: Caller) -> dict:
        query = self._agreement_query(payload, caller)
        found = [supervision_view(a) for a in self.views.all(SupervisionAgreement)
                 if (query["organization_id"] is None or query["organization_id"] in a.parties())
                 and (query["status"] is None or a.status == query["status"])]
        found.sort(key=lambda a: (a["start"], a["agreement_id"]))
        return page(found, query["offset"], query["limit"])

    def eligible_peer_supervisors(self, payload: dict, caller: Caller) -> list[str]:
        """Who at an organization may give professional-development supervision now."""
        query = load(schemas.OrganizationRef(), payload)
        check_scope(caller, query["organization_id"])
        as_of = today()
        return sorted(str(w.id) for w in self.views.all(PeerWorker)
                      if str(query["organization_id"]) in w.current_employers()
                      and eligibility.is_eligible_supervisor(w, as_of))

    def _supervision(self, command: dict, caller: Caller) -> SupervisionAgreement:
        agreement = self.load_aggregate(SupervisionAgreement, command["agreement_id"], "agreement_id")
        check_scope(caller, *agreement.parties())
        self.check_version(agreement, command["expected_version"])
        return agreement
