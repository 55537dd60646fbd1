"""Through the gateway, as the roles whose pages are not under test: an organization and a
peer worker who is available, in the network that trusts the tests' provider."""
from __future__ import annotations

import time
import uuid

import requests

from shared.identity import peernet_id
from tests.web.provider_tokens import access_token


class Api:
    def __init__(self, web_network):
        self.network = web_network
        self.redirect_uri = web_network.web_url + "/auth/callback"

    def token(self, login: str) -> str:
        return access_token(self.network.issuer, self.network.provider.client_secret, self.redirect_uri, login)

    def call(self, method: str, path: str, token: str, body: dict | None = None, expect=(200, 201)):
        answer = requests.request(method, self.network.gateway_url + path, json=body, timeout=20,
                                  headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code in expect, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def organization(self, region: str) -> tuple[str, str]:
        """A peer-run organization and a token of its admin."""
        founder = self.token(self.network.new_account("state_auditor"))
        name = f"Peer Collective {uuid.uuid4().hex[:6]} (synthetic)"  # names are unique in the network
        made = self.call("POST", "/organizations", founder, {"name": name,
                                                             "kind": "peer_run_organization", "regions": [region]})
        admin = self.token(self.network.new_account("agency_admin", organization_id=made["organization_id"]))
        return made["organization_id"], admin

    def available_peer(self, login: str, organization_id: str, admin: str, name: str, region: str,
                       experiences=("heard_voices",), languages=("es",)) -> str:
        peer_worker_id = peernet_id(self.network.issuer, login)
        self.call("POST", "/peer-workers", admin, {"peer_worker_id": peer_worker_id, "display_name": name,
                                                    "organization_id": organization_id})
        token = self.token(login)
        for experience in experiences:
            self.call("POST", f"/peer-workers/{peer_worker_id}/shared-experiences", token,
                      {"experience": experience, "visibility": "matching"})
        self.call("POST", f"/peer-workers/{peer_worker_id}/availability-settings", token, {
            "capacity": 3, "modalities": ["phone", "video"], "languages": list(languages), "regions": [region],
            "remote": True})
        return peer_worker_id

    def wait_until_matching_caught_up(self, timeout: float = 30) -> None:
        """Matching learns of peers from intake's events: wait until it has read all of them."""
        auditor = self.token(self.network.new_account("state_auditor"))
        intake = self.call("GET", "/services/intake/positions", auditor)["log"]
        deadline = time.monotonic() + timeout
        while self.call("GET", "/services/matching/positions", auditor)["upstream"]["intake"] < intake:
            assert time.monotonic() < deadline, "matching never caught up with intake"
            time.sleep(0.2)

    def person_who_chooses(self, peer_worker_id: str, region: str, name: str, login: str | None = None) -> str:
        """A person enrolled through the gateway who asks for support and chooses this peer worker
        (a login of their own, or the one given: a person also signed in in the browser)."""
        login = login or self.network.new_account("person")
        person_id, token = peernet_id(self.network.issuer, login), self.token(login)
        self.call("POST", "/people", token, {
            "person_id": person_id, "display_name": name, "region": region, "languages": ["es"],
            "modalities": ["phone"], "consent": {"purpose": "peer_support", "may_see": {
                "matching": ["region", "languages", "modalities", "experiences"], "offered_peer": ["display_name"]}}})
        self.call("POST", f"/people/{person_id}/shared-experiences", token,
                  {"experience": "heard_voices", "visibility": "matching"})
        self.call("POST", f"/people/{person_id}/support-requests", token, {})
        deadline = time.monotonic() + 30
        while True:  # matching hears of the request from intake's events
            # 404 until matching has heard of the enrollment and the request
            offers = self.call("POST", f"/people/{person_id}/offer-requests", token, {}, expect=(200, 404))
            if any(offer["peer_worker_id"] == peer_worker_id for offer in offers.get("offers", [])):
                break
            assert time.monotonic() < deadline, f"{peer_worker_id} was never offered: {offers}"
            time.sleep(0.3)
        self.call("POST", f"/people/{person_id}/choices", token, {"peer_worker_id": peer_worker_id})
        return person_id

    def employ(self, peer_worker_id: str, organization_id: str, admin: str, **terms) -> None:
        self.call("POST", f"/peer-workers/{peer_worker_id}/employments", admin, {
            "organization_id": organization_id, "role_title": "Peer Specialist", "hours_per_week": 30,
            "start": "2026-01-05", **terms})

    def supervisor_in_the_pool(self, region: str) -> str:
        """A peer worker of another organization, years in peer roles, credentialed to supervise, in the pool."""
        organization_id, admin = self.organization(region)
        login = self.network.new_account("peer")
        supervisor = peernet_id(self.network.issuer, login)
        self.call("POST", "/peer-workers", admin, {"peer_worker_id": supervisor, "display_name": "Sky (synthetic)",
                                                    "organization_id": organization_id})
        self.employ(supervisor, organization_id, admin, role_title="Peer Supervisor", peer_role_since="2019-03-01")
        for credential in ({"kind": "certified_peer_specialist", "state": "MA", "number": "CPS-WEB-1",
                            "issued": "2025-01-10", "expires": "2028-01-10"},
                           {"kind": "peer_supervisor", "issued": "2025-06-01", "expires": "2028-06-01"}):
            self.call("POST", f"/peer-workers/{supervisor}/credentials", admin, credential)
        self.call("POST", f"/peer-workers/{supervisor}/pool-memberships", self.token(login), {
            "organization_id": organization_id, "display_name": "Sky (synthetic)", "region": region,
            "languages": ["es"], "specialties": ["hearing voices"]})
        return supervisor
