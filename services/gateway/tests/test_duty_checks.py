"""POST /duty-checks: a duty list checked against the peer-role chart in the gateway, nothing stored."""
import pytest

from services.gateway.tests.conftest import bearer
from shared.peer_role_chart import check_duties, refusal_document

LIST = ["Facilitate a WRAP group", "Administrar medicamentos", "Answer phones y clasificar llamadas",
        "Llevar a la persona en auto a sus citas cuando lo pida"]


def check(client, duties, role="agency_admin", **headers):
    return client.post("/duty-checks", json={"duties": duties}, headers={**bearer(role), **headers})


@pytest.mark.parametrize("role", ["agency_admin", "state_auditor"])
def test_each_refused_line_comes_back_as_a_subcontract_would_refuse_it(client, backend, role):
    answer = check(client, LIST, role)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    refused = answer.get_json()["refused_duties"]
    assert [(item["index"], item["code"]) for item in refused] == [
        (1, "administering_medications"), (2, "routine_phone_answering"), (2, "triaging_calls")]
    expected = [refusal_document("duties", index, found) for index, text in enumerate(LIST)
                for found in check_duties([text])]
    assert refused == expected
    medications = refused[0]
    assert medications["field"] == "duties.1" and medications["text"] == "Administrar medicamentos"
    assert medications["duty"] == {"en": "Administer medications", "es": "Administrar medicamentos"}
    assert medications["alternative"]["es"].startswith("Apoyar a la persona")
    assert backend.calls == []  # computed in the gateway: no service is asked, nothing is stored


def test_a_consistent_list_gives_nothing_refused(client, backend):
    answer = check(client, ["Facilitate a peer support group", "Contestar la línea cálida entre pares"])
    assert answer.status_code == 200 and answer.get_json() == {"refused_duties": []}


@pytest.mark.parametrize("body, field", [
    ({}, "duties"),
    ({"duties": "Administer medications"}, "duties"),
    ({"duties": ["x" * 301]}, "duties.0"),
    ({"duties": ["Facilitate a group"] * 51}, "duties"),
    ({"duties": [7]}, "duties.0"),
])
def test_a_bad_list_is_a_422_naming_the_field(client, backend, body, field):
    answer = client.post("/duty-checks", json=body, headers=bearer("agency_admin"))
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert field in [error["field"] for error in answer.get_json()["errors"]]
    assert backend.calls == []


@pytest.mark.parametrize("role", ["person", "peer", "supervisor"])
def test_only_admins_and_the_state_auditor_check(client, backend, role):
    assert check(client, LIST, role).status_code == 403


def test_the_route_is_in_the_openapi_document(client):
    document = client.get("/openapi.json").get_json()
    operation = document["paths"]["/duty-checks"]["post"]
    assert operation["operationId"] == "checkDuties"
    assert "agency_admin" in str(operation) and "state_auditor" in str(operation)
    assert "DutyCheck" in str(operation["responses"]["200"])
