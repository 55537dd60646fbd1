"""Verifying the ledger is a job: POST answers 202 at once with its address, GET follows it."""
import uuid

from services.gateway.tests.conftest import bearer
from services.gateway.tests.test_roles import VERIFICATION
from shared.errors import NotFound

JOB = str(uuid.uuid4())


def test_a_verification_starts_at_once_and_is_followed_at_its_address(client, backend):
    running = {**VERIFICATION, "verification_id": JOB, "state": "running", "finished_at": None, "result": None,
               "entries_checked": 1, "entries_total": 4}
    backend.answers[("audit", "start_verification")] = running
    started = client.post("/audit-verifications", headers=bearer("state_auditor"))
    assert started.status_code == 202 and started.headers["Location"] == f"/audit-verifications/{JOB}"
    assert started.get_json()["state"] == "running" and started.get_json()["result"] is None
    backend.answers[("audit", "verification")] = {**VERIFICATION, "verification_id": JOB}
    done = client.get(started.headers["Location"], headers=bearer("state_auditor"))
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    assert done.get_json()["result"]["ok"] is True and done.get_json()["sources"][0]["checked"] == 4
    assert backend.calls[-1][:3] == ("audit", "verification", ({"verification_id": JOB},))


def test_an_unknown_verification_is_404_and_others_may_not_look(client, backend):
    backend.answers[("audit", "verification")] = NotFound("no verification")
    assert client.get(f"/audit-verifications/{JOB}", headers=bearer("state_auditor")).status_code == 404
    assert client.get("/audit-verifications/not-an-id", headers=bearer("state_auditor")).status_code == 404
    assert client.get(f"/audit-verifications/{JOB}", headers=bearer("agency_admin")).status_code == 403
