"""The demo's steps, each as the role that would take it, each reading first what is there."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from tqdm import tqdm

from deploy.demo.gateway import Gateway, Refused
from deploy.demo.plan import DUTIES, Network, Person, PeerWorker

AUDITOR = "state_auditor"
START = "2026-01-05"
CATCH_UP_SECONDS = 120


class Loader:
    def __init__(self, gateway: Gateway, network: Network, workers: int = 8, quiet: bool = False):
        self.api = gateway
        self.network = network
        self.workers = workers
        self.quiet = quiet
        self.ids: dict[str, str] = {}  # organization key -> organization id

    def run(self) -> None:
        self.organizations()
        self.each("subcontracts", self.network.subcontracts, self.subcontract, parallel=False)
        self.each("peer workers", self.network.peer_workers, self.peer_worker)
        self.each("people", self.network.people, self.person)
        self.caught_up("matching", "intake")
        self.each("choices", [p for p in self.network.people if p.chooses], self.choose)
        self.each("peer answers", self.network.peer_workers, self.answer)
        self.each("supervision agreements", self.network.supervision, self.supervision_agreement, parallel=False)
        self.caught_up("supervision", "directory")
        self.each("supervisors' answers", [w for w in self.network.peer_workers if w.supervisor], self.supervise)

    # -- helpers --------------------------------------------------------------------------
    def each(self, what: str, items: list, step, parallel: bool = True) -> None:
        with tqdm(total=len(items), desc=f"{what:<24}", unit="", disable=self.quiet) as bar:
            if not parallel or self.workers == 1:
                for item in items:
                    step(item)
                    bar.update()
                return
            with ThreadPoolExecutor(self.workers) as pool:
                for _ in pool.map(step, items):
                    bar.update()

    def admin(self, key: str) -> dict:
        return {"role": "agency_admin", "organization_id": self.ids[key]}

    def caught_up(self, consumer: str, source: str) -> None:
        """Matching offers, and supervision offers supervisors, from what it has applied: wait for it."""
        deadline = time.monotonic() + CATCH_UP_SECONDS
        target = self.api.ok("GET", f"/services/{source}/positions", AUDITOR)["log"]
        while self.api.ok("GET", f"/services/{consumer}/positions", AUDITOR)["upstream"].get(source, 0) < target:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{consumer} has not applied {source}'s events after {CATCH_UP_SECONDS}s")
            time.sleep(0.5)
        time.sleep(0.5)  # and the offers it makes from them

    # -- organizations and agreements -------------------------------------------------------
    def organizations(self) -> None:
        known = {(o["name"], o["kind"]): o["organization_id"]
                 for o in self.api.every("/organizations?include_closed=true&limit=200", AUDITOR)}

        def register(organization):
            organization_id = known.get((organization.name, organization.kind))
            if organization_id is None:
                organization_id = self.api.ok("POST", "/organizations", AUDITOR, json={
                    "name": organization.name, "kind": organization.kind,
                    "regions": [organization.county]})["organization_id"]
            self.ids[organization.key] = organization_id

        self.each("organizations", self.network.organizations, register, parallel=False)

    def subcontract(self, parties: tuple[str, str]) -> None:
        buyer, provider = parties
        made = self.api.every(f"/subcontracts?organization_id={self.ids[buyer]}&limit=200", **self.admin(buyer))
        if any(s["provider_id"] == self.ids[provider] for s in made):
            return
        self.api.ok("POST", "/subcontracts", json={
            "buyer_id": self.ids[buyer], "provider_id": self.ids[provider], "hours_per_week": 20,
            "amount": "1500.00", "start": START, "end": "2027-12-31",
            "provider_duties": ["hiring", "training", "supervision"], "duties": list(DUTIES)}, **self.admin(buyer))

    def supervision_agreement(self, terms: tuple[str, str, list[str]]) -> None:
        supervised, supervising, peer_worker_ids = terms
        [supervisor] = [w.peer_worker_id for w in self.network.peer_workers
                        if w.supervisor and w.employer == supervising]
        listed = self.api.every(f"/supervision-agreements?organization_id={self.ids[supervised]}&limit=200",
                                **self.admin(supervised))
        agreement = next((a for a in listed if a["supervising_organization_id"] == self.ids[supervising]
                          and a["supervised_organization_id"] == self.ids[supervised]), None)
        if agreement is None:
            agreement_id = self.api.ok("POST", "/supervision-agreements", json={
                "supervised_organization_id": self.ids[supervised],
                "supervising_organization_id": self.ids[supervising], "peer_worker_ids": peer_worker_ids,
                "supervisor_id": supervisor, "hours_per_month": 4, "start": START, "end": "2027-12-31",
                "cost": "400.00"}, **self.admin(supervised))["agreement_id"]
            agreement = {"agreement_id": agreement_id, "accepted_by": []}
        for party in (supervised, supervising):
            if self.ids[party] not in agreement["accepted_by"]:
                self.api.act("POST", f"/supervision-agreements/{agreement['agreement_id']}/acceptances",
                             json={"organization_id": self.ids[party]}, **self.admin(party))

    # -- peer workers ----------------------------------------------------------------------
    def peer_worker(self, worker: PeerWorker) -> None:
        me = worker.peer_worker_id
        employer = self.admin(worker.employer)
        self.api.act("POST", "/peer-workers", "peer", user_id=me, json={
            "peer_worker_id": me, "display_name": worker.display_name, "organization_id": self.ids[worker.employer],
            "experiences": [{"experience": item, "visibility": "matching"} for item in worker.experiences]})
        # Setting the same availability again changes nothing.
        self.api.ok("POST", f"/peer-workers/{me}/availability-settings", "peer", user_id=me, json={
            "capacity": worker.capacity, "modalities": worker.modalities, "languages": worker.languages,
            "regions": [worker.county], "remote": worker.remote})
        record = self.api.read(f"/workforce-records/{me}", **employer) or {"employments": [], "credentials": [],
                                                                           "in_pool": False}
        if not any(e["organization_id"] == self.ids[worker.employer] for e in record["employments"]):
            self.api.act("POST", f"/peer-workers/{me}/employments", json={
                "organization_id": self.ids[worker.employer], "role_title": "Peer Supervisor" if worker.supervisor
                else "Peer Specialist", "hours_per_week": 30, "start": START,
                "peer_role_since": "2015-09-01" if worker.supervisor else "2025-09-01"}, **employer)
        held = {c["kind"] for c in record["credentials"]}
        for credential in self.credentials(worker):
            if credential["kind"] not in held:
                self.api.ok("POST", f"/peer-workers/{me}/credentials", json=credential, **employer)
        if worker.in_pool and not record["in_pool"]:
            self.api.ok("POST", f"/peer-workers/{me}/pool-memberships", "peer", user_id=me, json={
                "organization_id": self.ids[worker.employer], "display_name": worker.display_name,
                "region": worker.county, "languages": worker.languages, "specialties": worker.specialties})

    @staticmethod
    def credentials(worker: PeerWorker) -> list[dict]:
        number = worker.peer_worker_id[:8].upper()
        held = []
        if worker.certified:
            held.append({"kind": "certified_peer_specialist", "state": "MA", "number": f"CPS-DEMO-{number}",
                         "issued": "2025-03-01", "expires": "2028-03-01"})
        if worker.supervisor:
            held.append({"kind": "peer_supervisor", "issued": "2025-06-01", "expires": "2028-06-01"})
        return held

    def answer(self, worker: PeerWorker) -> None:
        me = worker.peer_worker_id
        for request in self.api.every(f"/peer-workers/{me}/requests?limit=200", "peer", user_id=me):
            self.api.act("POST", f"/choices/{request['choice_id']}/acceptances", "peer", user_id=me)

    def supervise(self, worker: PeerWorker) -> None:
        me = worker.peer_worker_id
        load = self.api.ok("GET", f"/supervisors/{me}/load", "supervisor", user_id=me)
        for supervision in load["supervisions"]:
            if supervision["status"] == "offered":
                self.api.act("POST", f"/supervision-offers/{supervision['assignment_id']}/acceptances",
                             "supervisor", user_id=me)

    # -- people ------------------------------------------------------------------------------
    def person(self, person: Person) -> None:
        me = person.person_id
        record = self.api.read(f"/people/{me}", "person", user_id=me)
        if record is None:
            self.api.act("POST", "/people", "person", user_id=me, json={
                "person_id": me, "display_name": person.display_name, "region": person.county,
                "languages": person.languages, "modalities": person.modalities,
                "consent": {"purpose": "peer_support", "may_see": {
                    "matching": ["region", "languages", "modalities", "experiences"]}}})
            record = {"experiences": [], "support_requests": []}
        shared = {item["experience"] for item in record["experiences"]}
        wanted = [(item, "matching") for item in person.shared] + [(item, "private") for item in person.private]
        for item, visibility in wanted:
            if item not in shared:
                self.api.ok("POST", f"/people/{me}/shared-experiences", "person", user_id=me,
                            json={"experience": item, "visibility": visibility})
        asked = {request["request_id"] for request in record["support_requests"]}
        if person.request_id is not None and person.request_id not in asked:
            self.api.act("POST", f"/people/{me}/support-requests", "person", user_id=me,
                         json={"request_id": person.request_id, "hopes": "someone who has been there (synthetic)"})

    def choose(self, person: Person) -> None:
        """The person picks the first offer still free; a place taken meanwhile means the next one."""
        me = person.person_id
        if self.api.ok("GET", f"/people/{me}/connections", "person", user_id=me)["items"]:
            return
        for _ in range(3):
            offers = self.api.ok("GET", f"/people/{me}/offers", "person", user_id=me)
            free = [offer for offer in offers["offers"] if offer["free_places"] > 0]
            if offers["choice"] is not None or not free:
                return
            try:
                self.api.ok("POST", f"/people/{me}/choices", "person", user_id=me,
                            json={"peer_worker_id": free[0]["peer_worker_id"]})
                return
            except Refused as refused:
                if refused.status != 409:
                    raise
