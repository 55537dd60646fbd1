"""The OpenAPI document is valid, covers every route, and answers fit it; /docs renders it."""
import re
import uuid

from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from services.gateway.api import ROUTES
from services.gateway.tests.conftest import ORG, bearer


def test_the_document_is_valid_openapi_3_1_and_covers_every_route(client):
    spec = client.get("/openapi.json").get_json()
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    assert documented == {(route.openapi_path, route.method) for route in ROUTES}
    for route in ROUTES:
        operation = spec["paths"][route.openapi_path][route.method.lower()]
        assert operation["operationId"] == route.operation
        assert str(route.status) in operation["responses"]
        names = {parameter["name"] for parameter in operation["parameters"] if parameter["in"] == "path"}
        assert names == set(re.findall(r"\{(\w+)\}", route.openapi_path))
        if route.roles is not None:
            assert operation["security"] == [{"bearer": []}] and "401" in operation["responses"]


def fits(spec, instance, reference):
    schema = {"$ref": reference, "components": spec["components"]}
    errors = list(OAS31Validator(schema).iter_errors(instance))
    assert errors == [], errors


def test_answers_and_problems_fit_the_document(client, backend):
    spec = client.get("/openapi.json").get_json()
    peer_worker_id = str(uuid.uuid4())
    backend.answers[("matching", "candidate")] = {
        "peer_worker_id": peer_worker_id, "organization_id": ORG, "display_name": "forgotten",
        "shared_for_matching": ["veteran"], "upstream_position": 7, "extra": "dropped"}
    candidate = client.get(f"/candidates/{peer_worker_id}", headers=bearer("state_auditor")).get_json()
    assert "extra" not in candidate
    fits(spec, candidate, "#/components/schemas/Candidate")
    services = client.get("/services", headers=bearer("person")).get_json()
    fits(spec, services, "#/components/schemas/ServicePage")
    refused = client.post("/organizations", json={"kind": "nonsense"}, headers=bearer("state_auditor")).get_json()
    fits(spec, refused, "#/components/schemas/Problem")
    assert {error["field"] for error in refused["errors"]} >= {"name", "kind", "regions"}


def test_the_reference_page_is_self_contained_and_names_every_route(client):
    answer = client.get("/docs")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    page = answer.get_data(as_text=True)
    for route in ROUTES:
        assert f"id='{route.operation}'" in page and route.openapi_path in page
    assert "id='problem-invalid-input'" in page
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page)  # nothing fetched from elsewhere
    assert "<script" not in page
