"""Directory's aggregates: plain Python, no broker, no nameko.

Dates travel in events as ISO strings ("2026-01-05") so stored events read the
same in every store; amounts as strings of dollars and cents.
"""
from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class RuleBroken(Exception):
    """A domain rule refused a change: `field` names what the caller should fix."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class Organization(Aggregate):
    # `languages` (BCP 47 codes its peer support is offered in): None in events stored before them.
    @event("Registered")
    def __init__(self, name: str, kind: str, regions: list, actor: dict, contact: dict | None = None,
                 languages: list | None = None):
        self.name = name
        self.kind = kind
        self.regions = sorted(regions)
        self.contact = contact or {}
        self.languages = sorted(languages or [])
        self.closed = False

    @event("Updated")
    def update(self, name: str, regions: list, contact: dict, actor: dict, languages: list | None = None):
        self.name, self.regions, self.contact = name, sorted(regions), contact
        self.languages = sorted(languages or [])

    def close(self, actor: dict) -> None:
        if self.closed:
            raise RuleBroken("organization_id", "the organization is already closed")
        self._close(actor)

    @event("Closed")
    def _close(self, actor: dict):
        self.closed = True


class PeerWorker(Aggregate):
    """One peer worker's workforce record: employments, credentials, pool membership.

    Holds no lived experience (intake owns that) and nothing about people they support.
    """

    @event("Recorded")
    def __init__(self, peer_worker_id: UUID, peer_role_since: str | None, actor: dict,
                 peer_years_met_on: str | None = None):
        self.peer_role_since = peer_role_since
        self.peer_years_met_on = peer_years_met_on  # eligibility.peer_years_met_on; None in events stored before it
        self.employments: dict[str, dict] = {}
        self.credentials: dict[str, dict] = {}
        self.pool: dict | None = None
        self.continuing_education: list[dict] = []

    @staticmethod
    def create_id(peer_worker_id: UUID, **_) -> UUID:
        return peer_worker_id

    # -- employment -----------------------------------------------------------
    def current_employers(self) -> set[str]:
        return {e["organization_id"] for e in self.employments.values() if e["left_on"] is None}

    def begin_employment(self, employment_id: str, organization_id: str, role_title: str, hours_per_week,
                         start: str, end: str | None, certify_by: str | None, actor: dict) -> None:
        if organization_id in self.current_employers():
            raise RuleBroken("organization_id", "this peer worker is already employed by this organization")
        self._begin(employment_id, organization_id, role_title, hours_per_week, start, end, certify_by, actor)

    @event("EmploymentBegan")
    def _begin(self, employment_id, organization_id, role_title, hours_per_week, start, end, certify_by, actor):
        self.employments[employment_id] = {
            "employment_id": employment_id, "organization_id": organization_id, "role_title": role_title,
            "hours_per_week": hours_per_week, "start": start, "end": end, "certify_by": certify_by,
            "left_on": None,
        }

    def employment_at(self, organization_id: str) -> dict | None:
        for employment in self.employments.values():
            if employment["organization_id"] == organization_id and employment["left_on"] is None:
                return employment
        return None

    def leave(self, organization_id: str, left_on: str, actor: dict) -> None:
        employment = self.employment_at(organization_id)
        if employment is None:
            raise RuleBroken("organization_id", "this peer worker is not employed by this organization")
        if left_on < employment["start"]:
            raise RuleBroken("left_on", "leaving cannot come before the employment started")
        self._leave(employment["employment_id"], organization_id, left_on, actor)

    @event("EmploymentEnded")
    def _leave(self, employment_id, organization_id, left_on, actor):
        self.employments[employment_id]["left_on"] = left_on

    @event("PeerRoleSinceSet")
    def set_peer_role_since(self, peer_role_since: str, actor: dict, peer_years_met_on: str | None = None):
        self.peer_role_since = peer_role_since
        self.peer_years_met_on = peer_years_met_on

    # -- credentials ----------------------------------------------------------
    @event("CredentialRecorded")
    def record_credential(self, credential_id: str, kind: str, state: str | None, number: str | None,
                          issued: str, expires: str | None, actor: dict):
        self.credentials[credential_id] = {
            "credential_id": credential_id, "kind": kind, "state": state, "number": number,
            "issued": issued, "expires": expires, "expired": False,
        }

    def due_to_expire(self, today: str) -> list[dict]:
        return [c for c in self.credentials.values()
                if not c["expired"] and c["expires"] is not None and c["expires"] < today]

    @event("CredentialExpired")
    def expire(self, credential_id: str, kind: str, expired_on: str, blocks_offers: bool, actor: dict):
        self.credentials[credential_id]["expired"] = True

    @event("ContinuingEducationRecorded")
    def record_continuing_education(self, hours, period_start: str, period_end: str, actor: dict,
                                    report_id: str | None = None):
        # Hours only: what was learned is the peer worker's own. Reports stored before ids have none.
        self.continuing_education.append({"hours": hours, "period_start": period_start, "period_end": period_end,
                                          **({"report_id": report_id} if report_id else {})})

    def reported(self, report_id: str) -> bool:
        return any(entry.get("report_id") == report_id for entry in self.continuing_education)

    def holds(self, kind: str, today: str) -> bool:
        return any(c["kind"] == kind and not c["expired"] and (c["expires"] is None or c["expires"] >= today)
                   for c in self.credentials.values())

    # -- networking pool ------------------------------------------------------
    @event("PoolJoined")
    def join_pool(self, organization_id: str, display_name: str, region: str, languages: list,
                  specialties: list, actor: dict):
        """`display_name` is sealed with the peer worker's own key."""
        self.pool = {"organization_id": organization_id, "display_name": display_name, "region": region,
                     "languages": sorted(languages), "specialties": sorted(specialties)}

    def leave_pool(self, actor: dict) -> None:
        if self.pool is None:
            raise RuleBroken("peer_worker_id", "this peer worker is not in the networking pool")
        self._leave_pool(actor)

    @event("PoolLeft")
    def _leave_pool(self, actor: dict):
        self.pool = None


def week_of(day: str) -> str:
    """The Monday of the ISO week a day falls in: every report for a week is kept under this one day."""
    reported = date.fromisoformat(day)
    return (reported - timedelta(days=reported.weekday())).isoformat()


def placed_hours(placements: dict, leaving: str | None = None):
    return sum(p["hours_per_week"] for worker, p in placements.items() if worker != leaving)


class SubcontractAgreement(Aggregate):
    """An agency buys hours per week of peer work from a peer-run organization."""

    @event("Made")
    def __init__(self, buyer_id: str, provider_id: str, hours_per_week, amount, start: str, end: str,
                 provider_duties: list, duties: list, actor: dict):
        self.buyer_id, self.provider_id = buyer_id, provider_id
        self.hours_per_week, self.amount = hours_per_week, amount
        self.start, self.end = start, end
        self.provider_duties, self.duties = sorted(provider_duties), list(duties)
        self.placements: dict[str, dict] = {}
        self.delivered: dict[str, dict] = {}  # week start -> hours delivered and agreed
        self.ended_on: str | None = None

    def parties(self) -> tuple[str, str]:
        return self.buyer_id, self.provider_id

    def check_open(self) -> None:
        if self.ended_on is not None:
            raise RuleBroken("agreement_id", "the agreement has ended")

    def amend(self, hours_per_week, amount, duties: list, actor: dict) -> None:
        self.check_open()
        if placed_hours(self.placements) > hours_per_week:
            raise RuleBroken("hours_per_week", f"{placed_hours(self.placements)} hours per week are placed; "
                                               "end a placement before agreeing to fewer hours")
        self._amend(hours_per_week, amount, duties, actor)

    @event("Amended")
    def _amend(self, hours_per_week, amount, duties, actor):
        self.hours_per_week, self.amount, self.duties = hours_per_week, amount, list(duties)

    def renew(self, end: str, amount, actor: dict) -> None:
        self.check_open()
        if end <= self.end:
            raise RuleBroken("end", f"a renewal must end after the current end, {self.end}")
        self._renew(end, amount, actor)

    @event("Renewed")
    def _renew(self, end, amount, actor):
        self.end, self.amount = end, amount

    def end_agreement(self, ended_on: str, actor: dict) -> None:
        self.check_open()
        if ended_on < self.start:
            raise RuleBroken("ended_on", "an agreement cannot end before it starts")
        self._end(ended_on, actor)

    @event("Ended")
    def _end(self, ended_on, actor):
        self.ended_on = ended_on
        self.placements = {}

    def place(self, peer_worker_id: str, hours_per_week, duties: list, actor: dict) -> None:
        self.check_open()
        if peer_worker_id in self.placements:
            raise RuleBroken("peer_worker_id", "this peer worker is already placed under this agreement")
        total = placed_hours(self.placements) + hours_per_week
        if total > self.hours_per_week:
            raise RuleBroken("hours_per_week", f"placing {hours_per_week} more would make {total} hours per week, "
                                               f"more than the {self.hours_per_week} agreed")
        # The organizations travel with the event: consumers need not keep every agreement.
        self._place(peer_worker_id, hours_per_week, duties, self.buyer_id, self.provider_id, actor)

    @event("WorkerPlaced")
    def _place(self, peer_worker_id, hours_per_week, duties, buyer_id, provider_id, actor):
        self.placements[peer_worker_id] = {"hours_per_week": hours_per_week, "duties": list(duties)}

    def end_placement(self, peer_worker_id: str, actor: dict) -> None:
        self.check_open()
        if peer_worker_id not in self.placements:
            raise RuleBroken("peer_worker_id", "this peer worker is not placed under this agreement")
        self._end_placement(peer_worker_id, actor)

    @event("PlacementEnded")
    def _end_placement(self, peer_worker_id, actor):
        del self.placements[peer_worker_id]

    def record_hours(self, day: str, hours, actor: dict) -> None:
        """Hours delivered in the ISO week of `day` (any day of it), kept under the week's Monday."""
        if not self.start <= day <= (self.ended_on or self.end):
            raise RuleBroken("week_start", f"the week must fall within the agreement, {self.start} to "
                                           f"{self.ended_on or self.end}")
        self._record_hours(week_of(day), hours, self.hours_per_week, actor)

    class HoursDelivered(Aggregate.Event):
        """Version 2: `week_start` is always a Monday. Version 1 kept the day reported as its own week,
        so a report for a Wednesday overlapped the Monday's week and its hours counted twice."""

        class_version = 2
        week_start: str
        hours: float
        hours_agreed: float
        actor: dict

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            # Read into its ISO week, where a later report replaces an earlier one as any correction does;
            # the day as reported is kept so the event still publishes as it was published (translations).
            state["reported_week_start"] = state["week_start"]
            state["week_start"] = week_of(state["week_start"])

    @event(HoursDelivered)
    def _record_hours(self, week_start, hours, hours_agreed, actor):
        # A correction for the same week replaces the earlier figure.
        self.delivered[week_start] = {"hours_delivered": hours, "hours_agreed": hours_agreed}

    def hours_report(self) -> list[dict]:
        return [{"week_start": week, **row, "difference": row["hours_delivered"] - row["hours_agreed"]}
                for week, row in sorted(self.delivered.items())]


class SupervisionAgreement(Aggregate):
    """One organization's peer workers get supervision from another's; active once both accept."""

    @event("Proposed")
    def __init__(self, supervised_organization_id: str, supervising_organization_id: str,
                 peer_worker_ids: list, hours_per_month, start: str, end: str, cost,
                 supervisor_id: str | None, actor: dict):
        self.supervised_organization_id = supervised_organization_id
        self.supervising_organization_id = supervising_organization_id
        self.peer_worker_ids = sorted(peer_worker_ids)
        self.hours_per_month, self.cost = hours_per_month, cost
        self.start, self.end = start, end
        self.supervisor_id = supervisor_id
        self.accepted_by: list[str] = []
        self.status = "proposed"

    def parties(self) -> tuple[str, str]:
        return self.supervised_organization_id, self.supervising_organization_id

    def accept(self, organization_id: str, actor: dict) -> None:
        if self.status != "proposed":
            raise RuleBroken("agreement_id", f"the agreement is {self.status}, not waiting for acceptance")
        if organization_id not in self.parties():
            raise RuleBroken("organization_id", "only the two organizations of the agreement accept it")
        if organization_id in self.accepted_by:
            raise RuleBroken("organization_id", "this organization has already accepted")
        self._accept(organization_id, actor)
        if set(self.accepted_by) == set(self.parties()):
            self._activate(self.terms(), actor)

    @event("Accepted")
    def _accept(self, organization_id, actor):
        self.accepted_by = sorted({*self.accepted_by, organization_id})

    def terms(self) -> dict:
        """What the supervision service needs to know of an active agreement."""
        return {"supervised_organization_id": self.supervised_organization_id,
                "supervising_organization_id": self.supervising_organization_id,
                "peer_worker_ids": self.peer_worker_ids, "hours_per_month": self.hours_per_month,
                "start": self.start, "end": self.end, "cost": self.cost, "supervisor_id": self.supervisor_id}

    @event("Activated")
    def _activate(self, terms, actor):
        self.status = "active"

    def decline(self, organization_id: str, actor: dict) -> None:
        if self.status != "proposed":
            raise RuleBroken("agreement_id", f"the agreement is {self.status}, not waiting for acceptance")
        if organization_id not in self.parties():
            raise RuleBroken("organization_id", "only the two organizations of the agreement decline it")
        self._decline(organization_id, actor)

    @event("Declined")
    def _decline(self, organization_id, actor):
        self.status = "declined"

    def end_agreement(self, ended_on: str, actor: dict) -> None:
        if self.status != "active":
            raise RuleBroken("agreement_id", f"the agreement is {self.status}; only an active one ends")
        if ended_on < self.start:
            raise RuleBroken("ended_on", "an agreement cannot end before it starts")
        self._end(ended_on, actor)

    @event("Ended")
    def _end(self, ended_on, actor):
        self.status = "ended"
        self.end = ended_on


class PeerGroup(Aggregate):
    """A recurring peer group: WRAP, Hearing Voices, Alternatives to Suicide..."""

    @event("Listed")
    def __init__(self, host_organization_id: str, kind: str, name: str, description: str, region: str,
                 facilitator_ids: list, place: dict | None, link: str | None, schedule: dict,
                 languages: list, actor: dict):
        self.host_organization_id = host_organization_id
        self.kind, self.name, self.description, self.region = kind, name, description, region
        self.facilitator_ids = sorted(facilitator_ids)
        self.place, self.link, self.schedule = place, link, schedule
        self.languages = sorted(languages)
        self.retired = False

    def retire(self, actor: dict) -> None:
        if self.retired:
            raise RuleBroken("group_id", "the group is already retired")
        self._retire(actor)

    @event("Retired")
    def _retire(self, actor):
        self.retired = True
