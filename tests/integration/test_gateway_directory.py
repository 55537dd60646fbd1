"""Directory's acts over HTTP against the real directory process and broker: an organization's
workforce and credentials, a subcontract from placement to ending with a stale version
refused, a supervision agreement ended, a peer group listed and retired."""
import uuid

import pytest

from tests.integration.test_gateway import api_for  # noqa: F401  (the fixture: directory and the gateway)

pytestmark = pytest.mark.integration


def test_an_organizations_workforce_and_agreements_over_http(store_env, api_for):  # noqa: F811
    api = api_for(store_env, ("directory",))

    def register(name, kind):
        answer = api("POST", "/organizations", "state_auditor", json={"name": name, "kind": kind,
                                                                       "regions": ["Hampden"]})
        assert answer.status_code == 201, answer.text
        return answer.json()["organization_id"]

    provider = register("Hilltown Peer Center (synthetic)", "peer_run_organization")
    buyer = register("Hampden Recovery Center (synthetic)", "agency")
    worker, colleague = str(uuid.uuid4()), str(uuid.uuid4())

    # The provider's admin hires a peer worker, who records their own continuing education.
    hired = api("POST", f"/peer-workers/{worker}/employments", "agency_admin", organization_id=provider, json={
        "organization_id": provider, "role_title": "Peer specialist", "hours_per_week": 30, "start": "2026-10-01",
        "peer_role_since": "2019-06-01"})
    assert hired.status_code == 201, hired.text
    assert api("POST", f"/peer-workers/{worker}/credentials", "agency_admin", organization_id=provider, json={
        "kind": "recovery_coach", "issued": "2025-01-10", "expires": "2099-01-10"}).status_code == 201
    educated = api("POST", f"/peer-workers/{worker}/continuing-education", "peer", worker,
                   json={"hours": 6, "period_start": "2026-01-01", "period_end": "2026-06-30"})
    assert educated.status_code == 200, educated.text
    record = api("GET", hired.headers["Location"], "peer", worker).json()
    assert record["continuing_education"] == [{"period_start": "2026-01-01", "period_end": "2026-06-30",
                                               "hours": 6.0}]
    assert [c["kind"] for c in record["credentials"] if c["current"]] == ["recovery_coach"]
    assert api("GET", hired.headers["Location"], "agency_admin", organization_id=buyer).status_code == 403
    for as_of, certification in (("2026-11-24", "due"), ("2027-06-01", "overdue")):  # six months to certify
        status = api("GET", f"/credential-status?organization_id={provider}&as_of={as_of}", "state_auditor").json()
        assert [(row["peer_worker_id"], row["certification"]) for row in status["items"]] == [(worker, certification)]

    # A subcontract: placed, a stale version refused, hours reported, ended.
    subcontract = api("POST", "/subcontracts", "agency_admin", organization_id=buyer, json={
        "buyer_id": buyer, "provider_id": provider, "hours_per_week": 20, "amount": 1200,
        "start": "2026-12-01", "end": "2027-11-30"}).headers["Location"]
    placed = api("POST", f"{subcontract}/placements", "agency_admin", organization_id=provider,
                 json={"peer_worker_id": worker, "hours_per_week": 10, "expected_version": 1})
    assert placed.status_code == 200, placed.text
    assert placed.json()["hours_placed"] == 10 and placed.json()["version"] == 2
    stale = api("POST", f"{subcontract}/amendments", "agency_admin", organization_id=buyer,
                json={"hours_per_week": 25, "expected_version": 1})
    assert stale.status_code == 409 and stale.headers["Content-Type"] == "application/problem+json"
    too_few = api("POST", f"{subcontract}/amendments", "agency_admin", organization_id=buyer,
                  json={"hours_per_week": 5, "expected_version": 2})
    assert too_few.status_code == 422 and too_few.json()["errors"][0]["field"] == "hours_per_week"
    outsider = api("POST", f"{subcontract}/renewals", "agency_admin", organization_id=str(uuid.uuid4()),
                   json={"end": "2028-11-30"})
    assert outsider.status_code == 403
    assert api("POST", f"/subcontracts/{uuid.uuid4()}/renewals", "agency_admin", organization_id=buyer,
               json={"end": "2028-11-30"}).status_code == 404
    reported = api("POST", f"{subcontract}/hours-reports", "agency_admin", organization_id=provider,
                   json={"week_start": "2026-12-07", "hours": 18.5}).json()
    assert reported["hours_report"][0]["hours_delivered"] == 18.5
    ended = api("POST", f"{subcontract}/endings", "agency_admin", organization_id=buyer,
                json={"ended_on": "2027-06-30", "expected_version": reported["version"]}).json()
    assert ended["status"] == "ended" and ended["placements"] == []

    # A supervision agreement both accept, then one party ends.
    assert api("POST", f"/peer-workers/{colleague}/employments", "agency_admin", organization_id=buyer, json={
        "organization_id": buyer, "role_title": "Recovery coach", "hours_per_week": 20,
        "start": "2026-02-02"}).status_code == 201
    agreement = api("POST", "/supervision-agreements", "agency_admin", organization_id=buyer, json={
        "supervised_organization_id": buyer, "supervising_organization_id": provider, "peer_worker_ids": [colleague],
        "hours_per_month": 4, "start": "2026-12-01", "end": "2027-11-30", "cost": 300}).headers["Location"]
    for party in (buyer, provider):
        api("POST", f"{agreement}/acceptances", "agency_admin", organization_id=party, json={"organization_id": party})
    ending = api("POST", f"{agreement}/endings", "agency_admin", organization_id=provider,
                 json={"ended_on": "2027-03-31"})
    assert ending.status_code == 200, ending.text
    assert (ending.json()["status"], ending.json()["end"]) == ("ended", "2027-03-31")

    # The provider renames itself, lists a group, retires it.
    renamed = api("POST", f"/organizations/{provider}/changes", "agency_admin", organization_id=provider,
                  json={"name": "Hilltown Peer Network (synthetic)"})
    assert renamed.json()["name"] == "Hilltown Peer Network (synthetic)"
    group = api("POST", "/groups", "agency_admin", organization_id=provider, json={
        "host_organization_id": provider, "kind": "hearing_voices", "name": "Hearing Voices (synthetic)",
        "region": "Hampden", "link": "https://example.org/hv",
        "schedule": {"freq": "WEEKLY", "byday": "TH", "opens_at": "17:00", "closes_at": "18:30"}})
    assert group.status_code == 201, group.text
    group_id = group.json()["group_id"]
    found = api("GET", f"/groups?host_organization_id={provider}", "person").json()["items"]
    assert [g["group_id"] for g in found] == [group_id]
    assert api("POST", f"/groups/{group_id}/retirements", "agency_admin", organization_id=buyer).status_code == 403
    assert api("POST", f"/groups/{group_id}/retirements", "agency_admin", organization_id=provider).json() == {
        "group_id": group_id, "retired": True}
    assert api("GET", f"/groups?host_organization_id={provider}", "person").json()["items"] == []
