"""Peer workers' invitations over the gateway: the admin invites only to their own organization, the
secret travels only in a header, and the peer's own id is what intake gets, from the token."""
import uuid

from services.gateway.tests.conftest import ORG, bearer

SECRET = {"X-Invitation-Secret": "k" * 43}


def test_an_admin_invites_only_to_their_own_organization_and_hears_the_secret_once(client, backend, monkeypatch):
    monkeypatch.setenv("PEERNET_WEB_URL", "https://peernet.example/")
    invitation = str(uuid.uuid4())
    backend.answers[("intake", "invite_peer_worker")] = {"invitation_id": invitation, "invitation_secret": "k" * 43}
    elsewhere = client.post("/peer-worker-invitations", headers=bearer("agency_admin"),
                            json={"organization_id": str(uuid.uuid4()), "display_name": "Sam (synthetic)"})
    assert elsewhere.status_code == 403 and backend.calls == []
    made = client.post("/peer-worker-invitations", headers=bearer("agency_admin"),
                       json={"organization_id": ORG, "display_name": "Sam (synthetic)"})
    assert made.status_code == 201 and made.get_json() == {
        "invitation_id": invitation, "invitation_secret": "k" * 43,
        "invitation_link": f"https://peernet.example/invitations/{invitation}?secret={'k' * 43}"}
    assert made.headers["Location"] == f"/peer-worker-invitations/{invitation}"
    named = client.post("/peer-worker-invitations", headers=bearer("agency_admin"),
                        json={"organization_id": ORG, "display_name": "Sam", "peer_worker_id": str(uuid.uuid4())})
    assert named.status_code == 422  # nobody names the peer worker


def test_the_secret_travels_in_a_header_and_the_peer_is_the_token(client, backend):
    me, invitation = str(uuid.uuid4()), str(uuid.uuid4())
    backend.answers[("intake", "accept_peer_worker_invitation")] = me
    client.get(f"/peer-worker-invitations/{invitation}", headers={**bearer("peer", me), **SECRET})
    client.get(f"/peer-worker-invitations/{invitation}", headers=bearer("agency_admin"))
    accepted = client.post(f"/peer-worker-invitations/{invitation}/acceptances",
                           headers={**bearer("peer", me), **SECRET})
    assert accepted.status_code == 201 and accepted.get_json() == {"peer_worker_id": me}
    assert accepted.headers["Location"] == f"/peer-workers/{me}"
    withdrawn = client.post(f"/peer-worker-invitations/{invitation}/withdrawals", headers=bearer("agency_admin"))
    assert withdrawn.get_json() == {"invitation_id": invitation, "recorded": True}
    sent = [(method, args, caller.user_id) for _, method, args, caller in backend.calls]
    assert sent[0] == ("peer_worker_invitation", (invitation, "k" * 43), me)
    assert sent[1][:2] == ("peer_worker_invitation", (invitation, None))
    assert sent[2] == ("accept_peer_worker_invitation", ({"invitation_id": invitation, "invitation_secret": "k" * 43},),
                       me)
    assert sent[3][:2] == ("withdraw_peer_worker_invitation", ({"invitation_id": invitation},))


def test_the_secret_header_is_documented(gateway):
    for path, method in (("/peer-worker-invitations/{invitation_id}", "get"),
                         ("/peer-worker-invitations/{invitation_id}/acceptances", "post")):
        operation = gateway.openapi["paths"][path][method]
        assert any(p["in"] == "header" and p["name"] == "X-Invitation-Secret" for p in operation["parameters"])
