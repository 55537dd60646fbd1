"""Contact once connected and blocks, through the gateway: what is asked of which service, and what comes back."""
import uuid

from services.gateway.tests.conftest import bearer
from shared.errors import InvalidInput, NotFound

ME, OTHER, CONNECTION, ORGANIZATION = (str(uuid.uuid4()) for _ in range(4))


def test_a_peer_worker_who_uses_their_organizations_contact_shows_what_the_directory_publishes(client, backend):
    backend.answers[("intake", "connection_contact")] = {"connection_id": CONNECTION, "active": True, "contact": {
        "use": "organization", "organization_id": ORGANIZATION, "phone": None, "email": None}}
    backend.answers[("directory", "organization")] = {
        "organization_id": ORGANIZATION, "name": "Hilltown Peer Center (synthetic)",
        "contact": {"phone": "413-555-0199", "email": "hello@hilltown.example", "website": None}}
    answer = client.get(f"/connections/{CONNECTION}/contact", headers=bearer("person", ME))
    assert answer.status_code == 200
    assert answer.json["contact"] == {"use": "organization", "organization_id": ORGANIZATION,
                                      "organization_name": "Hilltown Peer Center (synthetic)",
                                      "phone": "413-555-0199", "email": "hello@hilltown.example", "website": None}
    assert [(service, method, args) for service, method, args, _ in backend.calls] == [
        ("intake", "connection_contact", (CONNECTION,)), ("directory", "organization", (ORGANIZATION,))]


def test_an_organization_the_directory_does_not_hold_publishes_nothing(client, backend):
    backend.answers[("intake", "connection_contact")] = {"connection_id": CONNECTION, "active": True, "contact": {
        "use": "organization", "organization_id": "org-not-a-directory-id", "phone": None, "email": None}}
    backend.answers[("directory", "organization")] = InvalidInput({"organization_id": ["Not a valid UUID."]})
    answer = client.get(f"/connections/{CONNECTION}/contact", headers=bearer("person", ME))
    assert answer.status_code == 200
    assert answer.json["contact"] == {"use": "organization", "organization_id": "org-not-a-directory-id",
                                      "phone": None, "email": None}


def test_the_persons_contact_passes_as_intake_answers_it_and_nothing_more_is_asked(client, backend):
    backend.answers[("intake", "connection_contact")] = {"connection_id": CONNECTION, "active": True, "contact": {
        "use": "person", "display_name": None, "contact": "robin@example.org"}}
    answer = client.get(f"/connections/{CONNECTION}/contact", headers=bearer("peer", ME))
    assert answer.json["contact"] == {"use": "person", "display_name": None, "contact": "robin@example.org"}
    assert len(backend.calls) == 1


def test_a_connection_that_is_not_mine_is_404(client, backend):
    backend.answers[("intake", "connection_contact")] = NotFound("no connection for you")
    answer = client.get(f"/connections/{CONNECTION}/contact", headers=bearer("peer", ME))
    assert answer.status_code == 404


def test_a_person_blocks_only_for_themselves_and_names_a_peer_worker(client, backend):
    refused = client.post(f"/people/{OTHER}/blocked-peers", json={"peer_worker_id": OTHER},
                          headers=bearer("person", ME))
    assert refused.status_code == 403 and backend.calls == []
    bad = client.post(f"/people/{ME}/blocked-peers", json={"peer_worker_id": "nobody"}, headers=bearer("person", ME))
    assert bad.status_code == 422 and "peer_worker_id" in bad.get_data(as_text=True) and backend.calls == []
    backend.answers[("matching", "block_peer")] = {"blocked": True}
    done = client.post(f"/people/{ME}/blocked-peers", json={"peer_worker_id": OTHER}, headers=bearer("person", ME))
    assert done.json == {"blocked": True}
    assert backend.calls[0][:3] == ("matching", "block_peer", ({"peer_worker_id": OTHER, "person_id": ME},))


def test_a_peer_worker_names_a_choice_or_a_connection_not_a_person(client, backend):
    neither = client.post(f"/peer-workers/{ME}/blocked-people", json={}, headers=bearer("peer", ME))
    assert neither.status_code == 422 and backend.calls == []
    named = client.post(f"/peer-workers/{ME}/blocked-people", json={"person_id": OTHER}, headers=bearer("peer", ME))
    assert named.status_code == 422 and "person_id" in named.get_data(as_text=True)
    backend.answers[("matching", "block_person")] = {"blocked": True}
    done = client.post(f"/peer-workers/{ME}/blocked-people", json={"connection_id": CONNECTION},
                       headers=bearer("peer", ME))
    assert done.status_code == 200
    assert backend.calls[0][:3] == ("matching", "block_person", ({"connection_id": CONNECTION, "peer_worker_id": ME},))


def test_a_work_contact_is_checked_before_any_call(client, backend):
    answer = client.post(f"/peer-workers/{ME}/work-contact-settings", json={"use": "own", "email": "not an address"},
                         headers=bearer("peer", ME))
    assert answer.status_code == 422 and "email" in answer.get_data(as_text=True)
    assert backend.calls == []
