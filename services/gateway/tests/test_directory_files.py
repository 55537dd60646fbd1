"""The CSV files organizations send each other: hours delivered against agreed per subcontract and
month, and an organization's credential status; formula-like text neutralised; who may download."""
import csv
import io
import uuid

from services.gateway.csv_files import cell
from services.gateway.tests.conftest import ORG, bearer
from services.gateway.tests.requests_directory import DIRECTORY_ANSWERS, PEER_WORKER, STATUS

PROVIDER = str(uuid.uuid4())
AGREEMENT = str(uuid.uuid4())
HOURS = [{"agreement_id": AGREEMENT, "buyer": "=HYPERLINK(\"https://evil.example\",\"x\")", "buyer_id": ORG,
          "provider": "@Valley Peer Collective", "provider_id": PROVIDER, "month": "2026-11", "weeks": 4,
          "hours_delivered": 76.5, "hours_agreed": 80.0, "difference": -3.5}]


def rows(answer) -> list[list[str]]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "text/csv" and answer.headers["Content-Disposition"].startswith("attachment")
    return list(csv.reader(io.StringIO(answer.get_data(as_text=True))))


def test_hours_per_subcontract_and_month_as_csv_with_formulas_neutralised(client, backend):
    backend.answers[("directory", "subcontract_hours")] = HOURS
    header, row = rows(client.get("/subcontract-hours-export", headers=bearer("agency_admin")))
    assert header == ["agreement_id", "buyer", "buyer_id", "provider", "provider_id", "month", "weeks",
                      "hours_delivered", "hours_agreed", "difference"]
    assert row == [AGREEMENT, "'=HYPERLINK(\"https://evil.example\",\"x\")", ORG, "'@Valley Peer Collective",
                   PROVIDER, "2026-11", "4", "76.5", "80.0", "-3.5"]
    # Directory's access table fills in an agency admin's own organization (services/directory tests).
    [(_, method, (query,), caller)] = backend.calls
    assert method == "subcontract_hours" and query == {"organization_id": None, "agreement_id": None}
    assert caller.organization_id == ORG


def test_an_agency_admin_may_not_download_another_organizations_hours(client, backend):
    answer = client.get(f"/subcontract-hours-export?organization_id={uuid.uuid4()}", headers=bearer("agency_admin"))
    assert answer.status_code == 403 and backend.calls == []


def test_credential_status_of_every_current_peer_worker_as_csv(client, backend):
    pages = [{"items": [{"peer_worker_id": PEER_WORKER, "role_title": "-Peer specialist", **STATUS}] * 500,
              "next_after": [PEER_WORKER]},
             {"items": [{"peer_worker_id": PEER_WORKER, "role_title": "+1 Lead", **STATUS}], "next_after": None}]
    backend.answers[("directory", "organization")] = {"organization_id": ORG, "name": "Hilltown Peer Center"}
    backend.answers[("directory", "credential_status")] = lambda query: pages[query["after"] is not None]
    header, *lines = rows(client.get(f"/credential-status-export?organization_id={ORG}&as_of=2026-11-24",
                                     headers=bearer("state_auditor")))
    assert header[:3] == ["organization", "organization_id", "peer_worker_id"] and len(lines) == 501
    assert lines[0] == ["Hilltown Peer Center", ORG, PEER_WORKER, "'-Peer specialist", "due", "2026-07-06",
                        "recovery_coach", "", "no"]
    assert lines[-1][3] == "'+1 Lead"
    afters = [(args[0]["after"], args[0]["limit"]) for _, method, args, _ in backend.calls
              if method == "credential_status"]
    assert afters == [(None, 500), ([PEER_WORKER], 500)]  # each page after the last of the one before


def test_a_bad_query_is_a_problem_naming_the_field(client, backend):
    backend.answers.update(DIRECTORY_ANSWERS)
    answer = client.get("/credential-status-export?organization_id=nope", headers=bearer("state_auditor"))
    assert answer.status_code == 422 and answer.get_json()["errors"][0]["field"] == "organization_id"


def test_cells():
    assert [cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "plain", -2, 1.5, None, True, ["a", "b"])] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "plain", -2, 1.5, "", "yes", "a b"]
