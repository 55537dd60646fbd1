"""The gateway's public answers: where things are, and the lists the pages offer."""
from shared.contracts.intake import MODALITIES
from shared.experiences import EXPERIENCE_CODES


def test_the_vocabularies_are_public_cacheable_and_labelled_in_english_and_spanish(client, backend):
    answer = client.get("/vocabularies")
    assert answer.status_code == 200 and backend.calls == []
    assert "public" in answer.headers["Cache-Control"] and answer.headers["ETag"]
    lists = answer.get_json()
    assert [e["id"] for e in lists["experiences"]] == list(EXPERIENCE_CODES)
    assert [m["id"] for m in lists["modalities"]] == list(MODALITIES)
    spanish = {language["code"]: language["label"] for language in lists["languages"]}["es"]
    assert spanish == {"en": "Spanish", "es": "Español"}
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
