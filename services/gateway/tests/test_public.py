"""The gateway's public answers: where things are, the lists the pages offer, the peer-role chart."""
from services.directory.commands import refuse_chart_duties
from services.gateway.tests.conftest import ORG, bearer
from shared.contracts.intake import MODALITIES
from shared.errors import InvalidInput
from shared.experiences import EXPERIENCE_CODES
from shared.peer_role_chart import load_chart


def test_the_vocabularies_are_public_cacheable_and_labelled_in_english_and_spanish(client, backend):
    answer = client.get("/vocabularies")
    assert answer.status_code == 200 and backend.calls == []
    assert "public" in answer.headers["Cache-Control"] and answer.headers["ETag"]
    lists = answer.get_json()
    assert [e["id"] for e in lists["experiences"]] == list(EXPERIENCE_CODES)
    assert [m["id"] for m in lists["modalities"]] == list(MODALITIES)
    spanish = {language["code"]: language["label"] for language in lists["languages"]}["es"]
    assert spanish == {"en": "Spanish", "es": "español"}
    assert {"id": "Hampden County", "label": {"en": "Hampden County", "es": "Condado de Hampden"}} in lists["regions"]
    for kind in ("experiences", "languages", "modalities", "regions"):
        assert all(item["label"]["en"] and item["label"]["es"] for item in lists[kind]), kind
    voices = next(e for e in lists["experiences"] if e["id"] == "heard_voices")
    assert voices["label"] == {"en": "heard voices", "es": "escuchar voces"}
    again = client.get("/vocabularies", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_the_root_says_where_things_are_and_sends_a_browser_to_the_pages(client, monkeypatch):
    monkeypatch.delenv("PEERNET_WEB_URL", raising=False)
    monkeypatch.setenv("PEERNET_PORT_BASE", "9300")
    assert client.get("/").get_json() == {"web": "http://127.0.0.1:9300/", "docs": "/docs",
                                          "openapi": "/openapi.json"}
    assert client.get("/", headers={"Accept": "*/*"}).status_code == 200  # curl: JSON
    monkeypatch.setenv("PEERNET_WEB_URL", "https://peers.example.org/")
    browser = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 303 and browser.headers["Location"] == "https://peers.example.org/"
    assert client.get("/", headers={"Accept": "application/json"}).get_json()["web"] == "https://peers.example.org/"


def test_the_peer_role_chart_is_public_cacheable_and_in_english_and_spanish(client, backend):
    answer = client.get("/peer-role-chart")
    assert answer.status_code == 200 and backend.calls == []
    assert "public" in answer.headers["Cache-Control"] and answer.headers["ETag"]
    chart = answer.get_json()
    assert [reason["code"] for reason in chart["reasons"]] == ["power_imbalance", "agenda", "busy_work"]
    assert chart["reasons"][2]["name"] == {"en": "busy work", "es": "tareas de relleno"}
    assert len(chart["duties"]) == len(load_chart().duties)
    for duty in chart["duties"]:
        texts = [duty["duty"], duty["why"], *([duty["alternative"]] if duty["alternative"] else [])]
        assert all(text["en"] and text["es"] for text in texts), duty["code"]
    medications = chart["duties"][0]
    assert medications["code"] == "administering_medications"
    assert medications["duty"] == {"en": "Administer medications", "es": "Administrar medicamentos"}
    again = client.get("/peer-role-chart", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_a_refused_duty_list_answers_the_charts_texts_beside_the_field_errors(client, backend):
    try:
        refuse_chart_duties("duties", ["Facilitate a WRAP group", "Administer medications"])
    except InvalidInput as refused:
        backend.answers[("directory", "make_subcontract")] = refused
    answer = client.post("/subcontracts", headers=bearer("agency_admin", "admin-1", ORG), json={
        "buyer_id": ORG, "provider_id": "2c7a1e0b-3f3b-4a8e-9a0e-7b1f5d0c9e21", "hours_per_week": 20,
        "amount": "1200.00", "start": "2026-12-01", "end": "2027-11-30", "provider_duties": ["hiring"],
        "duties": ["Facilitate a WRAP group", "Administer medications"]})
    assert answer.status_code == 422 and answer.headers["Content-Type"] == "application/problem+json"
    body = answer.get_json()
    assert [error["field"] for error in body["errors"]] == ["duties.1"]
    [refused_duty] = body["refused_duties"]
    assert refused_duty["field"] == "duties.1" and refused_duty["code"] == "administering_medications"
    assert refused_duty["reasons"][0]["name"]["es"] == "desequilibrio de poder"
    assert refused_duty["alternative"]["es"].startswith("Apoyar a la persona")
    assert body["status"] == 422 and body["type"].endswith("invalid-input")
