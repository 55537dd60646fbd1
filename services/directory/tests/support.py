"""Payloads and a small builder the directory's tests share. Synthetic organizations and people only."""
from __future__ import annotations

import uuid

from shared.identity import Caller

SYSTEM = Caller.system("directory-tests")


def admin_of(organization_id) -> Caller:
    return Caller(user_id=f"admin-{organization_id}", role="agency_admin", organization_id=str(organization_id))


def peer_caller(peer_worker_id) -> Caller:
    return Caller(user_id=str(peer_worker_id), role="peer")


def organization(name="Hampden Community Agency", kind="agency", regions=("Hampden",), **extra) -> dict:
    return {"name": name, "kind": kind, "regions": list(regions), **extra}


def employment(peer_worker_id, organization_id, **extra) -> dict:
    return {"peer_worker_id": str(peer_worker_id), "organization_id": str(organization_id),
            "role_title": "Peer Specialist", "hours_per_week": 20, "start": "2026-01-05", **extra}


def cps(peer_worker_id, issued="2025-01-01", expires="2027-01-01", **extra) -> dict:
    return {"peer_worker_id": str(peer_worker_id), "kind": "certified_peer_specialist", "state": "MA",
            "number": "CPS-0000-SYN", "issued": issued, "expires": expires, **extra}


def subcontract(buyer_id, provider_id, **extra) -> dict:
    return {"buyer_id": str(buyer_id), "provider_id": str(provider_id), "hours_per_week": 20,
            "amount": "26000.00", "start": "2026-01-05", "end": "2026-12-31",
            "provider_duties": ["hiring", "training", "supervision"],
            "duties": ["Facilitate a WRAP group", "Share lived experience to inspire hope"], **extra}


def group(host_id, **extra) -> dict:
    return {"host_organization_id": str(host_id), "kind": "hearing_voices", "name": "Thursday Hearing Voices",
            "region": "Hampden", "place": {"name": "Valley Drop-In Center", "address_1": "10 Example St",
                                           "city": "Springfield", "state_province": "MA", "postal_code": "01103"},
            "schedule": {"freq": "WEEKLY", "byday": "TH", "opens_at": "18:00", "closes_at": "19:30"}, **extra}


class Network:
    """An agency, a peer-run organization and two of its peer workers, as in the handbook's sub-contracting section."""

    def __init__(self, app):
        self.app = app
        self.agency = app.perform("register_organization", SYSTEM, organization())
        self.provider = app.perform("register_organization", SYSTEM, organization("Valley Peer Collective",
                                                                                  "peer_run_organization",
                         contact={"phone": "555-0100", "website": "https://peer-collective.example.org"}))
        self.workers = [uuid.uuid4(), uuid.uuid4()]
        for worker in self.workers:
            app.perform("record_employment", admin_of(self.provider), employment(worker, self.provider,
                                                                                 peer_role_since="2018-03-01"))

    def make_subcontract(self, **extra):
        return self.app.perform("make_subcontract", admin_of(self.agency), subcontract(self.agency, self.provider,
                                                                                       **extra))
